/**
 * The few-shot examples file of critique–revise: worked examples `{prompt, answer, critique,
 * revision}` (strings), as JSONL (one per line) or as one JSON array (a `.json` file, or a file
 * that opens with `[`). Other keys are allowed and ignored. Every problem is an InputError at
 * FILE:LINE:COLUMN (1-based), pointing at the value that is wrong, or at the example that lacks a field.
 */
import { readFile } from 'node:fs/promises';
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';
import { InputError, lineColumnAt } from '../errors/located';
import type { CritiqueExample } from './critiqueTypes';

const FIELDS = ['prompt', 'answer', 'critique', 'revision'] as const;

/** Reads and checks a few-shot file; `shownName` is how messages name it (its path by default). */
export async function readFewShotExamples(file: string, shownName = file): Promise<CritiqueExample[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`${shownName}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseFewShotExamples(text, shownName);
}

/** Parses the text of a few-shot file named `file` (for messages). */
export function parseFewShotExamples(text: string, file: string): CritiqueExample[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const fail = (offset: number, message: string): never => {
    const { line, column } = lineColumnAt(body, offset);
    throw new InputError(message, { file, line, column });
  };
  const examples: CritiqueExample[] = [];
  if (file.toLowerCase().endsWith('.json') || /^\s*\[/.test(body)) {
    const root = parse(body, 0, fail);
    if (root.type !== 'array') fail(root.offset, 'a few-shot JSON file holds an array of examples');
    for (const element of root.children ?? []) examples.push(example(element, fail));
  } else {
    let offset = 0;
    for (const line of body.split('\n')) {
      const start = offset;
      offset += line.length + 1;
      if (line.trim() === '') continue;
      examples.push(example(parse(line.replace(/\r$/, ''), start, fail), fail));
    }
  }
  if (examples.length === 0) throw new InputError(`${file}: no examples in the file`);
  return examples;
}

/** The value of `text` (at `base` in the file), or a failure at the first syntax error. */
function parse(text: string, base: number, fail: (offset: number, message: string) => never): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) fail(base + first.offset, describeParseError(first));
  if (!root) return fail(base, 'no JSON value');
  return shifted(root, base);
}

/** jsonc-parser's offsets are relative to the text it parsed; make them file offsets. */
function shifted(node: Node, base: number): Node {
  if (base === 0) return node;
  return { ...node, offset: node.offset + base, children: node.children?.map((child) => shifted(child, base)) } as Node;
}

function example(node: Node, fail: (offset: number, message: string) => never): CritiqueExample {
  if (node.type !== 'object') return fail(node.offset, `an example is a JSON object with ${FIELDS.join(', ')}, not ${kindOf(node)}`);
  const values: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const field of FIELDS) {
    const property = node.children?.find((child) => child.children?.[0]?.value === field);
    const value = property?.children?.[1];
    if (!value) return fail(node.offset, `the example has no "${field}"`);
    if (value.type !== 'string') return fail(value.offset, `"${field}" must be a string, not ${kindOf(value)}`);
    if ((value.value as string).trim() === '') return fail(value.offset, `"${field}" is empty`);
    values[field] = value.value as string;
  }
  return values as CritiqueExample;
}

function kindOf(node: Node): string {
  if (node.type === 'null') return 'null';
  return node.type === 'array' || node.type === 'object' ? `an ${node.type}` : `a ${node.type}`;
}
