/**
 * Deduplicating a dataset file with memory that grows by about a hundred bytes per row, never with
 * the rows' text:
 * 1. stream the rows: a 16-byte hash of each row's normalised text finds exact duplicates; each
 *    other row's MinHash signature is computed and only its LSH band keys (32 bits a band) kept;
 * 2. rows that share a band key with another row are the only ones that can be near-duplicates:
 *    stream again and keep full signatures for those candidates only, then verify and group them
 *    exactly as clusterSignatures does over all rows (non-candidates have no candidate pair);
 * 3. stream again and write the rows kept, JSONL rows byte for byte.
 * The representative of each cluster (its first row) is kept.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError, lineColumnAt } from '../errors/located';
import { parseJsonArray, toJsonArray, toJsonl } from '../dataset/jsonArray';
import { streamJsonlRows } from '../dataset/rowStream';
import { AtomicRowWriter } from './atomicRowWriter';
import { curationFormat, type CurationFormat } from './curationFormat';
import { curationText, curationWordsText, type CurationField } from './curationText';
import { datasetRows, fileHasBom } from './datasetRows';
import { DigestTable, IntColumn } from './digestTable';
import { bandKey, optimalBandShape } from './lsh';
import { DEFAULT_PERMUTATIONS, DEFAULT_SEED, MinHasher } from './minhash';
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD, clusterSignatures } from './nearDuplicates';
import { normaliseText, type NormaliseOptions } from './normalise';
import type { PassObserver } from './passObserver';
import { DEFAULT_SHINGLE_WORDS, shingleHashes } from './shingles';

export { curationFormat, type CurationFormat };

export interface CurationRow {
  /** 1-based line of a JSONL row; for a JSON array, the element's 1-based position. */
  readonly line: number;
  readonly value: Record<string, unknown>;
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
  readonly observer?: PassObserver;
  /** Skip the exact pass: clusters are then those of nearDuplicateClusters over the rows' texts (for the mix report's rate). */
  readonly nearOnly?: boolean;
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

/** The first 16 bytes of the SHA-256 of the normalised text: what exact duplicates share. */
function exactDigest(normalised: string): Buffer {
  return createHash('sha256').update(normalised).digest();
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
  const shape = optimalBandShape(threshold, permutations);
  const { bands, rows: bandRows } = shape;
  const observer = options.observer;
  const passes = (hasher ? 2 : 1) + (output !== undefined ? 1 : 0);
  const rowOptions = { signal: options.signal };
  /** The text compared for exact duplicates, and the text shingled. */
  const textsOf = (value: Record<string, unknown>): [string, string] => {
    const text = curationText(value, field);
    return [text, field === 'row' ? curationWordsText(value, field) : text];
  };

  // Pass 1: exact duplicates by digest; band keys of the others' signatures.
  observer?.passStarted(1, passes, undefined);
  const lines = new IntColumn();
  /** For each row, the index of the row it exactly duplicates, or -1. */
  const exactOf = new IntColumn();
  /** For each row, 1 when it has a signature (some words, not an exact duplicate). */
  const signed = new IntColumn();
  const bandKeys = new IntColumn(hasher ? 1024 * bands : 16);
  const digests = new DigestTable();
  const scratch = new Uint32Array(permutations);
  let count = 0;
  for await (const row of datasetRows(input, shown, rowOptions)) {
    const [text, wordsText] = textsOf(row.value);
    lines.push(row.line);
    const normalised = normaliseText(text, options);
    const duplicateOf = normalised.length > 0 && options.nearOnly !== true ? digests.firstOrAdd(exactDigest(normalised), count) : -1;
    exactOf.push(duplicateOf);
    let hasSignature = 0;
    // Exact duplicates are removed before near-duplicate search: their signatures are not needed.
    if (hasher && duplicateOf === -1) {
      const shingles = shingleHashes(wordsText, shingleWords);
      if (shingles.length > 0) {
        hasher.signInto(shingles, scratch, 0);
        hasSignature = 1;
      }
    }
    signed.push(hasSignature);
    if (hasher) for (let band = 0; band < bands; band++) bandKeys.push(hasSignature ? bandKey(scratch, 0, band, bandRows) : 0);
    count++;
    observer?.rowsDone(count);
  }

  const removed = new Uint8Array(count);
  const exactClusters = new Map<number, number[]>();
  for (let index = 0; index < count; index++) {
    const first = exactOf.get(index);
    if (first < 0) continue;
    removed[index] = 1;
    const members = exactClusters.get(first);
    if (members === undefined) exactClusters.set(first, [index]);
    else members.push(index);
  }
  const clusters: DedupeCluster[] = [...exactClusters]
    .sort(([a], [b]) => a - b)
    .map(([first, duplicates]) => ({ kind: 'exact', representativeLine: lines.get(first), duplicateLines: duplicates.map((i) => lines.get(i)) }));
  const exactDuplicates = exactClusters.size === 0 ? 0 : removed.reduce((sum, flag) => sum + flag, 0);
  let nearDuplicates = 0;

  if (hasher) {
    // Pass 2: full signatures for the rows that share a band key with another row, then grouping.
    const candidates = candidateRows(bandKeys.view(), signed.view(), count, bands);
    observer?.passStarted(2, passes, count);
    const candidateIndexes: number[] = [];
    for (let index = 0; index < count; index++) if (candidates[index] === 1) candidateIndexes.push(index);
    if (candidateIndexes.length > 0) {
      const signatures = new Uint32Array(candidateIndexes.length * permutations);
      let ordinal = 0;
      let seen = 0;
      for await (const row of datasetRows(input, shown, rowOptions)) {
        if (candidates[row.index] === 1) hasher.signInto(shingleHashes(textsOf(row.value)[1], shingleWords), signatures, ordinal++ * permutations);
        observer?.rowsDone(++seen);
      }
      const near = clusterSignatures({ signatures, count: candidateIndexes.length, permutations }, threshold, shape);
      for (const cluster of near.clusters) {
        const representative = candidateIndexes[cluster.representative] as number;
        const duplicates = cluster.members.filter((member) => member !== cluster.representative).map((member) => candidateIndexes[member] as number);
        for (const index of duplicates) removed[index] = 1;
        nearDuplicates += duplicates.length;
        clusters.push({ kind: 'near', representativeLine: lines.get(representative), duplicateLines: duplicates.map((i) => lines.get(i)) });
      }
    }
  }

  if (output !== undefined) {
    observer?.passStarted(passes, passes, count);
    await writeKeptRows(input, shown, output, (index) => removed[index] === 0, options.signal, observer);
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
 * Rows (with a signature) whose key in some band equals another row's key in that band: the only
 * rows LSH can pair. One open-addressing table of typed arrays, reused for every band.
 */
function candidateRows(bandKeys: Int32Array, signed: Int32Array, count: number, bands: number): Uint8Array {
  const candidates = new Uint8Array(count);
  let capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  const mask = capacity - 1;
  const keys = new Int32Array(capacity);
  const firstWithKey = new Int32Array(capacity);
  for (let band = 0; band < bands; band++) {
    firstWithKey.fill(-1);
    for (let doc = 0; doc < count; doc++) {
      if (signed[doc] !== 1) continue;
      const key = bandKeys[doc * bands + band] as number;
      let slot = key & mask;
      while (firstWithKey[slot] !== -1 && keys[slot] !== key) slot = (slot + 1) & mask;
      const first = firstWithKey[slot] as number;
      if (first === -1) {
        keys[slot] = key;
        firstWithKey[slot] = doc;
      } else {
        candidates[first] = 1;
        candidates[doc] = 1;
      }
    }
  }
  return candidates;
}

/**
 * Streams `input` and writes the rows `keep` accepts (by 0-based row index) to `output`, atomically:
 * JSONL rows of a JSONL input byte for byte (with its BOM), a JSON array for a `.json` output.
 * Returns the rows written.
 */
export async function writeKeptRows(input: string, shown: string, output: string, keep: (index: number) => boolean, signal?: AbortSignal, observer?: PassObserver): Promise<number> {
  const bom = (await curationFormat(input)) === 'jsonl' && (await fileHasBom(input));
  const writer = await AtomicRowWriter.open(output, { bom });
  try {
    let seen = 0;
    for await (const row of datasetRows(input, shown, { signal })) {
      if (keep(row.index)) await writer.writeRow(row.value, row.raw, row.terminator);
      observer?.rowsDone(++seen);
    }
    await writer.commit();
    return writer.rows;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
