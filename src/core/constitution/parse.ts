/**
 * The parser of constitution documents (`*.constitution.md`). The rules, in the order they apply
 * to each line:
 *
 * - Fenced code blocks (``` or ~~~, CommonMark style) are commentary: nothing inside is parsed.
 *   An unclosed fence runs to the end of the file (a warning).
 * - `# Title` (level 1) starts a section: every principle and rubric below carries its title.
 * - `## Principle: id` and `## Rubric: id` (keywords case-insensitive) open a block. Any other
 *   level-2 heading is commentary and closes the block; level 3–6 headings are commentary inside
 *   a block and end the field above them.
 * - Inside a block, `Key: value` at the start of a line is a field (keys case-insensitive). Its
 *   value continues on the following lines, blank ones included (a request may have several
 *   paragraphs), until the next field, a heading or a fence, as DESIGN.md specifies. So a note
 *   meant as commentary goes before a block's first field, or under a level-3 heading. A
 *   continuation line that starts with a backslash has it removed: `\Note: …` keeps a
 *   field-like line in the value.
 *   Trailing whitespace of each line, and whitespace around the whole value, are dropped.
 * - Everything else is commentary.
 *
 * Principle fields: Critique, Revision, Compare, Weight, Tags (comma-separated). Rubric fields:
 * Criterion and Score 1 … Score 5; a rubric needs Score 1 and Score 5 (so at least two levels,
 * the ends of the scale; 2–4 are optional). Ids are slugs; principles and rubrics have separate
 * id namespaces.
 */
import { blockHeadingPattern, fenceOpenPattern, fieldPattern, headingPattern, isBlank, scoreKeyPattern } from './syntax';
import { isSlug, nearMiss, slugify } from './text';
import type {
  ConstitutionDocument,
  ConstitutionProblem,
  Position,
  Principle,
  PrincipleField,
  Range,
  RelatedLocation,
  Rubric,
  RubricField,
  ScoreLevel,
  Section,
} from './types';

const principleFieldNames: Record<string, PrincipleField> = {
  critique: 'critique',
  revision: 'revision',
  compare: 'compare',
  weight: 'weight',
  tags: 'tags',
};
const principleKeys = ['Critique', 'Revision', 'Compare', 'Weight', 'Tags'];
const rubricKeys = ['Criterion', 'Score 1', 'Score 2', 'Score 3', 'Score 4', 'Score 5'];
const weightPattern = /^\+?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

type BlockKind = 'principle' | 'rubric';
type FieldName = PrincipleField | RubricField;

interface ValueLine {
  readonly line: number;
  /** Where `text` starts in the source line. */
  readonly start: number;
  readonly text: string;
}

interface OpenField {
  /** Undefined for a field that is reported and ignored. */
  readonly name: FieldName | undefined;
  readonly keyRange: Range;
  readonly lines: ValueLine[];
}

interface OpenBlock {
  readonly kind: BlockKind;
  readonly id: string;
  readonly idRange: Range;
  readonly headingRange: Range;
  readonly section: string | undefined;
  end: Position;
  readonly values: Map<FieldName, { value: string; range: Range }>;
  readonly keyRanges: Map<FieldName, Range>;
}

const range = (line: number, start: number, end: number): Range => ({ start: { line, character: start }, end: { line, character: end } });

/** Parses a constitution document. Never throws: every problem is in `problems`. */
export function parseConstitution(source: string): ConstitutionDocument {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const lines = text.split(/\r\n|\r|\n/);
  const problems: ConstitutionProblem[] = [];
  const sections: Section[] = [];
  const principles: Principle[] = [];
  const rubrics: Rubric[] = [];
  const report = (severity: ConstitutionProblem['severity'], code: ConstitutionProblem['code'], message: string, at: Range, extra: Pick<ConstitutionProblem, 'related' | 'suggestion'> = {}) =>
    problems.push({ severity, code, message, range: at, ...extra });

  let section: string | undefined;
  let block: OpenBlock | undefined;
  let field: OpenField | undefined;
  let fence: { marker: string; range: Range } | undefined;

  const closeField = () => {
    if (!field || !block) {
      field = undefined;
      return;
    }
    const { name, keyRange } = field;
    const content = field.lines.map((line) => line.text);
    const value = content.join('\n').trim();
    const first = field.lines.find((line) => line.text.trim() !== '');
    const last = [...field.lines].reverse().find((line) => line.text.trim() !== '');
    field = undefined;
    if (!first || !last) {
      // A field already reported as unknown or misplaced is ignored, empty or not.
      if (name !== undefined) report('error', 'empty-value', `${keyText(name)} has an empty value`, keyRange);
      block.end = keyRange.end;
      return;
    }
    const leading = first.text.length - first.text.trimStart().length;
    const valueRange: Range = { start: { line: first.line, character: first.start + leading }, end: { line: last.line, character: last.start + last.text.length } };
    block.end = valueRange.end;
    if (name !== undefined && !block.values.has(name)) block.values.set(name, { value, range: valueRange });
  };

  const closeBlock = () => {
    closeField();
    if (block?.kind === 'principle') principles.push(finishPrinciple(block, report));
    if (block?.kind === 'rubric') rubrics.push(finishRubric(block, report));
    block = undefined;
  };

  for (let lineNumber = 0; lineNumber < lines.length; lineNumber++) {
    const line = lines[lineNumber] as string;
    const lineRange = range(lineNumber, 0, line.length);

    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && (close[1] as string)[0] === fence.marker[0] && (close[1] as string).length >= fence.marker.length) fence = undefined;
      continue;
    }
    const fenceOpen = fenceOpenPattern.exec(line);
    if (fenceOpen) {
      closeField();
      fence = { marker: fenceOpen[1] as string, range: lineRange };
      continue;
    }

    const heading = headingPattern.exec(line);
    if (heading) {
      closeField();
      const level = (heading[1] as string).length;
      const contentStart = heading[0].length;
      const content = line.slice(contentStart).replace(/(?:^|[ \t]+)#+[ \t]*$/, '').trimEnd();
      if (level === 1) {
        closeBlock();
        section = content;
        sections.push({ title: content, range: lineRange });
      } else if (level === 2) {
        closeBlock();
        const keyword = blockHeadingPattern.exec(content);
        if (keyword) {
          const id = content.slice(keyword[0].length);
          const idStart = contentStart + keyword[0].length;
          const kind = (keyword[1] as string).toLowerCase() as BlockKind;
          block = {
            kind,
            id,
            idRange: range(lineNumber, idStart, idStart + id.length),
            headingRange: lineRange,
            section,
            end: lineRange.end,
            values: new Map(),
            keyRanges: new Map(),
          };
          checkId(block, report);
        }
      }
      continue;
    }

    if (!block) continue;
    if (isBlank(line)) {
      // Part of the value (trailing blank lines are trimmed with it); commentary otherwise.
      field?.lines.push({ line: lineNumber, start: 0, text: '' });
      continue;
    }

    const fieldMatch = fieldPattern.exec(line);
    if (fieldMatch) {
      closeField();
      const key = (fieldMatch[1] as string).replace(/[ \t]+/, ' ');
      const keyRange = range(lineNumber, 0, (fieldMatch[1] as string).length);
      const name = resolveField(block, key, keyRange, report);
      field = { name, keyRange, lines: [{ line: lineNumber, start: fieldMatch[0].length, text: line.slice(fieldMatch[0].length).trimEnd() }] };
      block.end = keyRange.end;
      continue;
    }
    if (field) {
      const escaped = line.startsWith('\\');
      field.lines.push({ line: lineNumber, start: escaped ? 1 : 0, text: (escaped ? line.slice(1) : line).trimEnd() });
    }
    // Otherwise: commentary inside the block.
  }
  closeBlock();
  if (fence) report('warning', 'unclosed-fence', 'this code block is never closed: the rest of the file is commentary', fence.range);

  reportDuplicates(principles, 'principle', report);
  reportDuplicates(rubrics, 'rubric', report);
  problems.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { sections, principles, rubrics, problems };
}

type Report = (
  severity: ConstitutionProblem['severity'],
  code: ConstitutionProblem['code'],
  message: string,
  at: Range,
  extra?: Pick<ConstitutionProblem, 'related' | 'suggestion'>,
) => void;

function keyText(name: FieldName | undefined): string {
  if (name === undefined) return 'this field';
  const score = /^score(\d)$/.exec(name);
  return score ? `Score ${score[1]}` : name[0]?.toUpperCase() + name.slice(1);
}

function checkId(block: OpenBlock, report: Report): void {
  const what = block.kind === 'principle' ? 'principle' : 'rubric';
  if (block.id === '') {
    report('error', 'missing-id', `this ${what} has no id: write one after the colon, e.g. "## ${what === 'principle' ? 'Principle' : 'Rubric'}: be-honest"`, block.headingRange);
    return;
  }
  if (!isSlug(block.id)) {
    const slug = slugify(block.id);
    const hint = slug ? `; try "${slug}"` : '';
    report('error', 'invalid-id', `the ${what} id "${block.id}" is not a slug (lowercase letters and digits joined by hyphens)${hint}`, block.idRange, slug ? { suggestion: slug } : {});
  }
}

/** Which field a key names in this block; reports unknown and misplaced keys (their values are ignored). */
function resolveField(block: OpenBlock, key: string, keyRange: Range, report: Report): FieldName | undefined {
  const lower = key.toLowerCase();
  let name: FieldName | undefined;
  const score = scoreKeyPattern.exec(key);
  if (block.kind === 'principle') {
    name = principleFieldNames[lower];
    if (!name && (lower === 'criterion' || score)) {
      report('error', 'misplaced-field', `"${key}" is a rubric field; a principle has Critique, Revision, Compare, Weight and Tags`, keyRange);
      return undefined;
    }
  } else {
    if (lower === 'criterion') name = 'criterion';
    else if (score) {
      const level = score[1] as string;
      if (!/^[1-5]$/.test(level)) {
        report('error', 'invalid-score', `scores go from 1 to 5, not "${level}"`, keyRange);
        return undefined;
      }
      name = `score${Number(level) as ScoreLevel}`;
    } else if (principleFieldNames[lower]) {
      report('error', 'misplaced-field', `"${key}" is a principle field; a rubric has a Criterion and Score 1 to Score 5`, keyRange);
      return undefined;
    }
  }
  if (!name) {
    const suggestion = nearMiss(key, block.kind === 'principle' ? principleKeys : rubricKeys);
    const hint = suggestion ? `: did you mean "${suggestion}"?` : ` (it is ignored; start the line with a backslash to keep it in the value above)`;
    report('warning', 'unknown-field', `unknown field "${key}"${hint}`, keyRange, suggestion ? { suggestion } : {});
    return undefined;
  }
  const first = block.keyRanges.get(name);
  if (first) {
    report('error', 'duplicate-field', `${keyText(name)} is given twice in this ${block.kind}; only the first is used`, keyRange, {
      related: [{ range: first, message: `the first ${keyText(name)}` }],
    });
    return undefined;
  }
  block.keyRanges.set(name, keyRange);
  return name;
}

function blockRange(block: OpenBlock): Range {
  return { start: block.headingRange.start, end: block.end };
}

function finishPrinciple(block: OpenBlock, report: Report): Principle {
  const value = (name: PrincipleField) => block.values.get(name)?.value;
  const fieldRanges: { [field in PrincipleField]?: Range } = {};
  for (const [name, entry] of block.values) fieldRanges[name as PrincipleField] = entry.range;

  let weight = 1;
  const weightEntry = block.values.get('weight');
  if (weightEntry) {
    const parsed = weightPattern.test(weightEntry.value) ? Number(weightEntry.value) : NaN;
    if (Number.isFinite(parsed) && parsed > 0) weight = parsed;
    else report('error', 'invalid-weight', `the weight must be a positive number, not "${weightEntry.value}"`, weightEntry.range);
  }
  const tags = [
    ...new Set(
      (value('tags') ?? '')
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ''),
    ),
  ];
  const critique = value('critique');
  const revision = value('revision');
  const compare = value('compare');
  const { headingRange } = block;
  if (critique === undefined && revision === undefined && compare === undefined) {
    report('error', 'missing-requests', 'a principle needs Critique and Revision requests, a Compare question, or all three', headingRange);
  } else if (critique !== undefined && revision === undefined) {
    report('error', 'unpaired-request', 'this principle has a Critique but no Revision: a critique is only used to revise', headingRange);
  } else if (revision !== undefined && critique === undefined) {
    report('error', 'unpaired-request', 'this principle has a Revision but no Critique: a revision follows a critique', headingRange);
  }
  return {
    id: block.id,
    ...(block.section !== undefined ? { section: block.section } : {}),
    ...(critique !== undefined ? { critique } : {}),
    ...(revision !== undefined ? { revision } : {}),
    ...(compare !== undefined ? { compare } : {}),
    weight,
    tags,
    range: blockRange(block),
    idRange: block.idRange,
    fieldRanges,
  };
}

function finishRubric(block: OpenBlock, report: Report): Rubric {
  const fieldRanges: { [field in RubricField]?: Range } = {};
  for (const [name, entry] of block.values) fieldRanges[name as RubricField] = entry.range;
  const scores: { [level in ScoreLevel]?: string } = {};
  for (const level of [1, 2, 3, 4, 5] as const) {
    const entry = block.values.get(`score${level}`);
    if (entry) scores[level] = entry.value;
  }
  const criterion = block.values.get('criterion')?.value;
  if (criterion === undefined) report('error', 'missing-criterion', 'a rubric needs a Criterion: what do its scores measure?', block.headingRange);
  const missing = ([1, 5] as const).filter((level) => scores[level] === undefined);
  if (missing.length > 0) {
    const present = Object.keys(scores);
    const has = present.length > 0 ? ` (it has ${present.join(', ')})` : '';
    report('error', 'missing-score', `a rubric needs at least Score 1 and Score 5${has}: missing ${missing.map((level) => `Score ${level}`).join(' and ')}`, block.headingRange);
  }
  return {
    id: block.id,
    ...(block.section !== undefined ? { section: block.section } : {}),
    ...(criterion !== undefined ? { criterion } : {}),
    scores,
    range: blockRange(block),
    idRange: block.idRange,
    fieldRanges,
  };
}

function reportDuplicates(items: ReadonlyArray<Principle | Rubric>, what: 'principle' | 'rubric', report: Report): void {
  const byId = new Map<string, Array<Principle | Rubric>>();
  for (const item of items) {
    if (item.id === '') continue;
    byId.set(item.id, [...(byId.get(item.id) ?? []), item]);
  }
  for (const [id, same] of byId) {
    if (same.length < 2) continue;
    for (const item of same) {
      const others = same.filter((other) => other !== item);
      const related: RelatedLocation[] = others.map((other) => ({ range: other.idRange, message: `also "${id}"` }));
      const lines = others.map((other) => other.idRange.start.line + 1).join(', ');
      report('error', 'duplicate-id', `duplicate ${what} id "${id}" (also on line ${lines})`, item.idRange, { related });
    }
  }
}
