/**
 * Rubric scoring over a whole file: the row-batch runner with `scoreAnswer` as the work for each
 * input row. Every answer a row has is graded 1–5 on each rubric (with a rationale) and the grades
 * make a weighted reward at `distillery.score`:
 * - an SFT row (chat, ShareGPT, Alpaca, prompt/completion, KTO): its answer;
 * - a preference row: chosen (`distillery.score`) and rejected (`distillery.rejectedScore`), and
 *   `distillery.rewardMargin`, chosen's reward minus rejected's;
 * - a candidates row (`distillery.candidates`): each candidate (its `score`), and the best by
 *   reward (the first of equals) written as the row's answer, best of n, at `distillery.best`.
 * With a threshold, a row whose reward (chosen's, the best candidate's) is below it is not
 * written: counted as filtered, not failed. Such a row leaves nothing in the output, so a resumed
 * run grades it again, from the response cache.
 */
import type { RubricData } from '../constitution/types';
import { finalAnswerText, toConversationRow, type Turn } from '../dataset/conversation';
import { isJsonObject } from '../dataset/jsonValue';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import { ROW_KIND_LABELS } from '../dataset/rowKinds';
import { InputError } from '../errors/located';
import type { CacheMode, ChatModel } from '../llm/chatModel';
import type { ScoreResult } from '../tasks/judgeTypes';
import { rankInputOf, withBestAnswer } from '../tasks/rankCandidates';
import { RubricSettingsError, rubricSettingsProblems, scoreAnswer } from '../tasks/rubricScore';
import { runRowBatch, type RowProcessor } from './rowBatch';
import type { BatchProgress, BatchSummary } from './types';

export interface ScoreSettings {
  readonly temperature?: number;
  readonly seed?: number;
  readonly max_tokens?: number;
  readonly cache?: CacheMode;
}

export interface ScoreBatchOptions {
  readonly input: string;
  /** How messages name the input file; its path by default. */
  readonly inputName?: string;
  readonly output: string;
  readonly judge: ChatModel;
  /** Where the rubrics come from (a parsed constitution). */
  readonly constitution: { readonly rubrics: readonly RubricData[] };
  /** Rubric ids to grade on; every rubric of the constitution by default. */
  readonly rubrics?: readonly string[];
  /** Weight of each rubric by id in the reward; 1 for those not named. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Write only rows whose reward is at least this (1–5); every row by default. */
  readonly threshold?: number;
  readonly settings?: ScoreSettings;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Only these input lines (1-based). */
  readonly selectLines?: (line: number) => boolean;
  /** Input rows in flight at once (32 by default); the engine queues their calls per profile. */
  readonly concurrency?: number;
  /** Applied to every error message written or returned. */
  readonly redact?: (text: string) => string;
  readonly now?: () => Date;
}

export interface ScoreBatchSummary extends BatchSummary {
  /** Rows scored in this run whose reward was below the threshold (not written). */
  readonly filtered: number;
  /** Answers graded in this run (a preference row has two, a candidates row one per candidate). */
  readonly answers: number;
  /** Mean reward of the rows scored in this run (chosen's, the best candidate's); undefined when none. */
  readonly meanReward: number | undefined;
}

/** The rubrics a run grades on; RubricSettingsError naming the field when they, the weights or the threshold cannot work. */
export function scoreRubrics(options: Pick<ScoreBatchOptions, 'constitution' | 'rubrics' | 'weights' | 'threshold'>): RubricData[] {
  const known = options.constitution.rubrics;
  const problems: string[] = [];
  let chosen: RubricData[];
  if (options.rubrics === undefined) {
    chosen = [...known];
  } else {
    chosen = [];
    options.rubrics.forEach((id, index) => {
      const rubric = known.find((r) => r.id === id);
      if (!rubric) problems.push(`rubrics[${index}]: the constitution has no rubric "${id}" (${known.length > 0 ? `known: ${known.map((r) => r.id).join(', ')}` : 'it has none'})`);
      else if (chosen.includes(rubric)) problems.push(`rubrics[${index}]: "${id}" is listed twice`);
      else chosen.push(rubric);
    });
  }
  if (problems.length === 0) problems.push(...rubricSettingsProblems(chosen, options.weights));
  if (options.threshold !== undefined && !(Number.isFinite(options.threshold) && options.threshold >= 1 && options.threshold <= 5)) {
    problems.push(`threshold: must be a number from 1 to 5, not ${String(options.threshold)}`);
  }
  if (problems.length > 0) throw new RubricSettingsError(problems);
  return chosen;
}

/**
 * Runs the batch. Throws RubricSettingsError before anything is sent when the rubrics, weights or
 * threshold cannot work for any row.
 */
export async function runScoreBatch(options: ScoreBatchOptions): Promise<ScoreBatchSummary> {
  const rubrics = scoreRubrics(options);
  const settings = options.settings ?? {};
  let filtered = 0;
  let answers = 0;
  let scoredRows = 0;
  let rewardSum = 0;

  const process: RowProcessor = async (row, _inputKey, signal) => {
    const target = scoreTargetOf(row.value);
    // Each row counts its own calls through its own view of the judge.
    let cached = 0;
    let costUsd = 0;
    const judge: ChatModel = {
      profile: options.judge.profile,
      model: options.judge.model,
      sampling: options.judge.sampling,
      async complete(request, callOptions) {
        const reply = await options.judge.complete(request, callOptions);
        if (reply.cached) cached++;
        costUsd += reply.costUsd ?? 0;
        return reply;
      },
    };
    const results = await Promise.all(target.answers.map((answer) => scoreAnswer(target.prompt, answer, rubrics, judge, {
      signal,
      ...(options.weights ? { weights: options.weights } : {}),
      ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
      ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
      ...(settings.max_tokens !== undefined ? { max_tokens: settings.max_tokens } : {}),
      ...(settings.cache ? { cache: settings.cache } : {}),
      ...(options.now ? { now: options.now } : {}),
    })));
    const { row: written, reward } = scoredRow(row.value, target, results);
    answers += results.length;
    scoredRows++;
    rewardSum += reward;
    if (options.threshold !== undefined && reward < options.threshold) {
      filtered++;
      return { rows: [], cached, costUsd };
    }
    return { rows: [written], cached, costUsd };
  };
  const summary = await runRowBatch({
    input: options.input,
    output: options.output,
    process,
    ...(options.selectLines ? { selectLines: options.selectLines } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.redact ? { redact: options.redact } : {}),
    ...(options.inputName !== undefined ? { inputName: options.inputName } : {}),
  });
  return { ...summary, filtered, answers, meanReward: scoredRows > 0 ? rewardSum / scoredRows : undefined };
}

/** What one row offers for grading. */
type ScoreTarget =
  | { readonly kind: 'answer'; readonly prompt: readonly Turn[]; readonly answers: readonly [string] }
  | { readonly kind: 'preference'; readonly prompt: readonly Turn[]; readonly answers: readonly [string, string] }
  | { readonly kind: 'candidates'; readonly prompt: readonly Turn[]; readonly answers: readonly string[]; readonly rank: ReturnType<typeof rankInputOf> };

/** The answers of a row, or an InputError saying why it has none (naming the field). */
export function scoreTargetOf(row: unknown): ScoreTarget {
  const read = toConversationRow(row);
  if (!read.ok) {
    const first = read.issues.find((i) => i.severity === 'error');
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new InputError(`the row cannot be read${first ? `${where}: ${first.message}` : ''}`);
  }
  const conversation = read.row;
  const metadata = isJsonObject(conversation.metadata) ? conversation.metadata : undefined;
  if (Array.isArray(metadata?.candidates)) {
    const candidates = metadata.candidates;
    if (candidates.length === 0) throw new InputError(`${DISTILLERY_KEY}.candidates: the list is empty, nothing to score`);
    if (candidates.length === 1) {
      const only = candidates[0];
      const content = isJsonObject(only) ? only.content : undefined;
      if (typeof content !== 'string') throw new InputError(`${DISTILLERY_KEY}.candidates[0].content: not a string`);
      const rank = { prompt: conversation.prompt, answers: [content], authors: [undefined], teachers: [undefined], kind: conversation.kind, conversational: conversation.conversational, source: 'candidates' as const };
      return { kind: 'candidates', prompt: conversation.prompt, answers: [content], rank };
    }
    const rank = rankInputOf(row);
    return { kind: 'candidates', prompt: rank.prompt, answers: rank.answers, rank };
  }
  if (conversation.chosen !== undefined && conversation.rejected !== undefined) {
    const chosen = finalAnswerText(conversation.chosen);
    const rejected = finalAnswerText(conversation.rejected);
    if (chosen === undefined) throw new InputError('chosen: the answer has no assistant text to score');
    if (rejected === undefined) throw new InputError('rejected: the answer has no assistant text to score');
    return { kind: 'preference', prompt: conversation.prompt, answers: [chosen, rejected] };
  }
  const completion = conversation.completion;
  const answer = finalAnswerText(completion);
  if (completion === undefined || answer === undefined) {
    throw new InputError(`a ${ROW_KIND_LABELS[conversation.kind]} row has no answer to score: give SFT rows, preference rows or rows with ${DISTILLERY_KEY}.candidates`);
  }
  // Turns of the answer before its last assistant turn (tool calls and results) are context.
  let last = completion.length - 1;
  while (last >= 0 && completion[last]?.role !== 'assistant') last--;
  return { kind: 'answer', prompt: [...conversation.prompt, ...completion.slice(0, Math.max(0, last))], answers: [answer] };
}

/** The row with its scores, and the reward the threshold applies to. */
function scoredRow(row: Record<string, unknown>, target: ScoreTarget, results: readonly ScoreResult[]): { row: Record<string, unknown>; reward: number } {
  const meta = isJsonObject(row[DISTILLERY_KEY]) ? (row[DISTILLERY_KEY] as Record<string, unknown>) : {};
  const { source: _source, ...kept } = meta;
  if (target.kind === 'answer') {
    const score = results[0] as ScoreResult;
    return { row: { ...row, [DISTILLERY_KEY]: { ...kept, score } }, reward: score.reward };
  }
  if (target.kind === 'preference') {
    const chosen = results[0] as ScoreResult;
    const rejected = results[1] as ScoreResult;
    return {
      row: { ...row, [DISTILLERY_KEY]: { ...kept, score: chosen, rejectedScore: rejected, rewardMargin: chosen.reward - rejected.reward } },
      reward: chosen.reward,
    };
  }
  let best = 0;
  results.forEach((result, index) => {
    if (result.reward > (results[best] as ScoreResult).reward) best = index;
  });
  const candidates = (kept.candidates as unknown[]).map((candidate, index) => (isJsonObject(candidate) ? { ...candidate, score: results[index] } : candidate));
  const withScores = { ...row, [DISTILLERY_KEY]: { ...kept, candidates } };
  const score = results[best] as ScoreResult;
  const teacher = target.rank.teachers[best];
  return {
    row: withBestAnswer(withScores, target.rank, best, { score, best: { index: best, reward: score.reward, by: 'reward', ...(teacher ? { teacher } : {}) } }),
    reward: score.reward,
  };
}
