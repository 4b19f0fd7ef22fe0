// What Score Row grades in a row and how it writes the grades back. Pure (no `vscode` import).
//
// The same shape as the batch score step writes (src/core/pipeline/scoreBatch.ts): an answer's
// grades at `distillery.score`; for a preference row the chosen answer's there, the rejected
// answer's at `distillery.rejectedScore` and `distillery.rewardMargin` (chosen's reward minus
// rejected's). So `rowScore`, `distillery filter --min-score` and pipelines read it as any score.
import { finalAnswerText, isPairedPreference, toConversationRow, type Turn } from '../../core/dataset/conversation';
import { isJsonObject } from '../../core/dataset/jsonValue';
import { DISTILLERY_KEY } from '../../core/dataset/rowEdit';
import type { ScoreResult } from '../../core/tasks/judgeTypes';

export interface ScoreTarget {
  readonly prompt: readonly Turn[];
  /** The answer `distillery.score` grades: the completion, or a preference row's chosen answer. */
  readonly answer: string;
  /** A preference row's rejected answer. */
  readonly rejected?: string;
}

/** A row's grades: its answer's (a pair's chosen answer's), and a pair's rejected answer's. */
export interface RowScores {
  readonly score: ScoreResult;
  readonly rejectedScore?: ScoreResult;
}

/** What to grade in a parsed row; throws an Error naming the field when it has no answer. */
export function scoreTargetOf(row: unknown): ScoreTarget {
  const read = toConversationRow(row);
  if (!read.ok) {
    const first = read.issues.find((i) => i.severity === 'error');
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new Error(`the row cannot be read${first ? `${where}: ${first.message}` : ''}`);
  }
  const conversation = read.row;
  if (isPairedPreference(conversation)) {
    const answer = finalAnswerText(conversation.chosen);
    const rejected = finalAnswerText(conversation.rejected);
    if (answer === undefined) throw new Error('chosen: the answer has no assistant text to score');
    if (rejected === undefined) throw new Error('rejected: the answer has no assistant text to score');
    return { prompt: conversation.prompt, answer, rejected };
  }
  const completion = conversation.completion;
  const answer = finalAnswerText(completion);
  if (completion === undefined || answer === undefined) throw new Error('the row has no answer to score (only a prompt)');
  // Turns of the answer before its last assistant turn (tool calls and their results) are context.
  let last = completion.length - 1;
  while (last >= 0 && completion[last]?.role !== 'assistant') last--;
  return { prompt: [...conversation.prompt, ...completion.slice(0, Math.max(0, last))], answer };
}

/** The row's text with its grades (replacing earlier ones); everything else stays. */
export function scoredRowText(text: string, grades: RowScores): string {
  const row = JSON.parse(text) as unknown;
  if (!isJsonObject(row)) throw new Error('the row is not a JSON object');
  const { score: _score, rejectedScore: _rejected, rewardMargin: _margin, ...kept } = isJsonObject(row[DISTILLERY_KEY]) ? (row[DISTILLERY_KEY] as Record<string, unknown>) : {};
  const pair = grades.rejectedScore ? { rejectedScore: grades.rejectedScore, rewardMargin: grades.score.reward - grades.rejectedScore.reward } : {};
  return JSON.stringify({ ...row, [DISTILLERY_KEY]: { ...kept, score: grades.score, ...pair } });
}

/** "4.5" for a reward. */
export function rewardWords(reward: number): string {
  return (Math.round(reward * 100) / 100).toString();
}
