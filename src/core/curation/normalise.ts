/** How text is normalised before it is compared: exact duplicates and shingles both use this. */
export interface NormaliseOptions {
  /** Runs of whitespace become one space, and the ends are trimmed. Default true. */
  readonly collapseWhitespace?: boolean;
  /** Compare without case (Unicode lower case). Default true. */
  readonly foldCase?: boolean;
}

export function normaliseText(text: string, options: NormaliseOptions = {}): string {
  let result = text.normalize('NFC');
  if (options.collapseWhitespace ?? true) result = result.replace(/\s+/gu, ' ').trim();
  if (options.foldCase ?? true) result = result.toLowerCase();
  return result;
}

const NOT_A_WORD = /[^\p{L}\p{N}]+/u;

/**
 * The words of a text, for shingles and n-grams: lower-cased runs of letters and digits. Punctuation
 * and whitespace only separate words, so "Hello, world!" and "hello world" have the same words.
 */
export function wordsOf(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(NOT_A_WORD)
    .filter((word) => word.length > 0);
}
