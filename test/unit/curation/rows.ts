/** Rows with Distillery metadata, for the curation tests. */
import type { Verdict } from '../../../src/core/tasks/judgeTypes';

export type Row = Record<string, unknown>;

export const chat = (prompt: string, answer: string, distillery?: Row): Row => ({
  messages: [
    { role: 'user', content: prompt },
    { role: 'assistant', content: answer },
  ],
  ...(distillery ? { distillery } : {}),
});

export const score = (reward: number, rubrics: Readonly<Record<string, number>> = {}): Row => ({
  reward,
  time: '2026-01-01T00:00:00Z',
  scores: Object.entries(rubrics).map(([rubric, value]) => ({ rubric, criterion: rubric, score: value, rationale: '', judge: 'j', model: 'm', weight: 1 })),
});

export const judgement = (winner: Verdict, positionConsistent: boolean): Row => ({
  winner,
  positionConsistent,
  agreement: 1,
  lengthDifference: 0,
  samples: [{ judge: 'j', order: 'AB', verdict: winner }],
});

export const pair = (prompt: string, chosen: string, rejected: string, distillery?: Row): Row => ({ prompt, chosen, rejected, ...(distillery ? { distillery } : {}) });
