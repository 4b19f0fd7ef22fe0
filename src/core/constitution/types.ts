/**
 * The constitution document format (`*.constitution.md`, see DESIGN.md "Formats"): the typed
 * result of parsing one, and the plain data that import, export and rendering work on.
 *
 * Positions are 0-based: `line` counts lines from 0 and `character` counts UTF-16 code units
 * from 0 (the same as `vscode.Position`, so the editor maps a range without arithmetic; the CLI
 * adds 1 to both when it prints FILE:LINE:COLUMN). A leading byte order mark is not counted.
 * `end` is exclusive.
 */

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** The scores a rubric may describe (Prometheus-style, 1 = worst, 5 = best). */
export type ScoreLevel = 1 | 2 | 3 | 4 | 5;
export const scoreLevels: readonly ScoreLevel[] = [1, 2, 3, 4, 5];

/** A principle as data: what import produces, export writes and rendering turns into Markdown. */
export interface PrincipleData {
  /** A slug: lowercase letters and digits in words joined by single hyphens. */
  readonly id: string;
  /** The title of the level-1 heading above it; absent before the first one. */
  readonly section?: string;
  /** Phase 1: the critique request. Present together with `revision`. */
  readonly critique?: string;
  /** Phase 1: the revision request. */
  readonly revision?: string;
  /** Phase 2: the comparison question a judge answers. */
  readonly compare?: string;
  /** Positive; 1 unless a `Weight:` field says otherwise. */
  readonly weight: number;
  /** As written (trimmed), duplicates dropped; empty when there is no `Tags:` field. */
  readonly tags: readonly string[];
}

export interface RubricData {
  readonly id: string;
  readonly section?: string;
  readonly criterion?: string;
  /** Score descriptions by level; a valid rubric has at least 1 and 5. */
  readonly scores: { readonly [level in ScoreLevel]?: string };
}

/** A whole constitution as data (the `distillery` JSON export adds `format` and `version`). */
export interface ConstitutionData {
  /** Titles of the level-1 headings, in order. */
  readonly sections: readonly string[];
  readonly principles: readonly PrincipleData[];
  readonly rubrics: readonly RubricData[];
}

export type PrincipleField = 'critique' | 'revision' | 'compare' | 'weight' | 'tags';
export type RubricField = 'criterion' | `score${ScoreLevel}`;

export interface Principle extends PrincipleData {
  /** From the heading's start to the end of its last field value. */
  readonly range: Range;
  /** The id in the heading (an empty range after the colon when the id is missing). */
  readonly idRange: Range;
  /** Where each field's value is (for hovers, code actions and the like). */
  readonly fieldRanges: { readonly [field in PrincipleField]?: Range };
}

export interface Rubric extends RubricData {
  readonly range: Range;
  readonly idRange: Range;
  readonly fieldRanges: { readonly [field in RubricField]?: Range };
}

export interface Section {
  readonly title: string;
  /** The heading line. */
  readonly range: Range;
}

export type ProblemCode =
  | 'missing-id'
  | 'invalid-id'
  | 'duplicate-id'
  | 'missing-requests'
  | 'unpaired-request'
  | 'invalid-weight'
  | 'missing-criterion'
  | 'invalid-score'
  | 'missing-score'
  | 'unknown-field'
  | 'misplaced-field'
  | 'duplicate-field'
  | 'empty-value'
  | 'unclosed-fence';

export interface RelatedLocation {
  readonly range: Range;
  readonly message: string;
}

export interface ConstitutionProblem {
  readonly severity: 'error' | 'warning';
  readonly code: ProblemCode;
  readonly message: string;
  readonly range: Range;
  /** Other places the problem involves (the other occurrences of a duplicate id or field). */
  readonly related?: readonly RelatedLocation[];
  /** A replacement for the text at `range` that would fix it (a near-miss field name, a slug id). */
  readonly suggestion?: string;
}

export interface ConstitutionDocument {
  readonly sections: readonly Section[];
  readonly principles: readonly Principle[];
  readonly rubrics: readonly Rubric[];
  /** In source order. */
  readonly problems: readonly ConstitutionProblem[];
}
