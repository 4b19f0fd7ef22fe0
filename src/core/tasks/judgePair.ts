/**
 * Pairwise judging (AI feedback, RLAIF) with the judge's known biases controlled: which of two
 * answers to the same conversation is better against the criteria (principles' Compare
 * questions, a rubric's criterion, or a default helpfulness/harmlessness question).
 *
 * - Position bias: asked in both orders by default; when the orders' labels disagree the final
 *   label is a tie, flagged `positionConsistent: false`.
 * - Inconsistency: k samples per order and judge, each with its own seed; a majority vote decides,
 *   and `agreement` says how many samples agree with the final label.
 * - Ensembles: each judge's majority in an order is its vote; the judges' plurality is the order's
 *   label (a split vote is a tie).
 * - Self-preference: a judge whose model wrote one of the answers is listed in `selfPreference`.
 * - Log-probabilities: where the endpoint gives them, P(A better) from the verdict token,
 *   averaged over every sample of both orders.
 *
 * Every verdict is structured output (`VERDICT_SCHEMA`), checked; a reply that breaks it after the
 * engine's re-asks fails the whole pair (JudgeCallError), never becomes a verdict.
 */
import type { ConstitutionDocument, PrincipleData, RubricData } from '../constitution/types';
import { samplePrinciples } from '../constitution/sample';
import type { Turn } from '../dataset/conversation';
import { InputError } from '../errors/located';
import type { ChatModel, ChatResult } from '../llm/chatModel';
import type { CompletionRequest, TokenLogprob } from '../llm/client';
import { FatalModelError, ModelCancelledError, SchemaMismatchError } from '../llm/errors';
import { VERDICT_SCHEMA, judgeMessages } from './judgePrompts';
import type { JudgeCriteria, JudgeSample, JudgeSettings, PairVerdict, Verdict } from './judgeTypes';

export interface JudgePairInput {
  /** The conversation both answers reply to. */
  readonly prompt: readonly Turn[];
  /** The row's answer A (a preference row's `chosen`). */
  readonly a: string;
  /** The row's answer B (a preference row's `rejected`). */
  readonly b: string;
  /** The models that wrote the answers, where known (for the self-preference warning). */
  readonly authors?: { readonly a?: string; readonly b?: string };
}

export interface JudgePairOptions {
  readonly signal?: AbortSignal;
  /** The clock for the verdict's time; `new Date()` by default. */
  readonly now?: () => Date;
}

/** Settings or input that cannot work; every problem is listed, each naming its field. */
export class JudgeSettingsError extends InputError {
  constructor(readonly problems: readonly string[]) {
    super(`judge settings: ${problems.join('; ')}`);
    this.name = 'JudgeSettingsError';
  }
}

/** One judging call failed (its reply broke the verdict schema after the engine's re-asks, or the call failed): the pair has no verdict. */
export class JudgeCallError extends Error {
  constructor(
    message: string,
    readonly judge: string,
    readonly order: 'AB' | 'BA',
    readonly sample: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JudgeCallError';
  }
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = { samples: 1, bothOrders: true, logprobs: true };

/** Alternatives asked for at each token when log-probabilities are wanted. */
const TOP_LOGPROBS = 5;

/** Problems with settings and judges, each naming its field; empty when fine. */
export function judgeSettingsProblems(settings: JudgeSettings, judges: readonly ChatModel[]): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(settings.samples) || settings.samples < 1) problems.push(`samples must be a whole number ≥ 1, not ${String(settings.samples)}`);
  if (settings.seed !== undefined && !Number.isSafeInteger(settings.seed)) problems.push(`seed must be a whole number, not ${String(settings.seed)}`);
  if (settings.temperature !== undefined && !(settings.temperature >= 0 && settings.temperature <= 2)) problems.push(`temperature must be from 0 to 2, not ${String(settings.temperature)}`);
  if (settings.max_tokens !== undefined && !(Number.isInteger(settings.max_tokens) && settings.max_tokens >= 1)) problems.push(`max_tokens must be a whole number ≥ 1, not ${String(settings.max_tokens)}`);
  if (judges.length === 0) problems.push('judges: at least one judge is needed');
  const names = judges.map((j) => j.profile);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) problems.push(`judges: profile "${repeated}" is listed twice`);
  return problems;
}

/**
 * Judges one pair. Throws JudgeSettingsError for unusable settings, ModelCancelledError when the
 * signal aborts, FatalModelError when a judge's key is refused, and JudgeCallError (naming the
 * judge, the order and the sample) for any other failed call: never a partial verdict.
 */
export async function judgePair(
  input: JudgePairInput,
  judges: readonly ChatModel[],
  criteria: JudgeCriteria,
  settings: JudgeSettings,
  options: JudgePairOptions = {},
): Promise<PairVerdict> {
  const problems = judgeSettingsProblems(settings, judges);
  if (problems.length > 0) throw new JudgeSettingsError(problems);
  const { signal } = options;
  const time = (options.now ?? (() => new Date()))();
  const cancelled = (): ModelCancelledError => new ModelCancelledError(judges[0]?.profile ?? 'judge');
  if (signal?.aborted) throw cancelled();

  const orders: readonly ('AB' | 'BA')[] = settings.bothOrders ? ['AB', 'BA'] : ['AB'];
  const calls: Promise<JudgeSample>[] = [];
  for (const judge of judges) {
    for (const order of orders) {
      for (let sample = 0; sample < settings.samples; sample++) calls.push(judgeOnce(input, judge, criteria, settings, order, sample, signal));
    }
  }
  // Every call runs to its end (the engine queues them per profile), so a failure reports the first in order.
  const outcomes = await Promise.allSettled(calls);
  if (signal?.aborted) throw cancelled();
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  const stop = failures.find((e) => e instanceof ModelCancelledError) ?? failures.find((e) => e instanceof FatalModelError) ?? failures[0];
  if (stop !== undefined) throw stop;
  const samples = outcomes.map((o) => (o as PromiseFulfilledResult<JudgeSample>).value);

  const orderLabels = orders.map((order) => majority(judges.map((judge) => majority(samples.filter((s) => s.judge === judge.profile && s.order === order).map((s) => s.verdict)))));
  const positionConsistent = orderLabels.every((label) => label === orderLabels[0]);
  const winner: Verdict = positionConsistent ? orderLabels[0] ?? 'tie' : 'tie';
  const withP = samples.filter((s) => s.pA !== undefined);
  return {
    winner,
    positionConsistent,
    agreement: samples.filter((s) => s.verdict === winner).length / samples.length,
    pA: withP.length > 0 ? withP.reduce((sum, s) => sum + (s.pA ?? 0), 0) / withP.length : undefined,
    selfPreference: selfPreferenceOf(judges, input.authors),
    lengthDifference: characters(input.a) - characters(input.b),
    judges: judges.map((j) => ({ profile: j.profile, model: j.model })),
    criteria,
    samples,
    time: time.toISOString(),
  };
}

/** The plurality label; a tie for first place (or no votes) is a tie. */
export function majority(votes: readonly Verdict[]): Verdict {
  const counts = { A: 0, B: 0, tie: 0 };
  for (const vote of votes) counts[vote]++;
  const top = Math.max(counts.A, counts.B, counts.tie);
  const leaders = (['A', 'B', 'tie'] as const).filter((label) => counts[label] === top);
  return leaders.length === 1 ? (leaders[0] as Verdict) : 'tie';
}

/** One call: the pair in `order`, sample `sample`, its verdict checked and mapped back to the row's labels. */
async function judgeOnce(
  input: JudgePairInput,
  judge: ChatModel,
  criteria: JudgeCriteria,
  settings: JudgeSettings,
  order: 'AB' | 'BA',
  sample: number,
  signal: AbortSignal | undefined,
): Promise<JudgeSample> {
  const [first, second] = order === 'AB' ? [input.a, input.b] : [input.b, input.a];
  // Each sample its own seed, or k samples of a seeded judge would all be the same verdict.
  const seed = (settings.seed ?? judge.sampling.seed ?? 0) + sample;
  const request: CompletionRequest = {
    messages: judgeMessages(input.prompt, first, second, criteria),
    jsonSchema: { name: VERDICT_SCHEMA.name, schema: VERDICT_SCHEMA.schema, strict: true },
    seed,
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.max_tokens !== undefined ? { max_tokens: settings.max_tokens } : {}),
    ...(settings.logprobs ? { logprobs: true, top_logprobs: TOP_LOGPROBS } : {}),
  };
  const where = `judge "${judge.profile}", order ${order}, sample ${sample + 1}`;
  let reply: ChatResult;
  try {
    reply = await judge.complete(request, { sample, ...(signal ? { signal } : {}), ...(settings.cache ? { cache: settings.cache } : {}) });
  } catch (error) {
    if (error instanceof ModelCancelledError || error instanceof FatalModelError) throw error;
    if (signal?.aborted) throw new ModelCancelledError(judge.profile);
    const message = error instanceof SchemaMismatchError
      ? `the verdict did not match the expected JSON (${error.attempts} attempts): ${error.problems.slice(0, 3).join('; ')}`
      : `the request failed: ${error instanceof Error ? error.message : String(error)}`;
    throw new JudgeCallError(`${where}: ${message}`, judge.profile, order, sample, { cause: error });
  }
  const parsed = parseVerdict(reply.content);
  if (typeof parsed === 'string') throw new JudgeCallError(`${where}: the verdict is not the expected JSON: ${parsed}`, judge.profile, order, sample);
  const shownAWins = reply.logprobs ? probabilityFirstWins(reply.content, reply.logprobs) : undefined;
  return {
    judge: judge.profile,
    model: judge.model,
    order,
    sample,
    verdict: order === 'AB' ? parsed.winner : swap(parsed.winner),
    confidence: parsed.confidence,
    reasoning: parsed.reasoning,
    pA: shownAWins === undefined ? undefined : order === 'AB' ? shownAWins : 1 - shownAWins,
    cached: reply.cached,
    costUsd: reply.costUsd,
  };
}

/**
 * The verdict in a reply, or what is wrong with it. The engine has checked the schema's shape;
 * this also holds a cached or odd reply to it, and checks the confidence's range, which the
 * engine's structural check does not.
 */
export function parseVerdict(content: string): { reasoning: string; winner: Verdict; confidence: number } | string {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const { reasoning, winner, confidence } = value as Record<string, unknown>;
  if (typeof reasoning !== 'string') return '"reasoning" is not a string';
  if (winner !== 'A' && winner !== 'B' && winner !== 'tie') return `"winner" is ${JSON.stringify(winner) ?? 'missing'}, not "A", "B" or "tie"`;
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    return `"confidence" is ${JSON.stringify(confidence) ?? 'missing'}, not a number from 0 to 1`;
  }
  return { reasoning, winner, confidence };
}

/**
 * P(the answer shown first is better) from the verdict token's alternatives: the token where the
 * value of "winner" starts, its top alternatives read as A, B or tie (a tie counts half for each),
 * P = (p(A) + p(tie)/2) / (p(A) + p(B) + p(tie)). Undefined when the token or its alternatives
 * cannot be found.
 */
export function probabilityFirstWins(content: string, logprobs: readonly TokenLogprob[]): number | undefined {
  // A quote inside a JSON string is escaped, so an unescaped `"winner":` is the key itself.
  const key = /"winner"\s*:\s*"/.exec(content);
  if (!key) return undefined;
  const valueAt = key.index + key[0].length;
  let offset = 0;
  let token: TokenLogprob | undefined;
  for (const entry of logprobs) {
    const end = offset + entry.token.length;
    if (valueAt >= offset && valueAt < end) {
      token = entry;
      break;
    }
    offset = end;
  }
  if (!token) return undefined;
  const mass = { A: 0, B: 0, tie: 0 };
  const seen = new Set<string>();
  for (const alternative of token.top.length > 0 ? token.top : [{ token: token.token, logprob: token.logprob }]) {
    const label = verdictLabelOf(alternative.token);
    if (label === undefined || seen.has(alternative.token)) continue;
    seen.add(alternative.token);
    mass[label] += Math.exp(alternative.logprob);
  }
  const total = mass.A + mass.B + mass.tie;
  if (!(total > 0) || mass.A + mass.B === 0) return undefined;
  return (mass.A + mass.tie / 2) / total;
}

/** A verdict token's text (perhaps with a quote or a space around it, or cut short as "t"/"ti") read as a label. */
function verdictLabelOf(token: string): Verdict | undefined {
  const bare = token.replace(/^[\s"]+|[\s",}]+$/g, '').toLowerCase();
  if (bare === 'a') return 'A';
  if (bare === 'b') return 'B';
  if (bare === 'tie' || bare === 'ti' || bare === 't') return 'tie';
  return undefined;
}

function swap(verdict: Verdict): Verdict {
  return verdict === 'A' ? 'B' : verdict === 'B' ? 'A' : 'tie';
}

function selfPreferenceOf(judges: readonly ChatModel[], authors: JudgePairInput['authors']): PairVerdict['selfPreference'] {
  const same = (model: string, author: string | undefined): boolean => author !== undefined && author.trim().toLowerCase() === model.trim().toLowerCase();
  const found: { judge: string; model: string; answer: 'A' | 'B' }[] = [];
  for (const judge of judges) {
    if (same(judge.model, authors?.a)) found.push({ judge: judge.profile, model: judge.model, answer: 'A' });
    if (same(judge.model, authors?.b)) found.push({ judge: judge.profile, model: judge.model, answer: 'B' });
  }
  return found;
}

/** Characters as a person counts them (code points, not UTF-16 units). */
function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** How the criteria are chosen from a constitution. */
export type CriteriaChoice =
  | { readonly kind: 'principles'; readonly count: number; readonly seed: string; readonly tags?: readonly string[] }
  | { readonly kind: 'rubric'; readonly id: string };

/**
 * The criteria of one comparison: `count` principles with a Compare question drawn by weight with
 * `seed` (CAI phase 2 draws afresh for each comparison), or one rubric's criterion. Throws
 * JudgeSettingsError, naming the id or the filter, when nothing fits.
 */
export function judgeCriteria(constitution: ConstitutionDocument | { readonly principles: readonly PrincipleData[]; readonly rubrics: readonly RubricData[] }, choice: CriteriaChoice): JudgeCriteria {
  if (choice.kind === 'rubric') {
    const rubric = constitution.rubrics.find((r) => r.id === choice.id);
    if (!rubric) {
      const known = constitution.rubrics.map((r) => r.id);
      throw new JudgeSettingsError([`rubric: the constitution has no rubric "${choice.id}" (${known.length > 0 ? `known: ${known.join(', ')}` : 'it has none'})`]);
    }
    if (rubric.criterion === undefined || rubric.criterion.trim() === '') throw new JudgeSettingsError([`rubric: "${choice.id}" has no Criterion`]);
    return { kind: 'rubric', id: rubric.id, criterion: rubric.criterion };
  }
  if (!Number.isInteger(choice.count) || choice.count < 1) throw new JudgeSettingsError([`principles must be a whole number ≥ 1, not ${String(choice.count)}`]);
  const drawn = samplePrinciples(constitution.principles, { k: choice.count, seed: choice.seed, purpose: 'compare', ...(choice.tags ? { tags: choice.tags } : {}) });
  if (drawn.principles.length === 0) {
    const tags = (choice.tags ?? []).filter((tag) => tag.trim() !== '');
    throw new JudgeSettingsError([`principles: the constitution has no principle with a Compare question${tags.length > 0 ? ` and any of the tags ${tags.join(', ')}` : ''}`]);
  }
  return { kind: 'principles', ids: drawn.principles.map((p) => p.id), questions: drawn.principles.map((p) => p.compare as string) };
}
