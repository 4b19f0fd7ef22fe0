/**
 * From dataset rows to critique–revise and back: what a row offers for critique (its conversation
 * and its answer), the `distillery.critique` record of a chain (enough to reproduce and audit the
 * result), and the rows a chain becomes: the row with its answer revised (SFT), or a preference
 * row with the revision as chosen and the original as rejected, in TRL's form.
 */
import { finalAnswerText, toConversationRow, type Turn } from '../dataset/conversation';
import { isJsonObject } from '../dataset/jsonValue';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import { ROW_KIND_LABELS, type KnownRowKind, type RowKind } from '../dataset/rowKinds';
import { withAnswers } from '../dataset/writeAnswers';
import { InputError } from '../errors/located';
import type { CritiqueChain, CritiqueInput } from './critiqueTypes';

/** Kinds whose single answer critique–revise revises in place. */
const REVISABLE_KINDS: ReadonlySet<RowKind> = new Set<RowKind>(['chat', 'sharegpt', 'alpaca', 'prompt-completion']);

/** Kinds with one answer to critique and revise (the Critique & Revise lens is offered on these). */
export function isRevisableKind(kind: RowKind): boolean {
  return REVISABLE_KINDS.has(kind);
}

export interface CritiqueRowInput {
  readonly input: CritiqueInput;
  readonly kind: KnownRowKind;
  /** TRL's distinction: message lists (true) or plain text (false); the preference row keeps it. */
  readonly conversational: boolean;
}

/**
 * A row read for critique: its answer (the text of the last assistant turn) and the conversation
 * before it (tool turns of the answer included). InputError, saying why, for a row that has no
 * single answer to revise: prompt-only rows, preference pairs, KTO rows (their label is about the
 * answer as it is), or an answer with no assistant text.
 */
export function critiqueInputOf(row: unknown): CritiqueRowInput {
  const read = toConversationRow(row);
  if (!read.ok) {
    const first = read.issues.find((i) => i.severity === 'error');
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new InputError(`the row cannot be read${first ? `${where}: ${first.message}` : ''}`);
  }
  const { kind, completion } = read.row;
  if (!REVISABLE_KINDS.has(kind)) {
    const why = kind === 'prompt-only' || kind === 'mt-bench' || kind === 'self-instruct'
      ? 'it has no answer to critique (generate one first)'
      : 'critique–revise takes rows with one answer (SFT rows)';
    throw new InputError(`a ${ROW_KIND_LABELS[kind]} row cannot be critiqued: ${why}`);
  }
  const answer = finalAnswerText(completion);
  if (completion === undefined || answer === undefined) throw new InputError('the row has no answer to critique: no assistant turn after its prompt');
  if (answer.trim() === '') throw new InputError('the row\'s answer is empty: nothing to critique');
  const last = lastAssistantIndex(completion);
  return { input: { prompt: [...read.row.prompt, ...completion.slice(0, last)], answer }, kind, conversational: read.row.conversational };
}

/**
 * What goes under the row's `distillery.critique`: the principle of each round with the critique,
 * the critic's needsRevision and the revision it gave; the critic's profile and model; the seed of
 * the draw; the constitution (title, path, SHA-256); the time; the cost; and the original answer.
 */
export function critiqueMetadata(chain: CritiqueChain): Record<string, unknown> {
  const costs = chain.rounds.map((round) => round.costUsd);
  return {
    seed: chain.seed,
    constitution: { title: chain.constitution.title ?? null, path: chain.constitution.path ?? null, sha256: chain.constitution.sha256 },
    time: chain.time,
    rounds: chain.rounds.map((round) => ({
      principle: round.principle.id,
      critique: round.critique,
      needsRevision: round.needsRevision,
      revision: round.revision ?? null,
      profile: round.profile,
      model: round.model,
      costUsd: round.costUsd ?? null,
      cached: round.cached,
    })),
    stoppedEarly: chain.stoppedEarly,
    revised: chain.final !== chain.original,
    costUsd: costs.every((cost) => cost !== undefined) ? costs.reduce((sum: number, cost) => sum + (cost ?? 0), 0) : null,
    original: chain.original,
  };
}

/**
 * The row with its answer replaced by the chain's final revision, in the row's own format, and
 * the chain under `distillery.critique`. The row's other `distillery` fields stay, but `source`
 * (the key of another run) goes; a revised row becomes synthetic, with the critic as its teacher.
 */
export function revisedRow(row: unknown, kind: RowKind, chain: CritiqueChain): Record<string, unknown> {
  const written = withAnswers(row, kind, { completion: chain.final });
  if (!written.ok) throw new InputError(written.message);
  const { source: _source, ...kept } = isJsonObject(written.value[DISTILLERY_KEY]) ? (written.value[DISTILLERY_KEY] as Record<string, unknown>) : {};
  const reviser = lastReviser(chain);
  const metadata = reviser
    ? { ...kept, provenance: 'synthetic', teacher: reviser, critique: critiqueMetadata(chain) }
    : { ...kept, critique: critiqueMetadata(chain) };
  return { ...written.value, [DISTILLERY_KEY]: metadata };
}

/**
 * A preference row `{prompt, chosen, rejected}` (TRL's form: message lists for a conversational
 * row, strings for a plain-text one) with the final revision as chosen and the original answer as
 * rejected, synthetic, with the critic as its teacher. Undefined when no round revised the answer:
 * a pair of two equal answers teaches nothing.
 */
export function preferencePairRow(row: unknown, chain: CritiqueChain): Record<string, unknown> | undefined {
  const reviser = lastReviser(chain);
  if (!reviser || chain.final === chain.original) return undefined;
  const { input, conversational } = critiqueInputOf(row);
  const metadata = { provenance: 'synthetic', teacher: reviser, critique: critiqueMetadata(chain) };
  if (conversational) {
    const answer = (content: string) => [{ role: 'assistant', content }];
    return { prompt: input.prompt.map(message), chosen: answer(chain.final), rejected: answer(chain.original), [DISTILLERY_KEY]: metadata };
  }
  const prompt = input.prompt.filter((turn) => turn.role !== 'system').map((turn) => turn.content).join('\n\n');
  return { prompt, chosen: chain.final, rejected: chain.original, [DISTILLERY_KEY]: metadata };
}

function lastReviser(chain: CritiqueChain): { profile: string; model: string } | undefined {
  for (let i = chain.rounds.length - 1; i >= 0; i--) {
    const round = chain.rounds[i];
    if (round?.revision !== undefined) return { profile: round.profile, model: round.model };
  }
  return undefined;
}

function lastAssistantIndex(turns: readonly Turn[]): number {
  for (let i = turns.length - 1; i >= 0; i--) if (turns[i]?.role === 'assistant') return i;
  return -1;
}

function message(turn: Turn): Record<string, string> {
  return turn.name === undefined ? { role: turn.role, content: turn.content } : { role: turn.role, content: turn.content, name: turn.name };
}
