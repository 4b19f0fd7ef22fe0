/**
 * N-way judging of one row: its answers (the `distillery.candidates` that `generate --candidates`
 * writes, or a preference row's two) ranked by a tournament whose matches are
 * `judgePair` verdicts (both orders, k samples, an ensemble, as the settings say), rated by
 * Bradley–Terry. The row then gets `distillery.ranking` and its best answer (best of n) as its
 * answer; or it becomes preference rows `{prompt, chosen, rejected}` with the ratings' margin.
 */
import { finalAnswerText, toConversationRow, withAnswers, type Turn } from '../dataset/conversation';
import { isJsonObject } from '../dataset/jsonValue';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import { ROW_KIND_LABELS, type KnownRowKind } from '../dataset/rowKinds';
import { InputError } from '../errors/located';
import { preferenceRows, runTournament, type TournamentResult } from '../judging/tournament';
import { winProbability } from '../judging/bradleyTerry';
import type { ChatModel } from '../llm/chatModel';
import { ModelCancelledError } from '../llm/errors';
import { setMaxListeners } from 'node:events';
import { judgePair } from './judgePair';
import type { JudgeCriteria, JudgeSettings, PairVerdict, Verdict } from './judgeTypes';

/** Which pairs of a ranking become preference rows. */
export type PreferencePairs = 'best-vs-rest' | 'best-vs-worst' | 'all-pairs';
export const PREFERENCE_PAIRS: readonly PreferencePairs[] = ['best-vs-rest', 'best-vs-worst', 'all-pairs'];

/** A row's answers, read for ranking. */
export interface RankInput {
  readonly prompt: readonly Turn[];
  readonly answers: readonly string[];
  /** The model that wrote each answer, where known. */
  readonly authors: readonly (string | undefined)[];
  /** Each answer's `teacher` record, where the row has one (kept in preference rows' provenance). */
  readonly teachers: readonly (Record<string, unknown> | undefined)[];
  readonly kind: KnownRowKind;
  /** TRL's distinction: message lists (true) or plain text (false); preference rows keep it. */
  readonly conversational: boolean;
  readonly source: 'preference' | 'candidates';
}

/** One match of a ranking, as the row records it: answers by index, the pair's verdict in their terms. */
export interface RankedMatch {
  /** Shown as A. */
  readonly i: number;
  /** Shown as B. */
  readonly j: number;
  readonly round: number;
  /** 'A': answer i won; 'B': answer j won. */
  readonly winner: Verdict;
  readonly positionConsistent: boolean;
  readonly agreement: number;
  readonly pA: number | null;
}

/** What `distillery.ranking` holds. */
export interface CandidateRanking {
  readonly format: 'round-robin' | 'swiss';
  readonly answers: number;
  /** Bradley–Terry ratings on the Elo scale (1000 + 400·log10 strength), by answer index. */
  readonly ratings: readonly number[];
  /** Answer indices from the best. */
  readonly ranking: readonly number[];
  /** The best of n: the highest-rated answer's index. */
  readonly best: number;
  readonly matches: readonly RankedMatch[];
  readonly judges: readonly { readonly profile: string; readonly model: string }[];
  readonly criteria: JudgeCriteria;
  /** Judges whose model wrote some of the answers (a self-preference risk), with those answers. */
  readonly selfPreference: readonly { readonly judge: string; readonly model: string; readonly answers: readonly number[] }[];
  readonly time: string;
}

export interface RankResult {
  readonly ranking: CandidateRanking;
  readonly tournament: TournamentResult;
  readonly verdicts: readonly PairVerdict[];
  /** Judge calls answered from the cache. */
  readonly cached: number;
  readonly costUsd: number;
}

export interface RankOptions {
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
  /** Round-robin up to this many answers (8 by default), Swiss above. */
  readonly roundRobinUpTo?: number;
  /** Swiss rounds; ⌈log2 n⌉ + 1 by default. */
  readonly swissRounds?: number;
}

/**
 * The answers a row offers for ranking, or an InputError saying why it has none (naming the
 * field): every `distillery.candidates[i].content` when the row has at least two, else a paired
 * preference row's chosen and rejected.
 */
export function rankInputOf(row: unknown): RankInput {
  const read = toConversationRow(row);
  if (!read.ok) {
    const first = read.issues.find((i) => i.severity === 'error');
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new InputError(`the row cannot be read${first ? `${where}: ${first.message}` : ''}`);
  }
  const conversation = read.row;
  const base = { prompt: conversation.prompt, kind: conversation.kind, conversational: conversation.conversational };
  const metadata = isJsonObject(conversation.metadata) ? conversation.metadata : undefined;
  const candidates = metadata?.candidates;
  if (Array.isArray(candidates)) {
    if (candidates.length < 2) throw new InputError(`${DISTILLERY_KEY}.candidates: ranking takes at least 2 candidates, this row has ${candidates.length}`);
    const read = candidates.map((candidate, index) => {
      const content = isJsonObject(candidate) ? candidate.content : undefined;
      if (typeof content !== 'string') throw new InputError(`${DISTILLERY_KEY}.candidates[${index}].content: not a string`);
      const teacher = isJsonObject(candidate) && isJsonObject(candidate.teacher) ? (candidate.teacher as Record<string, unknown>) : undefined;
      return { content, teacher };
    });
    return {
      ...base,
      answers: read.map((c) => c.content),
      teachers: read.map((c) => c.teacher),
      authors: read.map((c) => modelOf(c.teacher)),
      source: 'candidates',
    };
  }
  if (conversation.chosen !== undefined && conversation.rejected !== undefined) {
    const a = finalAnswerText(conversation.chosen);
    const b = finalAnswerText(conversation.rejected);
    if (a === undefined) throw new InputError('chosen: the answer has no assistant text to judge');
    if (b === undefined) throw new InputError('rejected: the answer has no assistant text to judge');
    return { ...base, answers: [a, b], teachers: [undefined, undefined], authors: [undefined, undefined], source: 'preference' };
  }
  throw new InputError(`a ${ROW_KIND_LABELS[conversation.kind]} row has no answers to rank: give rows with ${DISTILLERY_KEY}.candidates or preference rows (chosen, rejected)`);
}

/** How many answers a row's `distillery.candidates` holds (0 when it has none): more than 2 makes it an n-way row. */
export function candidateCount(row: unknown): number {
  const metadata = isJsonObject(row) ? row[DISTILLERY_KEY] : undefined;
  const candidates = isJsonObject(metadata) ? metadata.candidates : undefined;
  return Array.isArray(candidates) ? candidates.length : 0;
}

/**
 * Ranks a row's answers. Every match is one `judgePair` call on the two answers with the same
 * criteria; the first failed match fails the whole row (the others are stopped), as a partial
 * ranking would mislead. Throws what judgePair throws.
 */
export async function rankCandidates(
  input: RankInput,
  judges: readonly ChatModel[],
  criteria: JudgeCriteria,
  settings: JudgeSettings,
  options: RankOptions = {},
): Promise<RankResult> {
  const time = (options.now ?? (() => new Date()))();
  const row = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, row.signal]) : row.signal;
  // Every judge call of the row listens to it.
  setMaxListeners(0, signal);
  // The tournament calls compare in the order it records its matches: call k is match k.
  const verdicts: PairVerdict[] = [];
  let calls = 0;
  let tournament: TournamentResult;
  try {
    tournament = await runTournament(
      input.answers.length,
      async (i, j) => {
        const call = calls++;
        const authors = { ...(input.authors[i] !== undefined ? { a: input.authors[i] } : {}), ...(input.authors[j] !== undefined ? { b: input.authors[j] } : {}) };
        try {
          const verdict = await judgePair({ prompt: input.prompt, a: input.answers[i] as string, b: input.answers[j] as string, authors }, judges, criteria, settings, { signal, ...(options.now ? { now: options.now } : {}) });
          verdicts[call] = verdict;
          return verdict.winner;
        } catch (error) {
          // Stop the row's other matches: the row fails with this error.
          row.abort(error);
          throw error;
        }
      },
      {
        signal,
        ...(options.roundRobinUpTo !== undefined ? { roundRobinUpTo: options.roundRobinUpTo } : {}),
        ...(options.swissRounds !== undefined ? { swissRounds: options.swissRounds } : {}),
      },
    );
  } catch (error) {
    if (options.signal?.aborted) throw new ModelCancelledError(judges[0]?.profile ?? 'judge');
    throw error;
  }
  const matches: RankedMatch[] = tournament.matches.map((m, k) => {
    const verdict = verdicts[k];
    if (verdict === undefined) throw new Error(`match ${k} (${m.i} vs ${m.j}) has no verdict`);
    return { i: m.i, j: m.j, round: m.round, winner: m.verdict, positionConsistent: verdict.positionConsistent, agreement: verdict.agreement, pA: verdict.pA ?? null };
  });
  const samples = verdicts.flatMap((v) => v.samples);
  return {
    ranking: {
      format: tournament.format,
      answers: tournament.answers,
      ratings: tournament.ratings.ratings.map((r) => Math.round(r * 10) / 10),
      ranking: tournament.ratings.ranking,
      best: tournament.best,
      matches,
      judges: judges.map((j) => ({ profile: j.profile, model: j.model })),
      criteria,
      selfPreference: selfPreferenceOf(judges, input.authors),
      time: time.toISOString(),
    },
    tournament,
    verdicts,
    cached: samples.filter((s) => s.cached).length,
    costUsd: samples.reduce((sum, s) => sum + (s.costUsd ?? 0), 0),
  };
}

/**
 * The row ranked: `distillery.ranking`, `distillery.best` (the best answer's index, rating and
 * teacher), and the best answer written as the row's answer in its own format (best of n) where
 * the format has a place for one. The row's other `distillery` fields stay; `source` (the key of
 * another run) and an earlier `judgement` go.
 */
export function rankedRow(row: Record<string, unknown>, input: RankInput, ranking: CandidateRanking): Record<string, unknown> {
  const best = ranking.best;
  const bestRecord = { index: best, rating: ranking.ratings[best] ?? null, ...(input.teachers[best] ? { teacher: input.teachers[best] } : {}) };
  return withBestAnswer(row, input, best, { ranking, best: bestRecord });
}

/**
 * The row with answer `best` written as its answer (for a candidates row whose format has a place
 * for it) and `extra` merged into its `distillery` (without `source` and `judgement`). Shared by
 * ranking and by rubric scoring's best of n.
 */
export function withBestAnswer(row: Record<string, unknown>, input: RankInput, best: number, extra: Record<string, unknown>): Record<string, unknown> {
  let value = row;
  if (input.source === 'candidates') {
    const written = withAnswers(row, input.kind, { completion: input.answers[best] as string });
    if (written.ok) value = written.value;
  }
  const { source: _source, judgement: _judgement, ...kept } = isJsonObject(value[DISTILLERY_KEY]) ? (value[DISTILLERY_KEY] as Record<string, unknown>) : {};
  return { ...value, [DISTILLERY_KEY]: { ...kept, ...extra } };
}

export interface PreferenceRowSettings {
  readonly pairs: PreferencePairs;
  /** Only pairs whose margin is above this (0 by default: equal ratings give no row). */
  readonly minMargin?: number;
}

/**
 * Preference rows from a ranking, in TRL's form (message lists for a conversational row, plain
 * strings otherwise): the higher-rated answer of each pair chosen. Each carries
 * `distillery.margin` (the log-odds that chosen beats rejected under the ratings), the two
 * answers' indices and ratings, the judges and criteria, and the teachers where known.
 */
export function rankedPreferenceRows(input: RankInput, result: RankResult, settings: PreferenceRowSettings): Record<string, unknown>[] {
  const indices = input.answers.map((_, index) => index);
  const pairs = settings.pairs === 'all-pairs' ? 'all' : settings.pairs;
  const { ranking, tournament } = result;
  const minMargin = settings.minMargin ?? 0;
  // The margin is kept to 4 decimals; one that rounds to the minimum (equal ratings up to float error) gives no row.
  return preferenceRows(input.prompt, indices, tournament, { pairs, minMargin }).filter((pair) => round(pair.margin, 4) > minMargin).map((pair) => {
    const chosen = pair.chosen;
    const rejected = pair.rejected;
    const metadata = {
      provenance: 'synthetic',
      margin: round(pair.margin, 4),
      preference: {
        pairs: settings.pairs,
        chosen: chosen,
        rejected: rejected,
        ratings: [ranking.ratings[chosen], ranking.ratings[rejected]],
        pChosen: round(winProbability(tournament.ratings, chosen, rejected), 4),
        answers: ranking.answers,
        format: ranking.format,
        judges: ranking.judges,
        criteria: ranking.criteria,
        time: ranking.time,
      },
      ...(input.teachers[chosen] ? { teacher: input.teachers[chosen] } : {}),
      ...(input.teachers[rejected] ? { rejectedTeacher: input.teachers[rejected] } : {}),
    };
    const chosenText = input.answers[chosen] as string;
    const rejectedText = input.answers[rejected] as string;
    if (input.conversational) {
      const answer = (content: string) => [{ role: 'assistant', content }];
      return { prompt: input.prompt.map(message), chosen: answer(chosenText), rejected: answer(rejectedText), [DISTILLERY_KEY]: metadata };
    }
    const prompt = input.prompt.filter((turn) => turn.role !== 'system').map((turn) => turn.content).join('\n\n');
    return { prompt, chosen: chosenText, rejected: rejectedText, [DISTILLERY_KEY]: metadata };
  });
}

function selfPreferenceOf(judges: readonly ChatModel[], authors: readonly (string | undefined)[]): CandidateRanking['selfPreference'] {
  const same = (model: string, author: string | undefined): boolean => author !== undefined && author.trim().toLowerCase() === model.trim().toLowerCase();
  return judges.flatMap((judge) => {
    const answers = authors.flatMap((author, index) => (same(judge.model, author) ? [index] : []));
    return answers.length > 0 ? [{ judge: judge.profile, model: judge.model, answers }] : [];
  });
}

function modelOf(teacher: unknown): string | undefined {
  const model = isJsonObject(teacher) ? teacher.model : undefined;
  return typeof model === 'string' && model.trim() !== '' ? model : undefined;
}

function message(turn: Turn): Record<string, string> {
  return turn.name === undefined ? { role: turn.role, content: turn.content } : { role: turn.role, content: turn.content, name: turn.name };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
