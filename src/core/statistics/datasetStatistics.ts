/**
 * The statistics of a dataset, accumulated row by row (from a {@link JsonlBuffer}, a streamed
 * file, or the elements of a JSON array) in bounded memory:
 *
 * - counts per kind, malformed rows (the first `maxProblems` located), rows whose fields cannot
 *   be read as a conversation;
 * - exact duplicates: a Map from a 16-byte prefix of the sha-256 of each row's canonical JSON to
 *   the row's line (about 100 bytes a row; a prefix collision between different rows has odds of
 *   about n²/2¹²⁹, i.e. never in practice);
 * - turns and lengths as {@link Distribution}s (fixed histogram bins and a percentile reservoir);
 * - tokens, with an injected counter, on every row or on every `sampleEvery`-th row;
 * - provenance (see provenance.ts) and teachers.
 */
import { createHash } from 'node:crypto';
import { toConversationRow, type ConversationRow, type Turn } from '../dataset/conversation';
import { isRecord } from '../dataset/jsonValue';
import { canonicalJson } from '../dataset/rowIdentity';
import type { JsonlRow } from '../dataset/rowParser';
import { describeJsonType } from '../dataset/rowIssues';
import { ROW_KIND_LABELS, detectRowKind, type RowKind } from '../dataset/rowKinds';
import { Distribution, LENGTH_BIN_EDGES, TURN_BIN_EDGES } from './distribution';
import { rowProvenance } from './provenance';
import { TEXT_FIELDS, type DatasetStatisticsReport, type LocatedProblem, type TextField, type TextFieldStatistics } from './report';
import type { EncodingChoice, TokenCounter } from './tokens';

export interface StatisticsOptions {
  /** Counts tokens; without it the report has no token counts. */
  readonly countTokens?: TokenCounter;
  /** The encoding `countTokens` uses (required with it). */
  readonly encoding?: EncodingChoice;
  /** Tokenize every n-th readable row only (1, the default: every row); totals are scaled up. */
  readonly sampleEvery?: number;
  /** How many problems (and duplicate examples) to keep; all are counted. Default 100. */
  readonly maxProblems?: number;
}

const NO_ANSWER: readonly Turn[] = [];

interface FieldAccumulator {
  readonly characters: Distribution;
  readonly tokens: Distribution;
  tokenSum: number;
}

export class DatasetStatistics {
  private rows = 0;
  private blank = 0;
  private malformed = 0;
  private readonly problems: LocatedProblem[] = [];
  private readonly kindCounts = new Map<RowKind, number>();
  private unreadable = 0;
  private readonly unreadableProblems: LocatedProblem[] = [];
  private readonly seen = new Map<string, number>();
  private duplicates = 0;
  private readonly duplicateExamples: { line: number; sameAs: number }[] = [];
  private readonly turns = new Distribution(TURN_BIN_EDGES);
  private readonly fields = new Map<TextField, FieldAccumulator>();
  private readableRows = 0;
  private countedRows = 0;
  private readonly provenance = { human: 0, synthetic: 0, unknown: 0 };
  private readonly teachers = new Map<string, number>();
  private readonly maxProblems: number;
  private readonly sampleEvery: number;

  constructor(private readonly options: StatisticsOptions = {}) {
    this.maxProblems = options.maxProblems ?? 100;
    const every = options.sampleEvery ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`sampleEvery must be a positive integer, not ${every}`);
    this.sampleEvery = every;
    if (options.countTokens && !options.encoding) throw new TypeError('countTokens needs the encoding it uses');
  }

  /** A row as {@link JsonlBuffer} or the row stream parses it. */
  addRow(row: JsonlRow): void {
    if (row.kind === 'object') this.addValue(row.value, row.line);
    else if (row.kind === 'blank') this.blank++;
    else this.addMalformed({ line: row.problem.line, column: row.problem.column, message: row.problem.message });
  }

  addBlank(): void {
    this.blank++;
  }

  addMalformed(problem: LocatedProblem): void {
    this.malformed++;
    if (this.problems.length < this.maxProblems) this.problems.push(problem);
  }

  /** A parsed value at `line` (a JSON-array element: the line it starts on). Values that are not objects are malformed rows. */
  addValue(value: unknown, line: number, column = 1): void {
    if (!isRecord(value)) {
      this.addMalformed({ line, column, message: `the element is ${describeJsonType(value)}, not a JSON object: it cannot be a row` });
      return;
    }
    this.rows++;
    const kind = detectRowKind(value);
    this.kindCounts.set(kind, (this.kindCounts.get(kind) ?? 0) + 1);
    this.addIdentity(value, line);
    this.addProvenance(value);
    if (kind === 'unknown') return;
    const read = toConversationRow(value);
    if (!read.ok) {
      this.unreadable++;
      if (this.unreadableProblems.length < this.maxProblems) {
        const first = read.issues.find((i) => i.severity === 'error') ?? read.issues[0];
        this.unreadableProblems.push({ line, column, message: first?.message ?? 'cannot be read as a conversation' });
      }
      return;
    }
    this.addConversation(read.row);
  }

  private addIdentity(value: Record<string, unknown>, line: number): void {
    const key = createHash('sha256').update(canonicalJson(value), 'utf8').digest().toString('latin1', 0, 16);
    const first = this.seen.get(key);
    if (first === undefined) {
      this.seen.set(key, line);
      return;
    }
    this.duplicates++;
    if (this.duplicateExamples.length < this.maxProblems) this.duplicateExamples.push({ line, sameAs: first });
  }

  private addProvenance(value: Record<string, unknown>): void {
    const { provenance, teacher } = rowProvenance(value);
    this.provenance[provenance]++;
    if (provenance === 'synthetic') {
      const name = teacher ?? '(no teacher)';
      this.teachers.set(name, (this.teachers.get(name) ?? 0) + 1);
    }
  }

  private addConversation(row: ConversationRow): void {
    const tokenize = this.options.countTokens !== undefined && this.readableRows % this.sampleEvery === 0;
    this.readableRows++;
    if (tokenize) this.countedRows++;
    const extra = row.extraUserTurns ?? [];
    this.turns.add(row.prompt.length + extra.length + (row.completion ?? row.chosen ?? NO_ANSWER).length);
    this.addText('prompt', [...row.prompt.map((t) => t.content), ...extra], tokenize);
    if (row.completion) this.addText('completion', row.completion.map((t) => t.content), tokenize);
    if (row.chosen) this.addText('chosen', row.chosen.map((t) => t.content), tokenize);
    if (row.rejected) this.addText('rejected', row.rejected.map((t) => t.content), tokenize);
  }

  private addText(field: TextField, texts: readonly string[], tokenize: boolean): void {
    let accumulator = this.fields.get(field);
    if (!accumulator) {
      accumulator = { characters: new Distribution(LENGTH_BIN_EDGES), tokens: new Distribution(LENGTH_BIN_EDGES), tokenSum: 0 };
      this.fields.set(field, accumulator);
    }
    let characters = 0;
    for (const text of texts) characters += text.length;
    accumulator.characters.add(characters);
    const count = this.options.countTokens;
    if (tokenize && count) {
      let tokens = 0;
      for (const text of texts) if (text !== '') tokens += count(text);
      accumulator.tokens.add(tokens);
      accumulator.tokenSum += tokens;
    }
  }

  report(): DatasetStatisticsReport {
    const kinds = [...this.kindCounts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([kind, rows]) => ({ kind, label: ROW_KIND_LABELS[kind], rows }));
    const dominant = dominantOf(this.kindCounts);
    const counting = this.options.countTokens !== undefined && this.options.encoding !== undefined;
    const lengths: Partial<Record<TextField, TextFieldStatistics>> = {};
    const totals: Partial<Record<TextField, number>> & { all: number } = { all: 0 };
    const scale = this.countedRows > 0 ? this.readableRows / this.countedRows : 0;
    for (const field of TEXT_FIELDS) {
      const accumulator = this.fields.get(field);
      if (!accumulator) continue;
      lengths[field] = counting
        ? { characters: accumulator.characters.report(), tokens: accumulator.tokens.report() }
        : { characters: accumulator.characters.report() };
      const total = Math.round(accumulator.tokenSum * scale);
      totals[field] = total;
      totals.all += total;
    }
    const report: DatasetStatisticsReport = {
      rows: this.rows,
      blank: this.blank,
      malformed: this.malformed,
      problems: [...this.problems],
      kinds,
      dominantKind: dominant.kind,
      dominantKindLabel: ROW_KIND_LABELS[dominant.kind],
      mixedKinds: dominant.mixed,
      unreadable: this.unreadable,
      unreadableProblems: [...this.unreadableProblems],
      duplicates: { rows: this.duplicates, distinct: this.rows - this.duplicates, examples: [...this.duplicateExamples] },
      turns: this.turns.report(),
      lengths,
      provenance: {
        ...this.provenance,
        teachers: [...this.teachers.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([teacher, rows]) => ({ teacher, rows })),
      },
    };
    const encoding = this.options.encoding;
    if (!counting || !encoding) return report;
    return {
      ...report,
      tokens: {
        encoding: encoding.encoding,
        exact: encoding.exact,
        ...(encoding.model === undefined ? {} : { model: encoding.model }),
        reason: encoding.reason,
        countedRows: this.countedRows,
        sampled: this.sampleEvery > 1 && this.countedRows < this.readableRows,
        sampleEvery: this.sampleEvery,
        totals,
      },
    };
  }
}

/** As {@link dominantKind} does it, from counts: the most frequent known kind, ties to the first seen. */
function dominantOf(counts: ReadonlyMap<RowKind, number>): { kind: RowKind; mixed: boolean } {
  let kind: RowKind = 'unknown';
  let best = 0;
  let known = 0;
  for (const [candidate, count] of counts) {
    if (candidate === 'unknown') continue;
    known++;
    if (count > best) {
      kind = candidate;
      best = count;
    }
  }
  return { kind, mixed: known > 1 };
}
