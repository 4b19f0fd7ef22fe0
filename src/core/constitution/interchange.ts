/**
 * Import and export of constitutions in other tools' JSON shapes.
 *
 * Import (the shape is detected):
 * - `cai-critique-revision`: Anthropic's CritiqueRevisionInstructions.json,
 *   `{"harmful0": {"prompt": ["\n\nCritiqueRequest: …\n\nCritique:"], "edit_request": "\n\nRevisionRequest: …\n\nRevision:"}, …}`.
 *   Each key becomes a principle id (slugified when it is not a slug already). When `prompt` has
 *   several critique requests, each becomes its own principle (`key`, `key-2`, `key-3`, …) with the
 *   same revision request and weight 1: every critique stays usable and none is silently dropped.
 * - `cai-comparison`: the RL principle list (RLMadisonInstructions.json), an array of strings;
 *   each becomes a Compare-only principle, its id a slug of its first words.
 * - `critic-revision`: `[{"critic": …, "revision": …}]`; ids are slugs of the critique's first words.
 * - `distillery`: our own export (below), read back as it is.
 * The few-shot scaffolding around Anthropic's requests — a leading `CritiqueRequest:` /
 * `RevisionRequest:` label, a trailing `Critique:` / `Revision:` cue, and the trailing `Options:` of
 * comparison strings, with the blank lines around them — is removed; the request text between is
 * kept exactly. Exporting as `cai-critique-revision` or `cai-comparison` puts the scaffolding back,
 * so importing and exporting the real files gives them back unchanged. Text that the Markdown
 * format cannot hold as it is (trailing spaces on a line) is normalized, with a note.
 *
 * Export `distillery` shape (versioned, for other tools):
 *   { "format": "distillery-constitution", "version": 1, "sections": [title, …],
 *     "principles": [{ "id", "section"?, "critique"?, "revision"?, "compare"?, "weight", "tags" }],
 *     "rubrics": [{ "id", "section"?, "criterion"?, "scores": { "1": …, "5": … } }] }
 */
import { findNodeAtLocation, parseTree, type Node, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';
import { InputError, lineColumnAt } from '../errors/located';
import { normalizeValue } from './syntax';
import { isSlug, slugify } from './text';
import { scoreLevels, type ConstitutionData, type ConstitutionDocument, type PrincipleData, type RubricData, type ScoreLevel } from './types';

export type ImportFormat = 'cai-critique-revision' | 'cai-comparison' | 'critic-revision' | 'distillery';
export type ExportFormat = 'distillery' | 'critic-revision' | 'cai-critique-revision' | 'cai-comparison';
export const exportFormats: readonly ExportFormat[] = ['distillery', 'critic-revision', 'cai-critique-revision', 'cai-comparison'];

export interface ImportOptions {
  /** The file name used in error locations. */
  readonly file?: string;
  /** The section title of the imported principles (not used for `distillery` input). Default by format. */
  readonly title?: string;
}

export interface ImportResult {
  readonly format: ImportFormat;
  readonly data: ConstitutionData;
  /** What the import changed or decided that the user should know. */
  readonly notes: readonly string[];
}

export interface DistilleryConstitutionJson extends ConstitutionData {
  readonly format: 'distillery-constitution';
  readonly version: 1;
}

const defaultTitles: Record<Exclude<ImportFormat, 'distillery'>, string> = {
  'cai-critique-revision': 'Critique and revision',
  'cai-comparison': 'Comparison principles',
  'critic-revision': 'Critique and revision',
};

/** Reads a JSON constitution in one of the import shapes. Throws InputError (with the place) when it is none of them. */
export function importConstitutionJson(text: string, options: ImportOptions = {}): ImportResult {
  const file = options.file ?? '<input>';
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const errors: ParseError[] = [];
  const root = parseTree(source, errors, { disallowComments: true, allowTrailingComma: false });
  const firstError = errors[0];
  if (firstError || !root) {
    const offset = firstError?.offset ?? 0;
    throw new InputError(firstError ? describeParseError(firstError) : 'empty file', { file, ...lineColumnAt(source, offset) });
  }
  const fail = (node: Node | undefined, message: string): never => {
    throw new InputError(message, { file, ...lineColumnAt(source, (node ?? root).offset) });
  };
  const notes: string[] = [];
  const normalized = (value: string, where: string): string => {
    const result = normalizeValue(value);
    if (result !== value.trim()) notes.push(`${where}: trailing spaces at line ends were removed`);
    return result;
  };

  if (root.type === 'array') {
    const items = root.children ?? [];
    if (items.length === 0) fail(root, 'the list is empty: nothing to import');
    if (items.every((item) => item.type === 'string')) {
      const ids = new IdMaker('compare');
      const principles = items.map((item, index): PrincipleData => {
        const compare = normalized(stripScaffolding(item.value as string, undefined, 'Options:'), `item ${index + 1}`);
        if (compare === '') fail(item, 'an empty comparison principle');
        return withSection({ id: ids.fromText(compare), compare, weight: 1, tags: [] }, options.title ?? defaultTitles['cai-comparison']);
      });
      return { format: 'cai-comparison', data: { sections: [options.title ?? defaultTitles['cai-comparison']], principles, rubrics: [] }, notes };
    }
    const ids = new IdMaker('principle');
    const title = options.title ?? defaultTitles['critic-revision'];
    const principles = items.map((item, index): PrincipleData => {
      if (item.type !== 'object') fail(item, 'expected a list of strings or of {"critic", "revision"} objects');
      const critique = stringAt(item, ['critic'], fail);
      const revision = stringAt(item, ['revision'], fail);
      const critiqueText = normalized(critique, `item ${index + 1}`);
      return withSection({ id: ids.fromText(critiqueText), critique: critiqueText, revision: normalized(revision, `item ${index + 1}`), weight: 1, tags: [] }, title);
    });
    return { format: 'critic-revision', data: { sections: [title], principles, rubrics: [] }, notes };
  }

  if (root.type !== 'object') return fail(root, 'expected a JSON object or array');
  const format = findNodeAtLocation(root, ['format']);
  if (format?.value === 'distillery-constitution') return { format: 'distillery', data: readDistilleryJson(root, fail), notes };

  const title = options.title ?? defaultTitles['cai-critique-revision'];
  const ids = new IdMaker('principle');
  const principles: PrincipleData[] = [];
  for (const property of root.children ?? []) {
    const [keyNode, entry] = property.children ?? [];
    const key = String(keyNode?.value);
    if (!entry || entry.type !== 'object') {
      return fail(entry, `"${key}": expected {"prompt": [critique request, …], "edit_request": revision request}`);
    }
    const prompts = findNodeAtLocation(entry, ['prompt']);
    if (!prompts || prompts.type !== 'array' || (prompts.children ?? []).length === 0 || prompts.children?.some((child) => child.type !== 'string')) {
      return fail(prompts ?? entry, `"${key}": "prompt" must be a non-empty array of critique requests (strings)`);
    }
    const revision = normalized(stripScaffolding(stringAt(entry, ['edit_request'], fail), 'RevisionRequest:', 'Revision:'), key);
    const baseId = ids.fromKey(key);
    if (baseId !== key) notes.push(`"${key}" is not a slug: imported as "${baseId}"`);
    const critiques = (prompts.children ?? []).map((child) => normalized(stripScaffolding(child.value as string, 'CritiqueRequest:', 'Critique:'), key));
    if (critiques.length > 1) {
      const idsHere = critiques.map((_, index) => (index === 0 ? baseId : ids.reserve(`${baseId}-${index + 1}`)));
      notes.push(`"${key}" has ${critiques.length} critique requests: imported as ${idsHere.join(', ')}, each with the same revision request`);
      critiques.forEach((critique, index) => principles.push(withSection({ id: idsHere[index] as string, critique, revision, weight: 1, tags: [] }, title)));
    } else {
      principles.push(withSection({ id: baseId, critique: critiques[0] as string, revision, weight: 1, tags: [] }, title));
    }
  }
  if (principles.length === 0) fail(root, 'the object is empty: nothing to import');
  return { format: 'cai-critique-revision', data: { sections: [title], principles, rubrics: [] }, notes };
}

/** A constitution as the JSON value of one export format (stringify it to write). */
export function exportConstitution(data: ConstitutionData, format: ExportFormat): { value: unknown; notes: string[] } {
  const notes: string[] = [];
  const skipped = (what: string, kept: readonly PrincipleData[]) => {
    const left = data.principles.filter((principle) => !kept.includes(principle));
    if (left.length > 0) notes.push(`${left.length} principle${left.length === 1 ? '' : 's'} without ${what} left out: ${left.map((principle) => principle.id).join(', ')}`);
    if (data.rubrics.length > 0) notes.push(`${data.rubrics.length} rubric${data.rubrics.length === 1 ? '' : 's'} left out: this format has none`);
  };
  switch (format) {
    case 'distillery':
      return { value: toDistilleryJson(data), notes };
    case 'critic-revision': {
      const kept = data.principles.filter((principle) => principle.critique !== undefined && principle.revision !== undefined);
      skipped('Critique and Revision', kept);
      return { value: kept.map((principle) => ({ critic: principle.critique, revision: principle.revision })), notes };
    }
    case 'cai-critique-revision': {
      const kept = data.principles.filter((principle) => principle.critique !== undefined && principle.revision !== undefined);
      skipped('Critique and Revision', kept);
      const value: Record<string, { prompt: string[]; edit_request: string }> = {};
      for (const principle of kept) {
        value[principle.id] = {
          prompt: [`\n\nCritiqueRequest: ${principle.critique ?? ''}\n\nCritique:`],
          edit_request: `\n\nRevisionRequest: ${principle.revision ?? ''}\n\nRevision:`,
        };
      }
      return { value, notes };
    }
    case 'cai-comparison': {
      const kept = data.principles.filter((principle) => principle.compare !== undefined);
      skipped('a Compare question', kept);
      return { value: kept.map((principle) => `\n${principle.compare ?? ''} Options:`), notes };
    }
  }
}

/** The data of a constitution in the `distillery` export shape: plain, ranges dropped, absent fields omitted. */
export function toDistilleryJson(data: ConstitutionData): DistilleryConstitutionJson {
  return {
    format: 'distillery-constitution',
    version: 1,
    sections: [...data.sections],
    principles: data.principles.map(principleData),
    rubrics: data.rubrics.map(rubricData),
  };
}

/** The plain data of a parsed document (ranges and problems dropped): what rendering and export take. */
export function constitutionData(document: ConstitutionDocument): ConstitutionData {
  return {
    sections: document.sections.map((section) => section.title),
    principles: document.principles.map(principleData),
    rubrics: document.rubrics.map(rubricData),
  };
}

/** Only the data fields of a principle (a parsed Principle also has ranges). */
export function principleData(principle: PrincipleData): PrincipleData {
  return {
    id: principle.id,
    ...(principle.section !== undefined ? { section: principle.section } : {}),
    ...(principle.critique !== undefined ? { critique: principle.critique } : {}),
    ...(principle.revision !== undefined ? { revision: principle.revision } : {}),
    ...(principle.compare !== undefined ? { compare: principle.compare } : {}),
    weight: principle.weight,
    tags: [...principle.tags],
  };
}

export function rubricData(rubric: RubricData): RubricData {
  const scores: { [level in ScoreLevel]?: string } = {};
  for (const level of scoreLevels) if (rubric.scores[level] !== undefined) scores[level] = rubric.scores[level];
  return {
    id: rubric.id,
    ...(rubric.section !== undefined ? { section: rubric.section } : {}),
    ...(rubric.criterion !== undefined ? { criterion: rubric.criterion } : {}),
    scores,
  };
}

function withSection(principle: PrincipleData, section: string): PrincipleData {
  return principleData({ ...principle, section });
}

/** Removes an optional leading label and trailing cue around a request, and the whitespace around it. */
function stripScaffolding(text: string, label: string | undefined, cue: string): string {
  let body = text.trim();
  if (label && body.startsWith(label)) body = body.slice(label.length);
  if (body.endsWith(cue)) body = body.slice(0, -cue.length);
  return body.trim();
}

type Fail = (node: Node | undefined, message: string) => never;

function stringAt(node: Node, path: string[], fail: Fail): string {
  const found = findNodeAtLocation(node, path);
  if (!found || found.type !== 'string') return fail(found ?? node, `"${path.join('.')}" must be a string`);
  return found.value as string;
}

function readDistilleryJson(root: Node, fail: Fail): ConstitutionData {
  const version = findNodeAtLocation(root, ['version']);
  if (version?.value !== 1) fail(version, 'this file is a newer version of the distillery constitution format than this Distillery reads (expected "version": 1)');
  const optionalString = (node: Node, key: string): string | undefined => {
    const found = findNodeAtLocation(node, [key]);
    if (found === undefined) return undefined;
    if (found.type !== 'string') return fail(found, `"${key}" must be a string`);
    return found.value as string;
  };
  const list = (key: string): Node[] => {
    const found = findNodeAtLocation(root, [key]);
    if (found === undefined) return [];
    if (found.type !== 'array') return fail(found, `"${key}" must be an array`);
    return found.children ?? [];
  };
  const sections = list('sections').map((node) => (node.type === 'string' ? (node.value as string) : fail(node, 'a section title must be a string')));
  const principles = list('principles').map((node): PrincipleData => {
    if (node.type !== 'object') fail(node, 'a principle must be an object');
    const weightNode = findNodeAtLocation(node, ['weight']);
    const weight = weightNode === undefined ? 1 : weightNode.type === 'number' ? (weightNode.value as number) : fail(weightNode, '"weight" must be a number');
    const tagsNode = findNodeAtLocation(node, ['tags']);
    const tags = tagsNode === undefined ? [] : tagsNode.type === 'array' ? (tagsNode.children ?? []).map((tag) => (tag.type === 'string' ? (tag.value as string) : fail(tag, 'a tag must be a string'))) : fail(tagsNode, '"tags" must be an array of strings');
    return principleData({
      id: stringAt(node, ['id'], fail),
      section: optionalString(node, 'section'),
      critique: optionalString(node, 'critique'),
      revision: optionalString(node, 'revision'),
      compare: optionalString(node, 'compare'),
      weight,
      tags,
    });
  });
  const rubrics = list('rubrics').map((node): RubricData => {
    if (node.type !== 'object') fail(node, 'a rubric must be an object');
    const scoresNode = findNodeAtLocation(node, ['scores']);
    const scores: { [level in ScoreLevel]?: string } = {};
    if (scoresNode !== undefined) {
      if (scoresNode.type !== 'object') fail(scoresNode, '"scores" must be an object');
      for (const property of scoresNode.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        const level = Number(keyNode?.value);
        if (!scoreLevels.includes(level as ScoreLevel)) fail(keyNode, 'score levels are "1" to "5"');
        if (valueNode?.type !== 'string') fail(valueNode, 'a score description must be a string');
        scores[level as ScoreLevel] = valueNode?.value as string;
      }
    }
    return rubricData({ id: stringAt(node, ['id'], fail), section: optionalString(node, 'section'), criterion: optionalString(node, 'criterion'), scores });
  });
  return { sections, principles, rubrics };
}

/** Unique slug ids, from keys or from the first words of a text. */
class IdMaker {
  private readonly used = new Set<string>();
  constructor(private readonly fallback: string) {}

  fromKey(key: string): string {
    return this.reserve(isSlug(key) ? key : slugify(key) || this.fallback);
  }

  fromText(text: string): string {
    const words = slugify(text, Infinity).split('-').filter((word) => word !== '' && !stopWords.has(word));
    return this.reserve(words.slice(0, 4).join('-') || this.fallback);
  }

  reserve(wanted: string): string {
    let id = wanted;
    for (let n = 2; this.used.has(id); n++) id = `${wanted}-${n}`;
    this.used.add(id);
    return id;
  }
}

const stopWords = new Set(
  'a an and or the of to in on for with as is are be that this these those which what who whose than then it its any all each please choose pick select compare consider identify discuss response responses answer answers assistant assistants more most less least one do does did not thats possible human humans way ways manner terms degree'.split(
    ' ',
  ),
);
