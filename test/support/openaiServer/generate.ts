/**
 * The simulator's default answers when no rule is scripted: plausible, generic, clearly
 * labelled text (it always begins with "[simulated]"), fixed by the seed and the prompt.
 * A critique request gets a critique, a revision request a revised answer, anything else a
 * short answer that mentions the prompt's main words.
 */
import type { Rng } from './random';

export const SIMULATED_PREFIX = '[simulated]';

const VOCABULARY = [
  'context', 'example', 'detail', 'approach', 'result', 'method', 'reason', 'step', 'value', 'case',
  'answer', 'question', 'source', 'measure', 'limit', 'choice', 'effect', 'model', 'data', 'test',
  'clear', 'simple', 'careful', 'useful', 'general', 'specific', 'likely', 'common', 'direct', 'brief',
] as const;

const STOPWORDS = new Set([
  'about', 'above', 'after', 'again', 'against', 'answer', 'because', 'before', 'being', 'below', 'between',
  'could', 'during', 'each', 'explain', 'from', 'give', 'have', 'having', 'into', 'more', 'most', 'other',
  'please', 'question', 'response', 'should', 'some', 'such', 'than', 'that', 'their', 'them', 'then', 'there',
  'these', 'they', 'this', 'those', 'through', 'under', 'until', 'very', 'what', 'when', 'where', 'which',
  'while', 'with', 'would', 'write', 'your', 'assistant', 'following', 'describe', 'briefly',
]);

/** `count` words from the vocabulary, space separated. */
export function phrase(rng: Rng, count: number): string {
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(rng.pick(VOCABULARY));
  return words.join(' ');
}

/** The prompt's main words: long words that are not stopwords, in order of appearance. */
export function topicWords(prompt: string, limit = 3): string[] {
  const withoutMarkers = prompt.replace(/\[\[[^\]]*\]\]/g, ' ');
  const topics: string[] = [];
  for (const match of withoutMarkers.toLowerCase().matchAll(/[\p{L}][\p{L}\p{N}-]{4,}/gu)) {
    const word = match[0];
    if (STOPWORDS.has(word) || topics.includes(word)) continue;
    topics.push(word);
    if (topics.length >= limit) break;
  }
  return topics;
}

const ANSWER_SENTENCES: ReadonlyArray<(topic: string, other: string) => string> = [
  (t) => `In short, ${t} depends on a few key factors.`,
  (t) => `A good starting point is to look at how ${t} is defined and where it applies.`,
  () => 'The main trade-off is between simplicity and accuracy.',
  (_t, o) => `For example, ${o} can be handled step by step, checking each result along the way.`,
  () => 'It is worth checking the details against a reliable source.',
  (t) => `Overall, ${t} is the central idea, and the rest follows from it.`,
  (_t, o) => `A common mistake is to overlook ${o}.`,
  () => 'With that in mind, the answer becomes much clearer.',
];

const CRITIQUE_SENTENCES: ReadonlyArray<(topic: string) => string> = [
  (t) => `The answer addresses ${t}, but it skips a step that a reader would need.`,
  () => 'One claim is stated without support and may be inaccurate.',
  () => 'The tone is appropriate, though the structure could be clearer.',
  () => 'It does not help anyone cause harm.',
  (t) => `It would be stronger with a concrete example about ${t}.`,
];

function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) {
    chosen.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0] as T);
  }
  return chosen;
}

export type PromptIntent = 'tasks' | 'critique' | 'revision' | 'answer';

export function promptIntent(prompt: string): PromptIntent {
  // Self-Instruct's request for new tasks: a numbered list, not an answer.
  if (/\bcome up with a series of tasks\b/i.test(prompt) || /\bwrite \d+ new tasks\b/i.test(prompt)) return 'tasks';
  if (/\b(rewrite|revise|revision|improve the (?:answer|response))\b/i.test(prompt)) return 'revision';
  if (/\b(critique|criticise|criticize|point out|identify (?:any )?(?:problems|issues|flaws))\b/i.test(prompt)) {
    return 'critique';
  }
  return 'answer';
}

/** The default answer to `prompt` (the last user message), drawn from `rng`. */
export function genericAnswer(prompt: string, rng: Rng): string {
  const topics = topicWords(prompt);
  const topic = topics[0] ?? rng.pick(VOCABULARY);
  const other = topics[1] ?? topics[0] ?? rng.pick(VOCABULARY);
  switch (promptIntent(prompt)) {
    case 'tasks':
      return `${SIMULATED_PREFIX} New tasks:\n${taskList(rng, requestedTaskCount(prompt))}`;
    case 'critique':
      return `${SIMULATED_PREFIX} Critique: ${sample(rng, CRITIQUE_SENTENCES, rng.int(2, 3)).map((s) => s(topic)).join(' ')}`;
    case 'revision':
      return `${SIMULATED_PREFIX} Revised answer: ${sample(rng, ANSWER_SENTENCES, rng.int(2, 3)).map((s) => s(topic, other)).join(' ')}`;
    case 'answer':
      return `${SIMULATED_PREFIX} ${sample(rng, ANSWER_SENTENCES, rng.int(2, 4)).map((s) => s(topic, other)).join(' ')}`;
  }
}

/** How many tasks a Self-Instruct request asks for ("write 8 new tasks"); 8 when it does not say. */
function requestedTaskCount(prompt: string): number {
  const match = /\bwrite (\d+) new tasks\b/i.exec(prompt);
  return Math.min(Math.max(Number(match?.[1] ?? 8), 1), 50);
}

// Parts of simulated instructions: varied enough in wording that most of a list survives a
// ROUGE-L filter, as a real model's list mostly does.
const TASK_OPENINGS: readonly string[] = [
  'Explain to a curious teenager', 'Write a short checklist for', 'Give three arguments for and against',
  'Summarise in two sentences', 'Classify the following situation as urgent or routine:', 'Draft a polite email about',
  'Suggest a weekend plan that involves', 'List common misconceptions about', 'Compose a haiku on',
  'Describe, step by step, how to get started with', 'Propose a quiz question, with its answer, on',
  'Compare two everyday approaches to', 'Rewrite this sentence in plain language:', 'Invent a riddle whose answer is',
];
const TASK_TOPICS: readonly string[] = [
  'composting kitchen waste', 'the water cycle', 'saving for retirement', 'learning a second language', 'bicycle maintenance',
  'public libraries', 'sourdough baking', 'remote team meetings', 'night sky observation', 'reducing screen time',
  'volcanic eruptions', 'job interview preparation', 'houseplant care', 'the history of the printing press',
  'unit testing in Python', 'recycling electronics', 'marathon training', 'negotiating rent', 'bird migration',
  'writing a cover letter', 'time zones', 'first aid for minor burns', 'chess openings', 'renewable energy at home',
];
const TASK_CONSTRAINTS: readonly string[] = [
  '', '', ' in under fifty words', ' for someone with no background', ' using a numbered list', ' with one concrete example',
  ' without technical jargon', ' in a friendly tone', ' and end with a question', ' for a busy parent',
];

function taskList(rng: Rng, count: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    lines.push(`${i}. ${rng.pick(TASK_OPENINGS)} ${rng.pick(TASK_TOPICS)}${rng.pick(TASK_CONSTRAINTS)}.`);
  }
  return lines.join('\n');
}
