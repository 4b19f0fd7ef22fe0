/**
 * A cheap, deterministic token estimate for usage counts, rate limits and logprobs.
 *
 * It is not a real BPE tokenizer, and does not try to be: a token is a run of up to five
 * letters or digits, or one other non-space character, and the whitespace in front of it
 * belongs to it. That gives about one token per short word, one per punctuation mark and
 * slightly more per long word, close enough to real counts for English to exercise token
 * accounting and tokens-per-minute limits. Concatenating the tokens gives back the text.
 *
 * Prompt tokens follow the usual chat accounting: 3 per message, plus 1 for a `name`, plus the
 * message content, plus 3 that prime the reply.
 */

const TOKEN_PATTERN = /\s*(?:[\p{L}\p{N}]{1,5}|[^\s\p{L}\p{N}])|\s+$/gu;

export interface Token {
  text: string;
  /** Offset of the token's first character (its leading whitespace included) in the text. */
  offset: number;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    tokens.push({ text: match[0], offset: match.index ?? 0 });
  }
  return tokens;
}

export function countTokens(text: string): number {
  // String.match with a global pattern skips building Token objects on the hot path.
  return text.match(TOKEN_PATTERN)?.length ?? 0;
}

export interface MessageForCount {
  content: string;
  name?: string | undefined;
}

/** `count` replaces the estimate, e.g. with a real tokenizer when a test compares counts with one. */
export function countPromptTokens(messages: readonly MessageForCount[], count: (text: string) => number = countTokens): number {
  let total = 3;
  for (const message of messages) {
    total += 3 + count(message.content) + (message.name ? 1 : 0);
  }
  return total;
}
