/**
 * Schema problems found in one dataset row, located by JSON path so that the editor can
 * map each one to a range of the row's text, and named by a stable code that quick fixes key on.
 */

/** Keys and array indices from the row's root to the offending node; `[]` is the row itself. */
export type JsonPath = readonly (string | number)[];

export type IssueSeverity = 'error' | 'warning' | 'information';

export type IssueCode =
  /** The row is not a JSON object. */
  | 'not-an-object'
  /** The row has none of the shapes in DESIGN.md's Formats table. */
  | 'unknown-format'
  /** The row's kind differs from the file's dominant kind. */
  | 'kind-mismatch'
  /** A field that the row's kind needs is absent. */
  | 'missing-field'
  /** A field has the wrong JSON type (content that is not text, a label that is not a boolean, …). */
  | 'invalid-type'
  /** A message role (or ShareGPT `from`) that Distillery does not know. */
  | 'unknown-role'
  /** An answer is expected but has no assistant turn. */
  | 'missing-assistant'
  /** A turn (or answer) whose text is empty or only whitespace. */
  | 'empty-content'
  /** A system turn after the conversation started, two user or two assistant turns in a row, … */
  | 'roles-out-of-order'
  /** A preference pair whose two answers are the same. */
  | 'chosen-equals-rejected'
  /** Content parts that are not text (images, audio): Distillery reads only the text. */
  | 'unsupported-content'
  /** A self-instruct seed task with several instances: only the first is read as the answer. */
  | 'ignored-instances';

export interface RowIssue {
  readonly path: JsonPath;
  readonly message: string;
  readonly severity: IssueSeverity;
  readonly code: IssueCode;
}

export function issue(code: IssueCode, severity: IssueSeverity, path: JsonPath, message: string): RowIssue {
  return { path, message, severity, code };
}

export function hasErrors(issues: readonly RowIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Says what a JSON value is, for messages ("a number", "null", "an array"). */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'missing';
  return `a ${typeof value}`;
}

/**
 * Sets an own property, even `__proto__` (which `JSON.parse` makes an ordinary key, but
 * assignment would treat as the prototype).
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
