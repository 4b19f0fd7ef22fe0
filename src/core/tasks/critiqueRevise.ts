/**
 * Critique–revise (Constitutional AI, phase 1) for one answer: for each of `rounds` principles
 * drawn from a constitution (seeded, weighted, by tags, or exactly the ids given), the critic
 * critiques the current answer and then revises it, the whole chain being one conversation.
 * The critic says in structured output whether anything needs fixing; when nothing does, the
 * chain stops there (unless told not to). The editor, the batch runner and the CLI call this.
 */
import { createHash } from 'node:crypto';
import { principleData } from '../constitution/interchange';
import { samplePrinciples } from '../constitution/sample';
import type { ConstitutionDocument, PrincipleData } from '../constitution/types';
import { InputError } from '../errors/located';
import type { ChatModel, ChatResult } from '../llm/chatModel';
import type { CompletionRequest } from '../llm/client';
import { FatalModelError, ModelCancelledError, SchemaMismatchError } from '../llm/errors';
import {
  CRITIQUE_SCHEMA, REVISION_SCHEMA, critiqueMessages, revisionMessages, type ChainStep, type PrincipleRequests, type ReviewedAnswer,
} from './critiquePrompts';
import type { ChatMessage } from './prompts';
import type { CritiqueChain, CritiqueInput, CritiqueRound, CritiqueSettings } from './critiqueTypes';

export interface CritiqueOptions {
  readonly signal?: AbortSignal;
  /** Called as each round completes, with its index from 0 (the editor shows the chain live). */
  readonly onRound?: (round: CritiqueRound, index: number) => void;
  /** The clock for the chain's time; `new Date()` by default. */
  readonly now?: () => Date;
  /** Where the constitution was read from, as the chain records it. */
  readonly constitutionPath?: string;
  /**
   * The constitution file's text: the chain's `constitution.sha256` is its SHA-256 (what
   * `sha256sum FILE` prints). Without it, the hash is of the principles as JSON data.
   */
  readonly constitutionText?: string;
}

/** The constitution a chain draws from: a parsed document, or its principles alone. */
export type CritiqueConstitution = ConstitutionDocument | readonly PrincipleData[];

/** Settings or input that cannot work; every problem is listed, each naming its field. */
export class CritiqueSettingsError extends InputError {
  constructor(readonly problems: readonly string[]) {
    super(`critique settings: ${problems.join('; ')}`);
    this.name = 'CritiqueSettingsError';
  }
}

/** A round failed (the critic's reply broke the schema after the engine's re-asks, or its call failed). */
export class CritiqueRoundError extends Error {
  constructor(
    message: string,
    /** 1-based. */
    readonly round: number,
    readonly principle: string,
    readonly step: 'critique' | 'revision',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CritiqueRoundError';
  }
}

/** Problems with settings and input, each naming its field; empty when fine. */
export function critiqueSettingsProblems(settings: CritiqueSettings, input?: CritiqueInput): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1) problems.push(`rounds must be a whole number ≥ 1, not ${String(settings.rounds)}`);
  if (!Number.isSafeInteger(settings.seed)) problems.push(`seed must be a whole number, not ${String(settings.seed)}`);
  if (settings.principleIds !== undefined && settings.principleIds.length === 0) problems.push('principleIds: give at least one id, or leave it out to sample');
  if (input?.span !== undefined) {
    const { start, end } = input.span;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > input.answer.length || start >= end) {
      problems.push(`span: ${String(start)}–${String(end)} is not a non-empty range within the answer (0–${input.answer.length})`);
    }
  }
  return problems;
}

/**
 * The principles of a chain, in round order: exactly `principleIds` when given, else `rounds`
 * drawn by weight with `seed` (and `tags`) among those with Critique and Revision. When more
 * rounds are asked for than principles match, the draw starts again with a derived seed, so every
 * principle is used once before any is used twice.
 */
export function chainPrinciples(constitution: CritiqueConstitution, settings: CritiqueSettings): PrincipleRequests[] {
  const principles = principlesOf(constitution);
  if (settings.principleIds !== undefined) {
    return settings.principleIds.map((id, index) => {
      const found = principles.find((p) => p.id === id);
      if (!found) throw new CritiqueSettingsError([`principleIds[${index}]: the constitution has no principle "${id}"`]);
      if (found.critique === undefined || found.revision === undefined) {
        throw new CritiqueSettingsError([`principleIds[${index}]: principle "${id}" has no Critique and Revision requests`]);
      }
      return { id, critique: found.critique, revision: found.revision };
    });
  }
  const drawn: PrincipleData[] = [];
  for (let pass = 0; drawn.length < settings.rounds; pass++) {
    const seed = pass === 0 ? String(settings.seed) : `${settings.seed}#${pass}`;
    const result = samplePrinciples(principles, { k: settings.rounds - drawn.length, seed, purpose: 'critique', ...(settings.tags ? { tags: settings.tags } : {}) });
    if (result.principles.length === 0) {
      const tags = (settings.tags ?? []).filter((tag) => tag.trim() !== '');
      throw new CritiqueSettingsError([
        `no principle with Critique and Revision requests${tags.length > 0 ? ` and any of the tags ${tags.join(', ')}` : ''} in the constitution`,
      ]);
    }
    drawn.push(...result.principles);
  }
  return drawn.map((p) => ({ id: p.id, critique: p.critique as string, revision: p.revision as string }));
}

/**
 * Runs the chain. Throws CritiqueSettingsError for unusable settings or input, ModelCancelledError
 * when the signal aborts (nothing more is sent), FatalModelError when the critic's key is refused,
 * and CritiqueRoundError (naming the round and the principle) for any other failed round: a
 * chain never ends with a partial result.
 */
export async function critiqueRevise(
  input: CritiqueInput,
  critic: ChatModel,
  constitution: CritiqueConstitution,
  settings: CritiqueSettings,
  options: CritiqueOptions = {},
): Promise<CritiqueChain> {
  const problems = critiqueSettingsProblems(settings, input);
  if (problems.length > 0) throw new CritiqueSettingsError(problems);
  const { signal } = options;
  const stopWhenNothingToFix = settings.stopWhenNothingToFix ?? true;
  const principles = chainPrinciples(constitution, settings);
  const time = (options.now ?? (() => new Date()))();
  const throwIfCancelled = (): void => {
    if (signal?.aborted) throw new ModelCancelledError(critic.profile);
  };
  throwIfCancelled();

  const span = input.span ?? { start: 0, end: input.answer.length };
  const before = input.answer.slice(0, span.start);
  const after = input.answer.slice(span.end);
  const reviewed: ReviewedAnswer = { prompt: input.prompt, before, excerpt: input.answer.slice(span.start, span.end), after, partial: input.span !== undefined };
  const examples = settings.fewShot ?? [];

  const steps: ChainStep[] = [];
  const rounds: CritiqueRound[] = [];
  let current = input.answer;
  let stoppedEarly = false;
  for (const [index, principle] of principles.entries()) {
    const where = { round: index + 1, principle: principle.id };
    throwIfCancelled();
    const critiqueReply = await ask(critic, critiqueMessages(reviewed, steps, principle, examples), CRITIQUE_SCHEMA, settings, signal, { ...where, step: 'critique' });
    const critique = parseReply(critiqueReply, where, 'critique', (value) =>
      typeof value.critique === 'string' && typeof value.needsRevision === 'boolean' ? { critique: value.critique, needsRevision: value.needsRevision } : undefined,
    );
    const stop = !critique.needsRevision && stopWhenNothingToFix;
    let revisionReply: ChatResult | undefined;
    let revised: string | undefined;
    if (!stop) {
      throwIfCancelled();
      revisionReply = await ask(critic, revisionMessages(reviewed, steps, principle, critique, examples), REVISION_SCHEMA, settings, signal, { ...where, step: 'revision' });
      const text = parseReply(revisionReply, where, 'revision', (value) => (typeof value.revision === 'string' ? value.revision : undefined));
      if (!reviewed.partial && text.trim() === '') {
        throw new CritiqueRoundError(`round ${where.round} (principle "${where.principle}"): the critic's revision is empty`, where.round, where.principle, 'revision');
      }
      revised = text;
      current = before + text + after;
    }
    steps.push({ principle, critique: critique.critique, needsRevision: critique.needsRevision, revision: revised });
    const replies = revisionReply ? [critiqueReply, revisionReply] : [critiqueReply];
    const round: CritiqueRound = {
      principle: { id: principle.id, critique: principle.critique, revision: principle.revision },
      critique: critique.critique,
      needsRevision: critique.needsRevision,
      revision: revised === undefined ? undefined : current,
      profile: critic.profile,
      model: critic.model,
      costUsd: replies.every((r) => r.costUsd !== undefined) ? replies.reduce((sum, r) => sum + (r.costUsd ?? 0), 0) : undefined,
      cached: replies.every((r) => r.cached),
    };
    rounds.push(round);
    options.onRound?.(round, index);
    if (stop) {
      stoppedEarly = true;
      break;
    }
  }
  return {
    original: input.answer,
    final: current,
    rounds,
    stoppedEarly,
    seed: settings.seed,
    constitution: constitutionRecord(constitution, options),
    time: time.toISOString(),
  };
}

function principlesOf(constitution: CritiqueConstitution): readonly PrincipleData[] {
  return isDocument(constitution) ? constitution.principles : constitution;
}

function isDocument(constitution: CritiqueConstitution): constitution is ConstitutionDocument {
  return !Array.isArray(constitution);
}

function constitutionRecord(constitution: CritiqueConstitution, options: CritiqueOptions): CritiqueChain['constitution'] {
  const hashed = options.constitutionText ?? JSON.stringify(principlesOf(constitution).map(principleData));
  return {
    title: isDocument(constitution) ? constitution.sections[0]?.title : undefined,
    path: options.constitutionPath,
    sha256: createHash('sha256').update(hashed, 'utf8').digest('hex'),
  };
}

async function ask(
  critic: ChatModel,
  messages: ChatMessage[],
  schema: typeof CRITIQUE_SCHEMA,
  settings: CritiqueSettings,
  signal: AbortSignal | undefined,
  where: { round: number; principle: string; step: 'critique' | 'revision' },
): Promise<ChatResult> {
  const request: CompletionRequest = {
    messages,
    jsonSchema: { name: schema.name, schema: schema.schema, strict: true },
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.max_tokens !== undefined ? { max_tokens: settings.max_tokens } : {}),
  };
  try {
    return await critic.complete(request, { ...(signal ? { signal } : {}), ...(settings.cache ? { cache: settings.cache } : {}) });
  } catch (error) {
    if (error instanceof ModelCancelledError || error instanceof FatalModelError) throw error;
    if (signal?.aborted) throw new ModelCancelledError(critic.profile);
    const what = where.step === 'critique' ? 'critique' : 'revision';
    const message = error instanceof SchemaMismatchError
      ? `the critic's ${what} did not match the expected JSON (${error.attempts} attempts): ${error.problems.slice(0, 3).join('; ')}`
      : `the critic's ${what} request failed: ${error instanceof Error ? error.message : String(error)}`;
    throw new CritiqueRoundError(`round ${where.round} (principle "${where.principle}"): ${message}`, where.round, where.principle, where.step, { cause: error });
  }
}

/** The reply's JSON read by `pick`; the engine has checked it against the schema, this guards a cached or odd reply. */
function parseReply<T>(reply: ChatResult, where: { round: number; principle: string }, step: 'critique' | 'revision', pick: (value: Record<string, unknown>) => T | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(reply.content);
  } catch {
    value = undefined;
  }
  const picked = typeof value === 'object' && value !== null && !Array.isArray(value) ? pick(value as Record<string, unknown>) : undefined;
  if (picked === undefined) {
    throw new CritiqueRoundError(`round ${where.round} (principle "${where.principle}"): the critic's ${step} is not the expected JSON`, where.round, where.principle, step);
  }
  return picked;
}
