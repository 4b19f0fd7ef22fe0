/**
 * Row kinds: which of the dataset formats in DESIGN.md a row has, detected per row from its keys
 * (and, where the keys alone do not tell, from the last turn), and the dominant kind of a file.
 *
 * A kind names both what the row holds (an SFT answer, a preference pair, only a prompt) and the
 * shape training tools expect, because that is what "a row whose kind differs from the file's"
 * means to a user: a ShareGPT row in a messages file is a problem even though both are SFT.
 * Prompt-only rows are the exception the Formats table makes: `{prompt}`, a messages or ShareGPT
 * list that ends on a user turn, and an Alpaca row without `output` are all `prompt-only`.
 */
import { isRecord } from './jsonValue';
import { roleOfMessage, roleOfShareGptFrom } from './roles';

export const ROW_KINDS = [
  'chat',
  'sharegpt',
  'alpaca',
  'prompt-completion',
  'preference',
  'implicit-preference',
  'openai-dpo',
  'sharegpt-preference',
  'unpaired-preference',
  'prompt-only',
  'self-instruct',
  'mt-bench',
  'unknown',
] as const;

export type RowKind = (typeof ROW_KINDS)[number];
export type KnownRowKind = Exclude<RowKind, 'unknown'>;

/** How each kind is named to a person (status bar, statistics, diagnostics). */
export const ROW_KIND_LABELS: Readonly<Record<RowKind, string>> = {
  chat: 'chat (messages)',
  sharegpt: 'ShareGPT',
  alpaca: 'Alpaca',
  'prompt-completion': 'prompt/completion',
  preference: 'preference (prompt, chosen, rejected)',
  'implicit-preference': 'preference with implicit prompt (chosen, rejected)',
  'openai-dpo': 'OpenAI DPO',
  'sharegpt-preference': 'ShareGPT preference (LLaMA-Factory)',
  'unpaired-preference': 'unpaired preference with a label (KTO)',
  'prompt-only': 'prompt only',
  'self-instruct': 'self-instruct seed task',
  'mt-bench': 'MT-bench question',
  unknown: 'unknown format',
};

/** Kinds whose rows hold a chosen and a rejected answer. */
export function isPairedPreferenceKind(kind: RowKind): boolean {
  return kind === 'preference' || kind === 'implicit-preference' || kind === 'openai-dpo' || kind === 'sharegpt-preference';
}

/** Kinds whose rows hold an answer (or two): all but prompt-only, MT-bench and unknown. */
export function expectsAnswer(kind: RowKind): boolean {
  return kind !== 'prompt-only' && kind !== 'mt-bench' && kind !== 'unknown';
}

/**
 * The key that holds a row's conversation or prompt, which tells apart the formats that
 * prompt-only rows share with answered ones: a messages list, a ShareGPT list, an Alpaca
 * instruction, a `prompt` field.
 */
export type RowContainer = 'messages' | 'conversations' | 'instruction' | 'prompt';

export function rowContainer(value: unknown): RowContainer | undefined {
  if (!isRecord(value)) return undefined;
  if ('messages' in value) return 'messages';
  if ('conversations' in value) return 'conversations';
  if ('instruction' in value) return 'instruction';
  if ('prompt' in value) return 'prompt';
  return undefined;
}

/** The container of the answered kinds whose prompt-only form is the same shape minus the answer. */
export function containerOfKind(kind: RowKind): RowContainer | undefined {
  switch (kind) {
    case 'chat':
      return 'messages';
    case 'sharegpt':
      return 'conversations';
    case 'alpaca':
      return 'instruction';
    case 'prompt-completion':
      return 'prompt';
    default:
      return undefined;
  }
}

function lastElement(list: unknown): unknown {
  return Array.isArray(list) ? list[list.length - 1] : undefined;
}

/** Whether a message list ends on an assistant turn (what makes it an answered row). */
function endsOnAssistant(list: unknown, style: 'messages' | 'sharegpt'): boolean {
  const last = lastElement(list);
  if (!isRecord(last)) return false;
  const role = style === 'messages' ? roleOfMessage(last.role) : roleOfShareGptFrom(last.from);
  return role === 'assistant';
}

function isPromptOnlyList(list: unknown, style: 'messages' | 'sharegpt'): boolean {
  return Array.isArray(list) && list.length > 0 && !endsOnAssistant(list, style);
}

/**
 * The kind of one row, from its keys. Rows with errors still get the kind they were meant to
 * have (a `{chosen, rejected}` whose `chosen` is a number is an implicit-preference row with an
 * invalid field), so that validation can say what is wrong rather than "unknown format".
 */
export function detectRowKind(value: unknown): RowKind {
  if (!isRecord(value)) return 'unknown';
  const has = (key: string) => Object.hasOwn(value, key);

  // OpenAI's preference fine-tuning format; checked first because Alpaca also has `input`.
  if (has('preferred_output') || has('non_preferred_output')) return 'openai-dpo';
  if (has('chosen') || has('rejected')) {
    if (has('conversations')) return 'sharegpt-preference';
    // LLaMA-Factory's Alpaca-style ranking rows carry the prompt as instruction (+ input).
    if (has('prompt') || has('instruction')) return 'preference';
    return 'implicit-preference';
  }
  if (has('label') && (has('messages') || has('conversations') || has('completion') || has('output'))) {
    return 'unpaired-preference';
  }
  // A conversation is answered when it ends on the assistant; an empty or malformed list keeps
  // the answered kind, for validation to report.
  if (has('messages')) return isPromptOnlyList(value.messages, 'messages') ? 'prompt-only' : 'chat';
  if (has('conversations')) return isPromptOnlyList(value.conversations, 'sharegpt') ? 'prompt-only' : 'sharegpt';
  if (has('instruction')) {
    if (has('instances')) return 'self-instruct';
    return has('output') ? 'alpaca' : 'prompt-only';
  }
  if (has('prompt')) return has('completion') ? 'prompt-completion' : 'prompt-only';
  if (has('turns') && (has('question_id') || has('category'))) return 'mt-bench';
  return 'unknown';
}

export interface KindSummary {
  /**
   * The most frequent kind other than `unknown` (ties go to the kind seen first), or `unknown`
   * when no row has a known kind (including an empty file).
   */
  readonly kind: RowKind;
  /** Rows per kind, in the order the kinds first appear. */
  readonly counts: Readonly<Partial<Record<RowKind, number>>>;
  readonly total: number;
  /** More than one known kind occurs. */
  readonly mixed: boolean;
}

export function dominantKind(kinds: Iterable<RowKind>): KindSummary {
  const counts: Partial<Record<RowKind, number>> = {};
  let total = 0;
  for (const kind of kinds) {
    counts[kind] = (counts[kind] ?? 0) + 1;
    total++;
  }
  let best: RowKind = 'unknown';
  let bestCount = 0;
  let known = 0;
  for (const [kind, count] of Object.entries(counts) as [RowKind, number][]) {
    if (kind === 'unknown') continue;
    known++;
    if (count > bestCount) {
      best = kind;
      bestCount = count;
    }
  }
  return { kind: best, counts, total, mixed: known > 1 };
}
