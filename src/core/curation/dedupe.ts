/**
 * Deduplicating a dataset file: exact duplicates (after normalisation) first, then near-duplicates
 * among the rows left, by MinHash + LSH. The first pass streams the rows and keeps only a key and a
 * signature per row; the second streams them again and writes the rows kept. The representative of
 * each cluster (its first row) is kept.
 */
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD, clusterSignatures } from './nearDuplicates';
import { DEFAULT_PERMUTATIONS, DEFAULT_SEED, MinHasher } from './minhash';
import { DEFAULT_SHINGLE_WORDS, shingleHashes } from './shingles';
import { InputError, lineColumnAt } from '../errors/located';
import { curationText, curationWordsText, type CurationField } from './curationText';
import { exactKey } from './exactDuplicates';
import { looksLikeJsonArray, parseJsonArray, toJsonArray, toJsonl } from '../dataset/jsonArray';
import { normaliseText, type NormaliseOptions } from './normalise';
import { open, readFile } from 'node:fs/promises';
import { streamJsonlRows } from '../dataset/rowStream';
import { writeFileAtomic } from '../dataset/atomicWrite';

export type CurationFormat = 'jsonl' | 'json';

export interface CurationRow {
  /** 1-based line of a JSONL row; for a JSON array, the element's 1-based position. */
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/** `.json` files and files that open with `[` are JSON arrays; the rest JSONL. */
export async function curationFormat(path: string): Promise<CurationFormat> {
  if (path.toLowerCase().endsWith('.json')) return 'json';
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return looksLikeJsonArray(head.subarray(0, bytesRead).toString('utf8')) ? 'json' : 'jsonl';
  } finally {
    await handle.close();
  }
}

/**
 * The rows of a dataset file, JSONL (streamed) or a JSON array (read whole). A row that is not a
 * JSON object stops the reading with an InputError at its line:column.
 */
export async function* curationRows(path: string, shown: string, signal?: AbortSignal): AsyncGenerator<CurationRow, void, undefined> {
  if ((await curationFormat(path)) === 'json') {
    const text = await readFile(path, 'utf8');
    const parsed = parseJsonArray(text);
    if (!parsed.ok) throw new InputError(parsed.message, { file: shown, ...lineColumnAt(text, parsed.offset) });
    const problem = parsed.problems[0];
    if (problem !== undefined) throw new InputError(`element ${problem.index}: ${problem.message}`, { file: shown, ...lineColumnAt(text, problem.offset) });
    let index = 0;
    for (const value of parsed.rows) {
      signal?.throwIfAborted();
      yield { line: ++index, value };
    }
    return;
  }
  for await (const row of streamJsonlRows(path, signal ? { signal } : {})) {
    if (row.kind === 'invalid') throw new InputError(row.problem.message, { file: shown, line: row.problem.line, column: row.problem.column });
    if (row.kind === 'object') yield { line: row.line, value: row.value };
  }
}

export interface DedupeOptions extends NormaliseOptions {
  /** Which text of each row is compared. Default 'prompt'. */
  readonly field?: CurationField;
  /** Near-duplicate threshold (estimated Jaccard of word shingles). Default 0.8. */
  readonly threshold?: number;
  /** Only exact duplicates (after normalisation). */
  readonly exactOnly?: boolean;
  readonly shingleWords?: number;
  readonly permutations?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** The input's name in errors (default: its path). */
  readonly shownInput?: string;
}

export interface DedupeCluster {
  readonly kind: 'exact' | 'near';
  /** The line (JSONL) or 1-based element (JSON array) kept. */
  readonly representativeLine: number;
  /** The lines removed as duplicates of it, ascending. */
  readonly duplicateLines: number[];
}

export interface DedupeReport {
  readonly input: string;
  readonly field: CurationField;
  readonly threshold: number | null;
  readonly rows: number;
  readonly kept: number;
  readonly removed: number;
  readonly exactDuplicates: number;
  readonly nearDuplicates: number;
  /** Exact clusters first, then near ones, each ordered by representative line. */
  readonly clusters: DedupeCluster[];
}

/** Writes rows as the output's name asks: a JSON array for `.json`, else JSONL. */
export function serialiseRows(output: string, rows: readonly Record<string, unknown>[]): string {
  return output.toLowerCase().endsWith('.json') ? toJsonArray(rows) : toJsonl(rows);
}

/** Finds the duplicate rows of `input` and, when `output` is given, writes the rows kept there. */
export async function dedupeFile(input: string, output: string | undefined, options: DedupeOptions = {}): Promise<DedupeReport> {
  const shown = options.shownInput ?? input;
  const field = options.field ?? 'prompt';
  const threshold = options.threshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD;
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`threshold must be between 0 and 1 (exclusive), not ${threshold}`);
  const permutations = options.permutations ?? DEFAULT_PERMUTATIONS;
  const shingleWords = options.shingleWords ?? DEFAULT_SHINGLE_WORDS;
  const hasher = options.exactOnly ? undefined : new MinHasher(permutations, options.seed ?? DEFAULT_SEED);

  const lines: number[] = [];
  const firstByKey = new Map<string, number>();
  /** For each row, the index of the row it exactly duplicates, or -1. */
  const exactOf: number[] = [];
  let signatures = new Uint32Array(hasher ? 1024 * permutations : 0);
  let count = 0;
  for await (const row of curationRows(input, shown, options.signal)) {
    const text = curationText(row.value, field);
    lines.push(row.line);
    let duplicateOf = -1;
    if (normaliseText(text, options).length > 0) {
      const key = exactKey(text, options);
      const first = firstByKey.get(key);
      if (first === undefined) firstByKey.set(key, count);
      else duplicateOf = first;
    }
    exactOf.push(duplicateOf);
    if (hasher) {
      if ((count + 1) * permutations > signatures.length) {
        const grown = new Uint32Array(signatures.length * 2);
        grown.set(signatures);
        signatures = grown;
      }
      // Exact duplicates are removed before near-duplicate search: their signatures are not needed.
      if (duplicateOf === -1) hasher.signInto(shingleHashes(field === 'row' ? curationWordsText(row.value, field) : text, shingleWords), signatures, count * permutations);
    }
    count++;
  }

  const removed = new Uint8Array(count);
  const exactClusters = new Map<number, number[]>();
  exactOf.forEach((first, index) => {
    if (first < 0) return;
    removed[index] = 1;
    const members = exactClusters.get(first);
    if (members === undefined) exactClusters.set(first, [index]);
    else members.push(index);
  });
  const clusters: DedupeCluster[] = [...exactClusters]
    .sort(([a], [b]) => a - b)
    .map(([first, duplicates]) => ({ kind: 'exact', representativeLine: lines[first] as number, duplicateLines: duplicates.map((i) => lines[i] as number) }));
  const exactDuplicates = removed.reduce((sum, flag) => sum + flag, 0);
  let nearDuplicates = 0;
  if (hasher) {
    const near = clusterSignatures({ signatures, count, permutations }, threshold, undefined, (index) => exactOf[index] === -1);
    for (const cluster of near.clusters) {
      const duplicates = cluster.members.filter((index) => index !== cluster.representative);
      for (const index of duplicates) removed[index] = 1;
      nearDuplicates += duplicates.length;
      clusters.push({ kind: 'near', representativeLine: lines[cluster.representative] as number, duplicateLines: duplicates.map((i) => lines[i] as number) });
    }
  }

  if (output !== undefined) {
    if ((await curationFormat(input)) === 'jsonl' && !output.toLowerCase().endsWith('.json')) {
      await writeFileAtomic(output, await keptJsonlBytes(input, removed, options.signal));
    } else {
      const kept: Record<string, unknown>[] = [];
      let index = 0;
      for await (const row of curationRows(input, shown, options.signal)) if (removed[index++] === 0) kept.push(row.value);
      await writeFileAtomic(output, serialiseRows(output, kept));
    }
  }
  const removedCount = exactDuplicates + nearDuplicates;
  return {
    input: shown,
    field,
    threshold: options.exactOnly ? null : threshold,
    rows: count,
    kept: count - removedCount,
    removed: removedCount,
    exactDuplicates,
    nearDuplicates,
    clusters,
  };
}

/**
 * The kept rows of a JSONL file exactly as they are in it (key order, spacing, line endings, a
 * BOM at the start), so that a deduplicated copy differs from its input only by the rows removed.
 * `removed` is indexed by object row, in file order, as `curationRows` yields them.
 */
async function keptJsonlBytes(input: string, removed: Uint8Array, signal: AbortSignal | undefined): Promise<Buffer> {
  const bytes = await readFile(input);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(0, 3) : Buffer.alloc(0);
  const parts: Buffer[] = [bom];
  let index = 0;
  for await (const row of streamJsonlRows(input, signal ? { signal } : {})) {
    if (row.kind !== 'object') continue;
    if (removed[index++] !== 0) continue;
    parts.push(bytes.subarray(row.start, row.end), Buffer.from(row.terminator === '' ? '\n' : row.terminator));
  }
  return Buffer.concat(parts);
}
