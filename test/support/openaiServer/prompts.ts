/**
 * Prompt builders for tests of judging: answers marked with their true quality (and author),
 * fenced the way MT-bench fences them, so that the simulated judge (judge.ts) finds them.
 */

export interface MarkedAnswer {
  text: string;
  /** The answer's true quality, on [0, 1]. */
  quality: number;
  /** The model that wrote it, for self-preference. */
  author?: string;
}

/** The answer text with its truth markers appended. */
export function markAnswer(answer: MarkedAnswer): string {
  const author = answer.author !== undefined ? ` [[author:${answer.author}]]` : '';
  return `${answer.text} [[quality:${answer.quality}]]${author}`;
}

function fenced(label: string, answer: MarkedAnswer): string {
  return `[The Start of Assistant ${label}'s Answer]\n${markAnswer(answer)}\n[The End of Assistant ${label}'s Answer]`;
}

/** A pairwise judging prompt: the question, then answers A and B in fences. */
export function pairwiseJudgePrompt(question: string, a: MarkedAnswer, b: MarkedAnswer): string {
  return [
    'Please act as an impartial judge and evaluate the two answers to the question below.',
    'Output your final verdict as [[A]] if A is better, [[B]] if B is better, [[C]] for a tie.',
    '',
    `[Question]\n${question}`,
    '',
    fenced('A', a),
    '',
    fenced('B', b),
  ].join('\n');
}

/** A judging prompt over any number of answers, labelled A, B, C… */
export function rankingJudgePrompt(question: string, answers: readonly MarkedAnswer[]): string {
  const blocks = answers.map((answer, i) => fenced(String.fromCharCode(65 + i), answer));
  return ['Rank the answers to the question below, best first.', '', `[Question]\n${question}`, '', ...blocks].join('\n');
}
