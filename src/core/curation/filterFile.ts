/**
 * Filtering and balancing a dataset file in bounded memory. Filters alone: one pass, each row kept
 * or dropped as it is read. With a balance: the first pass keeps only each row's category number
 * (4 bytes a row), the plan is made from those (balancePlan: the same choices as balanceRows for
 * the same seed), and the second pass writes the rows chosen; up-sampled copies, which come after
 * them all, are read back by their file offsets.
 */
import { open } from 'node:fs/promises';
import type { RowTerminator } from '../dataset/rowParser';
import { AtomicRowWriter } from './atomicRowWriter';
import { balancePlan, CategoryNumbers, type BalanceSettings, type CategoryCount } from './balance';
import { curationFormat } from './curationFormat';
import { datasetRows, fileHasBom, type DatasetRow } from './datasetRows';
import { IntColumn } from './digestTable';
import { dropReason, rowFilters, type DropReason, type FilterSettings } from './filters';
import type { PassObserver } from './passObserver';
import { categoryOf, rowFacts } from './rowFacts';

export interface BalanceRequest {
  /** 'teacher', 'kind', 'tag', 'provenance', or a top-level field. */
  readonly by: string;
  readonly settings: BalanceSettings;
}

export interface FilterFileOptions {
  readonly filter?: FilterSettings;
  readonly balance?: BalanceRequest;
  readonly shownInput?: string;
  readonly signal?: AbortSignal;
  readonly observer?: PassObserver;
}

export interface FilterFileReport {
  readonly rows: number;
  /** Rows the filters kept (before any balance). */
  readonly kept: number;
  readonly dropped: number;
  readonly droppedBy: Partial<Record<DropReason, number>>;
  /** With a balance: each category's rows before and after. */
  readonly categories?: readonly CategoryCount[];
  /** Rows in the output. */
  readonly written: number;
}

/** Writes the rows of `input` that pass the filters (then the balance) to `output`, atomically. */
export async function filterFile(input: string, output: string, options: FilterFileOptions = {}): Promise<FilterFileReport> {
  const shown = options.shownInput ?? input;
  const filters = rowFilters(options.filter ?? {});
  const { balance, signal, observer } = options;
  const passes = balance ? 2 : 1;
  const bom = (await curationFormat(input)) === 'jsonl' && (await fileHasBom(input));
  const droppedBy: Partial<Record<DropReason, number>> = {};
  let rows = 0;
  let kept = 0;
  const writer = await AtomicRowWriter.open(output, { bom });
  try {
    observer?.passStarted(1, passes, undefined);
    if (!balance) {
      for await (const row of datasetRows(input, shown, { signal })) {
        rows++;
        const reason = dropReason(filters, rowFacts(row.value));
        if (reason === undefined) {
          kept++;
          await writer.writeRow(row.value, row.raw, row.terminator);
        } else droppedBy[reason] = (droppedBy[reason] ?? 0) + 1;
        observer?.rowsDone(rows);
      }
      await writer.commit();
      return { rows, kept, dropped: rows - kept, droppedBy, written: writer.rows };
    }

    const numbers = new CategoryNumbers();
    const categoryIds = new IntColumn();
    for await (const row of datasetRows(input, shown, { signal })) {
      rows++;
      const facts = rowFacts(row.value);
      const reason = dropReason(filters, facts);
      if (reason === undefined) {
        kept++;
        categoryIds.push(numbers.idOf(categoryOf(row.value, facts, balance.by)));
      } else {
        droppedBy[reason] = (droppedBy[reason] ?? 0) + 1;
        categoryIds.push(-1);
      }
      observer?.rowsDone(rows);
    }
    const plan = balancePlan(categoryIds.view(), numbers.names, balance.settings);
    const extraRows = new Set(plan.extra);
    /** Where each up-sampled row is, to read it again after the rows kept. */
    const places = new Map<number, ExtraPlace>();
    observer?.passStarted(2, passes, rows);
    let seen = 0;
    for await (const row of datasetRows(input, shown, { signal })) {
      if (plan.chosen[row.index] === 1) await writer.writeRow(row.value, row.raw, row.terminator);
      if (extraRows.has(row.index)) places.set(row.index, placeOf(row));
      observer?.rowsDone(++seen);
    }
    if (plan.extra.length > 0) await writeExtras(input, plan.extra, places, writer, signal);
    await writer.commit();
    return { rows, kept, dropped: rows - kept, droppedBy, categories: plan.categories, written: writer.rows };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** A JSONL row's place in the file; a JSON array element's value (such files are held whole anyway). */
type ExtraPlace = { readonly start: number; readonly length: number; readonly terminator: RowTerminator; readonly value: Record<string, unknown> | undefined };

function placeOf(row: DatasetRow): ExtraPlace {
  return row.raw === undefined
    ? { start: -1, length: 0, terminator: row.terminator, value: row.value }
    : { start: row.start, length: row.raw.length, terminator: row.terminator, value: undefined };
}

async function writeExtras(input: string, extra: readonly number[], places: ReadonlyMap<number, ExtraPlace>, writer: AtomicRowWriter, signal: AbortSignal | undefined): Promise<void> {
  const file = await open(input, 'r');
  try {
    for (const index of extra) {
      signal?.throwIfAborted();
      const place = places.get(index);
      if (place === undefined) throw new Error(`balance: row ${index} to up-sample was not seen again`);
      if (place.value !== undefined) {
        await writer.writeRow(place.value);
        continue;
      }
      const raw = Buffer.allocUnsafe(place.length);
      await file.read(raw, 0, place.length, place.start);
      // The value is only needed for a JSON array output.
      const value = writer.format === 'json' ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      await writer.writeRow(value, raw, place.terminator);
    }
  } finally {
    await file.close();
  }
}
