/**
 * Token counting for the statistics: which encoding a model family uses, and how a counter is
 * loaded. The tokenizer's rank tables are megabytes of JavaScript, so the core never imports
 * them: the caller injects a {@link TokenCounterLoader} (the extension and the CLI load a bundle
 * that sits next to their own, the unit tests import the package).
 */

export const TOKEN_ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
export type TokenEncoding = (typeof TOKEN_ENCODINGS)[number];

/** A setting or option: an encoding, or `auto` to pick it from the model's family. */
export type TokenEncodingChoice = 'auto' | TokenEncoding;

export function isTokenEncoding(value: unknown): value is TokenEncoding {
  return (TOKEN_ENCODINGS as readonly unknown[]).includes(value);
}

/** Counts the tokens of a text. */
export type TokenCounter = (text: string) => number;

/** Loads the counter of an encoding (once: callers cache it). */
export type TokenCounterLoader = (encoding: TokenEncoding) => Promise<TokenCounter>;

export interface EncodingChoice {
  readonly encoding: TokenEncoding;
  /**
   * True when the encoding is the model's own tokenizer (OpenAI families); false when it stands
   * in for another tokenizer (Llama, Qwen, Mistral, Claude, an unknown model, no model at all),
   * so counts are an approximation.
   */
  readonly exact: boolean;
  /** The model the choice was made for, when one was given. */
  readonly model?: string;
  /** Why: shown next to the counts. */
  readonly reason: string;
}

// OpenAI's model families, by the names (and the fine-tune / deployment prefixes) they appear under.
const O200K = /^(?:ft:)?(?:openai\/)?(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o1|o3|o4)(?:\b|[-_.:])/i;
const CL100K = /^(?:ft:)?(?:openai\/)?(?:gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)(?:\b|[-_.:])/i;

/**
 * The encoding a model counts tokens with: o200k_base for gpt-4o, gpt-4.1, gpt-5, o1, o3, o4;
 * cl100k_base for gpt-4 and gpt-3.5 (and text-embedding-3); o200k_base, marked approximate, for
 * anything else.
 */
export function encodingForModel(model?: string): EncodingChoice {
  const name = model?.trim() ?? '';
  if (name === '') return { encoding: 'o200k_base', exact: false, reason: 'no model set: o200k_base as an approximation' };
  // Checked first: "gpt-4o" also starts with "gpt-4".
  if (O200K.test(name)) return { encoding: 'o200k_base', exact: true, model: name, reason: `${name} uses o200k_base` };
  if (CL100K.test(name)) return { encoding: 'cl100k_base', exact: true, model: name, reason: `${name} uses cl100k_base` };
  return { encoding: 'o200k_base', exact: false, model: name, reason: `${name} is not an OpenAI model: o200k_base as an approximation` };
}

/** The encoding for a setting (`auto` or a named encoding) and an optional model. */
export function chooseEncoding(choice: TokenEncodingChoice, model?: string): EncodingChoice {
  const byModel = encodingForModel(model);
  if (choice === 'auto') return byModel;
  const name = model?.trim() || undefined;
  const exact = byModel.exact && byModel.encoding === choice;
  const reason = exact ? `${choice}, the encoding of ${name ?? ''}` : name ? `${choice} as chosen (${byModel.reason})` : `${choice} as chosen; no model set, so counts are approximate`;
  return name ? { encoding: choice, exact, model: name, reason } : { encoding: choice, exact, reason };
}
