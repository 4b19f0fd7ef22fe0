// What the verdict panel shows for one row, from the row's text: its two answers, its
// `distillery.judgement` and its `distillery.human` label. Pure (no `vscode` import) so unit
// tests check it directly.
import { isJsonObject } from '../../core/dataset/jsonValue';
import { DISTILLERY_KEY } from '../../core/dataset/rowEdit';
import { judgeInputOf } from '../../core/tasks/judgeRows';
import type { HumanLabel, PairVerdict, ScoreResult, Verdict } from '../../core/tasks/judgeTypes';
import { rowScore } from '../../core/tasks/rubricScore';
import type { JudgementView, RowScoreView, RowVerdictView, ScoreSetView } from '../../webview/verdict/protocol';
import { scoreTargetOf } from '../scoring/scoredRow';
import { criteriaWords } from './judgeCriteriaWords';

const VERDICTS: readonly Verdict[] = ['A', 'B', 'tie'];

function isVerdict(value: unknown): value is Verdict {
  return typeof value === 'string' && (VERDICTS as readonly string[]).includes(value);
}

function metadataOf(row: unknown): Record<string, unknown> | undefined {
  if (!isJsonObject(row)) return undefined;
  const metadata = row[DISTILLERY_KEY];
  return isJsonObject(metadata) ? (metadata as Record<string, unknown>) : undefined;
}

/** The row's human label, when it has a well-formed one. */
export function humanLabelOf(row: unknown): HumanLabel | undefined {
  const human = metadataOf(row)?.human;
  if (!isJsonObject(human) || !isVerdict(human.winner)) return undefined;
  return { winner: human.winner, by: typeof human.by === 'string' ? human.by : 'unknown', time: typeof human.time === 'string' ? human.time : '' };
}

/** The row's verdict as the panel shows it; undefined when the row has none it can read. */
export function judgementViewOf(row: unknown): JudgementView | undefined {
  const judgement = metadataOf(row)?.judgement;
  if (!isJsonObject(judgement) || !isVerdict(judgement.winner) || !Array.isArray(judgement.samples)) return undefined;
  const verdict = judgement as unknown as PairVerdict;
  const samples = verdict.samples.filter((s) => isJsonObject(s) && isVerdict(s.verdict));
  return {
    winner: verdict.winner,
    positionConsistent: verdict.positionConsistent !== false,
    agreement: typeof verdict.agreement === 'number' ? verdict.agreement : 0,
    ...(typeof verdict.pA === 'number' ? { pA: verdict.pA } : {}),
    lengthDifference: typeof verdict.lengthDifference === 'number' ? verdict.lengthDifference : 0,
    judges: Array.isArray(verdict.judges) ? verdict.judges.map((j) => `${String(j.profile)} (${String(j.model)})`) : [],
    selfPreference: Array.isArray(verdict.selfPreference) ? verdict.selfPreference.map((s) => `${String(s.judge)} (${String(s.model)}) also wrote answer ${String(s.answer)}`) : [],
    criteria: isJsonObject(verdict.criteria) ? criteriaWords(verdict.criteria) : 'unknown',
    samples: samples.map((s) => ({
      judge: String(s.judge),
      model: String(s.model),
      order: s.order === 'BA' ? 'BA' : 'AB',
      sample: (typeof s.sample === 'number' ? s.sample : 0) + 1,
      verdict: s.verdict,
      ...(typeof s.confidence === 'number' ? { confidence: s.confidence } : {}),
      reasoning: typeof s.reasoning === 'string' ? s.reasoning : '',
      ...(typeof s.pA === 'number' ? { pA: s.pA } : {}),
    })),
    time: typeof verdict.time === 'string' ? verdict.time : '',
  };
}

function scoreSetView(result: ScoreResult): ScoreSetView {
  const scores = Array.isArray(result.scores) ? result.scores.filter((s) => isJsonObject(s) && typeof s.score === 'number') : [];
  return {
    reward: result.reward,
    scores: scores.map((s) => ({
      rubric: String(s.rubric),
      criterion: typeof s.criterion === 'string' ? s.criterion : '',
      score: s.score,
      rationale: typeof s.rationale === 'string' ? s.rationale : '',
      judge: `${String(s.judge)} (${String(s.model)})`,
      weight: typeof s.weight === 'number' ? s.weight : 1,
    })),
    time: typeof result.time === 'string' ? result.time : '',
  };
}

/** The row's `distillery.score` (and a pair's `rejectedScore`) as the panel shows it; undefined when it has none it can read. */
export function scoreViewOf(row: unknown): RowScoreView | undefined {
  const score = rowScore(row);
  if (!score) return undefined;
  const rejected = rowScore({ [DISTILLERY_KEY]: { score: metadataOf(row)?.rejectedScore } });
  return { answer: scoreSetView(score), ...(rejected ? { rejected: scoreSetView(rejected) } : {}), pair: rejected !== undefined };
}

function isScorable(row: unknown): boolean {
  try {
    scoreTargetOf(row);
    return true;
  } catch {
    return false;
  }
}

/** The panel's view of the row on `line` (1-based) of `fileName`, from its text. */
export function rowVerdictView(fileName: string, line: number, text: string): RowVerdictView {
  const title = `${fileName}, line ${line}`;
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (error) {
    return { title, line, problem: `Line ${line} is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const score = scoreViewOf(row);
  const scoring = { ...(score ? { score } : {}), scorable: isScorable(row) };
  let pair: { a: string; b: string };
  try {
    const { input } = judgeInputOf(row);
    pair = { a: input.a, b: input.b };
  } catch (error) {
    return { title, line, problem: `Line ${line}: ${error instanceof Error ? error.message : String(error)}`, ...scoring };
  }
  const judgement = judgementViewOf(row);
  const human = humanLabelOf(row);
  return { title, line, ...pair, ...(judgement ? { judgement } : {}), ...(human ? { human } : {}), ...scoring };
}

/** The row's text with `distillery.human` set to `label`; everything else stays. */
export function labelledRowText(text: string, label: HumanLabel): string {
  const row = JSON.parse(text) as unknown;
  if (!isJsonObject(row)) throw new Error('the row is not a JSON object');
  const kept = metadataOf(row) ?? {};
  return JSON.stringify({ ...row, [DISTILLERY_KEY]: { ...kept, human: label } });
}
