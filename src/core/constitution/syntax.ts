/**
 * The line syntax of constitution documents, shared by the parser and the renderer so that what
 * one writes the other reads back.
 */

/** An ATX heading: up to three spaces, 1–6 `#`, then a space or the end of the line. */
export const headingPattern = /^ {0,3}(#{1,6})(?:[ \t]+|$)/;
/** The opening line of a fenced code block. */
export const fenceOpenPattern = /^ {0,3}(`{3,}|~{3,})/;
/**
 * A field line: a key of one or two words at the start of the line, a colon, then a space or the
 * end of the line (so `https://…` is never a field). The second word allows `Score 1`.
 */
export const fieldPattern = /^([A-Za-z][A-Za-z0-9_-]*(?:[ \t]+[^\s:]+)?)[ \t]*:(?=[ \t]|$)[ \t]*/;
/** The keyword of a level-2 heading that opens a principle or a rubric. */
export const blockHeadingPattern = /^(principle|rubric)[ \t]*:[ \t]*/i;
/** A `Score N` key (N is checked separately, so that `Score 6` is reported rather than ignored). */
export const scoreKeyPattern = /^score[ \t]+(\S+)$/i;

export function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

/**
 * Whether a line of a multi-line value must be escaped (written with a leading backslash, which
 * the parser removes) so that it is read as part of the value rather than as a heading, a fence,
 * a field, or an escape. (Blank lines are part of a value as they are.)
 */
export function needsEscape(line: string): boolean {
  return line.startsWith('\\') || headingPattern.test(line) || fenceOpenPattern.test(line) || fieldPattern.test(line);
}

/**
 * A value as the format can hold it: lines without trailing whitespace, and no whitespace at
 * either end. Parsing always yields normalized values; importing normalizes and says so.
 */
export function normalizeValue(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}
