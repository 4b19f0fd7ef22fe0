/**
 * Converting a dataset file row by row, streamed: rows between formats (ShareGPT ⇄ messages, Alpaca
 * → messages), Distillery's metadata stripped for training tools, JSONL ⇄ JSON array. A row that
 * nothing changes is written with its bytes as read. A row that cannot be converted is reported
 * at its line and nothing is written: no row is ever silently dropped.
 */
import { alpacaToMessages, messagesToShareGpt, shareGptToMessages, stripDistilleryMetadata, type ConvertResult } from '../dataset/convert';
import { detectRowKind } from '../dataset/rowKinds';
import { AtomicRowWriter } from './atomicRowWriter';
import { curationFormat } from './curationFormat';
import { datasetRows, fileHasBom, type DatasetRow } from './datasetRows';
import type { PassObserver } from './passObserver';

export type ConvertTarget = 'messages' | 'sharegpt';

/**
 * Row conversions by target, chosen by the row's container (`conversations` or `messages`), so
 * that every kind built on one (SFT, prompt-only, KTO, LLaMA-Factory preference) converts; rows
 * of other forms are kept as they are.
 */
export const ROW_CONVERTERS: Readonly<Record<ConvertTarget, (row: Record<string, unknown>) => ConvertResult | undefined>> = {
  messages(row) {
    if (Array.isArray(row.conversations)) return shareGptToMessages(row);
    return detectRowKind(row) === 'alpaca' ? alpacaToMessages(row) : undefined;
  },
  sharegpt(row) {
    return Array.isArray(row.messages) ? messagesToShareGpt(row) : undefined;
  },
};

export interface RowConversion {
  readonly to?: ConvertTarget | undefined;
  /** Drop each row's "distillery" key. */
  readonly stripMetadata?: boolean | undefined;
}

export type ConvertedRow =
  | { readonly ok: true; readonly value: Record<string, unknown>; readonly changed: boolean; readonly converted: boolean }
  | { readonly ok: false; readonly message: string };

/** One row converted; `changed` when its value differs from the row read (then its bytes cannot be kept). */
export function convertRow(value: Record<string, unknown>, conversion: RowConversion): ConvertedRow {
  let row = value;
  let converted = false;
  const result = conversion.to ? ROW_CONVERTERS[conversion.to](row) : undefined;
  if (result && !result.ok) {
    const at = result.path.length > 0 ? ` at ${result.path.join('.')}` : '';
    return { ok: false, message: `cannot convert${at}: ${result.message}` };
  }
  if (result?.ok) {
    row = result.value;
    converted = true;
  }
  let stripped = false;
  if (conversion.stripMetadata === true && Object.hasOwn(row, 'distillery')) {
    row = stripDistilleryMetadata(row);
    stripped = true;
  }
  return { ok: true, value: row, changed: converted || stripped, converted };
}

/** Writes a converted row: its bytes as read when nothing changed it. */
export async function writeConverted(writer: AtomicRowWriter, row: DatasetRow, converted: { value: Record<string, unknown>; changed: boolean }): Promise<void> {
  if (converted.changed) await writer.writeRow(converted.value);
  else await writer.writeRow(row.value, row.raw, row.terminator);
}

export interface RowConversionProblem {
  readonly line: number;
  readonly message: string;
}

export interface ConvertFileReport {
  readonly rows: number;
  /** Rows converted to the target format. */
  readonly converted: number;
  /** The rows that could not be converted (the first 100); when there are any, nothing was written. */
  readonly problems: readonly RowConversionProblem[];
  readonly problemCount: number;
}

const MAX_PROBLEMS_KEPT = 100;

export interface ConvertFileOptions extends RowConversion {
  readonly shownInput?: string;
  readonly signal?: AbortSignal;
  readonly observer?: PassObserver;
}

/** Converts `input` into `output` (atomically); writes nothing when any row cannot be converted. */
export async function convertFile(input: string, output: string, options: ConvertFileOptions = {}): Promise<ConvertFileReport> {
  const shown = options.shownInput ?? input;
  const bom = (await curationFormat(input)) === 'jsonl' && (await fileHasBom(input));
  const writer = await AtomicRowWriter.open(output, { bom });
  const problems: RowConversionProblem[] = [];
  let problemCount = 0;
  let rows = 0;
  let converted = 0;
  try {
    options.observer?.passStarted(1, 1, undefined);
    for await (const row of datasetRows(input, shown, { signal: options.signal })) {
      rows++;
      const result = convertRow(row.value, options);
      if (!result.ok) {
        if (problemCount++ < MAX_PROBLEMS_KEPT) problems.push({ line: row.line, message: result.message });
      } else if (problemCount === 0) {
        if (result.converted) converted++;
        await writeConverted(writer, row, result);
      }
      options.observer?.rowsDone(rows);
    }
    if (problemCount > 0) await writer.abort();
    else await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { rows, converted, problems, problemCount };
}
