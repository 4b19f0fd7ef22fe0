/**
 * Decontamination: rows that share a word n-gram (default 13 words) with any benchmark item are
 * removed. Benchmark files are JSONL or JSON arrays; an item's text is every string found in its
 * prompt, question, instruction, input, turns (MT-bench) or messages fields.
 */
import { InputError } from '../errors/located';
import { AtomicRowWriter } from './atomicRowWriter';
import { curationFormat } from './curationFormat';
import { curationWordsText, type CurationField } from './curationText';
import { datasetRows, fileHasBom } from './datasetRows';
import { curationRows } from './dedupe';
import type { PassObserver } from './passObserver';
import { DEFAULT_NGRAM_WORDS, NgramIndex } from './ngrams';

/** The fields a benchmark item's text is read from. */
export const BENCHMARK_TEXT_FIELDS = ['prompt', 'question', 'instruction', 'input', 'turns', 'messages', 'conversations'] as const;

export interface BenchmarkItem {
  /** The benchmark file as the user named it. */
  readonly file: string;
  /** Its line (JSONL) or 1-based element (JSON array). */
  readonly line: number;
  /** `question_id` or `id` when the item has one. */
  readonly id?: string | number;
}

export interface ContaminatedRow {
  readonly line: number;
  readonly item: BenchmarkItem;
  /** The shared n-gram, words lower-cased and joined by spaces. */
  readonly ngram: string;
}

export interface DecontaminationReport {
  readonly input: string;
  readonly against: readonly string[];
  readonly field: CurationField;
  readonly ngram: number;
  readonly benchmarkItems: number;
  readonly rows: number;
  readonly kept: number;
  readonly removed: number;
  readonly contaminated: ContaminatedRow[];
}

/** Strings of a field value: a string, a list of strings, or a list of messages with `content`/`value`. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.flatMap((element: unknown): string[] => {
    if (typeof element === 'string') return [element];
    if (element !== null && typeof element === 'object') {
      const message = element as Record<string, unknown>;
      return [message.content, message.value].filter((text): text is string => typeof text === 'string');
    }
    return [];
  });
}

/** The text of one benchmark item, for its n-grams. */
export function benchmarkTexts(value: Record<string, unknown>): string[] {
  return BENCHMARK_TEXT_FIELDS.flatMap((field) => stringsOf(value[field]));
}

export interface BenchmarkFile {
  /** Path to read. */
  readonly path: string;
  /** Name shown in reports and errors. */
  readonly shown: string;
}

/** Reads benchmark files into an n-gram index. An item with none of the text fields is an error at its place. */
export async function loadBenchmarks(files: readonly BenchmarkFile[], ngram: number = DEFAULT_NGRAM_WORDS, signal?: AbortSignal): Promise<{ index: NgramIndex<BenchmarkItem>; items: number }> {
  const index = new NgramIndex<BenchmarkItem>(ngram);
  let items = 0;
  for (const file of files) {
    for await (const row of curationRows(file.path, file.shown, signal)) {
      const texts = benchmarkTexts(row.value);
      if (texts.length === 0) throw new InputError(`benchmark item has no text in any of ${BENCHMARK_TEXT_FIELDS.join(', ')}`, { file: file.shown, line: row.line, column: 1 });
      const id = row.value.question_id ?? row.value.id;
      const item: BenchmarkItem = { file: file.shown, line: row.line, ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}) };
      for (const text of texts) index.add(text, item);
      items++;
    }
  }
  return { index, items };
}

export interface DecontaminateOptions {
  readonly ngram?: number;
  /** Which text of each row is checked. Default 'row' (every string of the row). */
  readonly field?: CurationField;
  readonly signal?: AbortSignal;
  readonly shownInput?: string;
  readonly observer?: PassObserver;
}

/**
 * Finds the rows of `input` that share an n-gram with a benchmark; writes the clean rows to `output`
 * when given (atomically; JSONL rows byte for byte). The benchmarks' n-grams are held in memory,
 * the input is streamed.
 */
export async function decontaminateFile(input: string, against: readonly BenchmarkFile[], output: string | undefined, options: DecontaminateOptions = {}): Promise<DecontaminationReport> {
  const shown = options.shownInput ?? input;
  const field = options.field ?? 'row';
  const ngram = options.ngram ?? DEFAULT_NGRAM_WORDS;
  const { index, items } = await loadBenchmarks(against, ngram, options.signal);
  const contaminated: ContaminatedRow[] = [];
  const bom = output !== undefined && (await curationFormat(input)) === 'jsonl' && (await fileHasBom(input));
  const writer = output === undefined ? undefined : await AtomicRowWriter.open(output, { bom });
  let rows = 0;
  let kept = 0;
  try {
    options.observer?.passStarted(1, 1, undefined);
    for await (const row of datasetRows(input, shown, { signal: options.signal })) {
      rows++;
      const match = index.firstMatch(curationWordsText(row.value, field));
      if (match === undefined) {
        kept++;
        await writer?.writeRow(row.value, row.raw, row.terminator);
      } else contaminated.push({ line: row.line, item: match.item, ngram: match.ngram });
      options.observer?.rowsDone(rows);
    }
    await writer?.commit();
  } catch (error) {
    await writer?.abort();
    throw error;
  }
  return { input: shown, against: against.map((file) => file.shown), field, ngram, benchmarkItems: items, rows, kept, removed: contaminated.length, contaminated };
}
