/**
 * Constitution data → `.constitution.md` text, in the canonical layout: items before the first
 * section, then each section's principles and rubrics. For data whose values are normalized
 * (see `normalizeValue`), whose ids and tags are plain, and whose items are grouped by section in
 * order, `parseConstitution(renderConstitution(data))` gives the same data back.
 */
import { needsEscape } from './syntax';
import type { ConstitutionData, PrincipleData, RubricData } from './types';

export interface RenderOptions {
  /** Commentary written at the top, before any heading (e.g. where an import came from). */
  readonly comment?: string;
  /** Line ending; default '\n'. */
  readonly eol?: '\n' | '\r\n';
}

export function renderConstitution(data: ConstitutionData, options: RenderOptions = {}): string {
  const blocks: string[][] = [];
  if (options.comment !== undefined) blocks.push(options.comment.split(/\r\n|\r|\n/).map((line) => line.trimEnd()));
  const done = new Set<unknown>();
  const emit = (title: string | undefined) => {
    for (const principle of data.principles) {
      if (principle.section !== title || done.has(principle)) continue;
      done.add(principle);
      blocks.push(renderPrinciple(principle));
    }
    for (const rubric of data.rubrics) {
      if (rubric.section !== title || done.has(rubric)) continue;
      done.add(rubric);
      blocks.push(renderRubric(rubric));
    }
  };
  emit(undefined);
  for (const title of data.sections) {
    blocks.push([title === '' ? '#' : `# ${title}`]);
    emit(title);
  }
  // Items whose section has no heading in `sections` still get one, so that nothing is lost.
  const orphans = [...data.principles, ...data.rubrics].filter((item) => !done.has(item));
  for (const title of new Set(orphans.map((item) => item.section as string))) {
    blocks.push([`# ${title}`]);
    emit(title);
  }
  const eol = options.eol ?? '\n';
  return `${blocks.map((lines) => lines.join(eol)).join(eol + eol)}${eol}`;
}

function renderPrinciple(principle: PrincipleData): string[] {
  const lines = [`## Principle: ${principle.id}`];
  if (principle.weight !== 1) lines.push(`Weight: ${String(principle.weight)}`);
  if (principle.tags.length > 0) lines.push(`Tags: ${principle.tags.join(', ')}`);
  if (principle.critique !== undefined) lines.push(...renderField('Critique', principle.critique));
  if (principle.revision !== undefined) lines.push(...renderField('Revision', principle.revision));
  if (principle.compare !== undefined) lines.push(...renderField('Compare', principle.compare));
  return lines;
}

function renderRubric(rubric: RubricData): string[] {
  const lines = [`## Rubric: ${rubric.id}`];
  if (rubric.criterion !== undefined) lines.push(...renderField('Criterion', rubric.criterion));
  for (const level of [1, 2, 3, 4, 5] as const) {
    const description = rubric.scores[level];
    if (description !== undefined) lines.push(...renderField(`Score ${level}`, description));
  }
  return lines;
}

/** `Key: first line`, then the other lines, each escaped with a backslash where it would be misread. */
function renderField(key: string, value: string): string[] {
  const [first = '', ...rest] = value.split('\n');
  return [`${key}: ${first}`.trimEnd(), ...rest.map((line) => (needsEscape(line) ? `\\${line}` : line))];
}
