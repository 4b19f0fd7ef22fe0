/**
 * The statistics of a dataset as plain data: what `distillery stats --json` prints and what the
 * statistics panel shows. Everything here is JSON-serialisable; nothing imports Node or VS Code,
 * so the webview reads these types (and {@link binLabel}) too.
 */
import type { RowKind } from '../dataset/rowKinds';

export interface HistogramBin {
  /** Values in [from, to); the last bin has no `to` (open-ended). */
  readonly from: number;
  readonly to?: number;
  readonly count: number;
}

export interface DistributionReport {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Nearest-rank percentiles. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** False when the values were more than the reservoir holds: percentiles are then from a uniform sample of them. */
  readonly percentilesExact: boolean;
  /** Fixed bins, from the first non-empty one to the last. */
  readonly bins: readonly HistogramBin[];
}

export interface LocatedProblem {
  /** 1-based, as an editor shows it. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface KindCount {
  readonly kind: RowKind;
  /** How the kind is named to a person. */
  readonly label: string;
  readonly rows: number;
}

/** The parts of a row whose length is measured. */
export const TEXT_FIELDS = ['prompt', 'completion', 'chosen', 'rejected'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

export const TEXT_FIELD_LABELS: Readonly<Record<TextField, string>> = {
  prompt: 'Prompt',
  completion: 'Answer',
  chosen: 'Chosen answer',
  rejected: 'Rejected answer',
};

export interface TextFieldStatistics {
  /** Characters (UTF-16 code units, as JavaScript counts them) per row that has this field. */
  readonly characters: DistributionReport;
  /** Tokens per row, over the rows whose tokens were counted; absent when tokens were not counted. */
  readonly tokens?: DistributionReport;
}

export interface TokenStatistics {
  readonly encoding: 'o200k_base' | 'cl100k_base';
  /** True when the encoding is the model's own; false when it approximates another tokenizer. */
  readonly exact: boolean;
  readonly model?: string;
  readonly reason: string;
  /** Rows whose tokens were counted: every readable row, or a sample of them (see `sampled`). */
  readonly countedRows: number;
  /** True when only every `sampleEvery`-th readable row was tokenized; totals are then estimates. */
  readonly sampled: boolean;
  readonly sampleEvery: number;
  /**
   * Tokens per field over the whole file (scaled up from the sample when `sampled`), and their sum.
   * Content tokens only: chat templates add a few per turn, which depend on the model.
   */
  readonly totals: Readonly<Partial<Record<TextField, number>>> & { readonly all: number };
}

export type Provenance = 'human' | 'synthetic' | 'unknown';

export interface ProvenanceStatistics {
  readonly human: number;
  readonly synthetic: number;
  readonly unknown: number;
  /** Synthetic rows per teacher model, most rows first; rows without a teacher count as "(no teacher)". */
  readonly teachers: readonly { readonly teacher: string; readonly rows: number }[];
}

export interface DatasetStatisticsReport {
  /** JSON objects (JSONL lines or JSON-array elements). */
  readonly rows: number;
  /** Empty or whitespace-only lines (JSONL only). */
  readonly blank: number;
  /** Lines that are not a JSON object, or array elements that are not objects. */
  readonly malformed: number;
  /** The first malformed rows, in file order. */
  readonly problems: readonly LocatedProblem[];
  /** Rows per kind, most first. */
  readonly kinds: readonly KindCount[];
  /** The most frequent known kind, or `unknown`. */
  readonly dominantKind: RowKind;
  readonly dominantKindLabel: string;
  readonly mixedKinds: boolean;
  /** Rows of a known kind whose fields could not be read as a conversation (wrong types, roles): no lengths for them. */
  readonly unreadable: number;
  readonly unreadableProblems: readonly LocatedProblem[];
  readonly duplicates: {
    /** Rows equal (as JSON values, key order and spacing aside) to an earlier row. */
    readonly rows: number;
    /** Rows after removing those: rows − duplicate rows. */
    readonly distinct: number;
    /** The first duplicates, each with the line of the row it repeats. */
    readonly examples: readonly { readonly line: number; readonly sameAs: number }[];
  };
  /** Turns per readable row: prompt turns (and later user turns) plus the answer's (the chosen one for pairs). */
  readonly turns: DistributionReport;
  readonly lengths: Readonly<Partial<Record<TextField, TextFieldStatistics>>>;
  /** Absent when tokens were not counted. */
  readonly tokens?: TokenStatistics;
  readonly provenance: ProvenanceStatistics;
}

/** "0", "2–4", "1,000+" for a bin [from, to). */
export function binLabel(bin: HistogramBin): string {
  const f = (n: number) => n.toLocaleString('en-US');
  if (bin.to === undefined) return `${f(bin.from)}+`;
  if (bin.to - bin.from === 1) return f(bin.from);
  return `${f(bin.from)}–${f(bin.to - 1)}`;
}
