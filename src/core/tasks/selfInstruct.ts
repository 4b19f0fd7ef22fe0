/**
 * Prompt synthesis in the manner of Self-Instruct (Wang et al., 2023): show the model a few tasks
 * (mostly human-written seeds, some machine-made), ask for new ones as a numbered list, and keep
 * a new task only when it passes the paper's filters: a word count within bounds, none of the
 * blocked keywords (tasks a text model cannot do), no leading punctuation or non-ASCII character,
 * not a repeat, and a ROUGE-L F-measure of at most 0.7 with every task in the pool. Each task kept
 * joins the pool at once, so the next ones are compared with it too.
 */
import { createHash } from 'node:crypto';
import { readDatasetFile, describeLocation } from '../dataset/datasetFile';
import { toConversationRow } from '../dataset/conversation';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import { InputError } from '../errors/located';
import type { CacheMode, ChatModel, ChatResult } from '../llm/chatModel';
import { FatalModelError, ModelCancelledError, RequestDeferredError } from '../llm/errors';
import { seededRandom } from '../random';
import { foldForDuplicates } from './nearDuplicates';
import { selfInstructMessages } from './prompts';
import { RougePool } from './rougeL';

/** A task to show the model: a Self-Instruct seed, or the prompt of an ordinary prompt row. */
export interface SeedTask {
  readonly instruction: string;
  /** The seed's `id`, when it has one. */
  readonly id?: string;
  /** Where it was read, `FILE:LINE:COLUMN`. */
  readonly location?: string;
}

/** The paper's keywords (tasks about images, files, maps, audio… that a language model cannot do). */
export const DEFAULT_BLOCKED_KEYWORDS: readonly string[] = [
  'image', 'images', 'graph', 'graphs', 'picture', 'pictures', 'file', 'files', 'map', 'maps',
  'draw', 'plot', 'go to', 'video', 'audio', 'music', 'flowchart', 'diagram',
];

export const DEFAULT_ROUGE_THRESHOLD = 0.7;

export type InstructionRejection = 'tooShort' | 'tooLong' | 'keyword' | 'punctuation' | 'nonAscii' | 'duplicate' | 'similar';

export interface AcceptedInstruction {
  readonly instruction: string;
  /** The prompt-only row to write: `{"messages":[{"role":"user",…}], "distillery":{…}}`. */
  readonly row: Record<string, unknown>;
}

export interface RejectedInstruction {
  readonly instruction: string;
  readonly reason: InstructionRejection;
  /** For people: "ROUGE-L 0.83 with \"…\"", "12 words, more than 10"… */
  readonly detail: string;
}

export interface SelfInstructOptions {
  /** Human-written tasks: always in the pool, and most of the examples shown. */
  readonly seeds: readonly SeedTask[];
  /** Machine-made instructions already kept (a resumed output): in the pool, and some of the examples. */
  readonly pool?: readonly string[];
  readonly model: ChatModel;
  /** New instructions wanted. */
  readonly count: number;
  /** Seeds the choice of examples; the same seed and replies give the same instructions. 0 by default. */
  readonly seed?: number;
  /** Examples shown per request, a quarter of them machine-made once there are some (the paper's 6 + 2); 8 by default. */
  readonly promptsPerRequest?: number;
  /** New tasks asked for per request; 8 by default. */
  readonly tasksPerRequest?: number;
  readonly rougeThreshold?: number;
  /** Word bounds (whitespace-separated words, inclusive): 3 and 150 by default. */
  readonly minWords?: number;
  readonly maxWords?: number;
  /** Whole words or phrases, case-insensitive. */
  readonly blockedKeywords?: readonly string[];
  /** Requests in flight at once; 4 by default. Their replies are taken in request order. */
  readonly concurrency?: number;
  /** Stop after this many requests whatever was kept; by default 10 × the requests `count` would need at full yield, at least 20. */
  readonly maxRequests?: number;
  /** Sampling: the paper's temperature 0.7 and top_p 0.5 by default. */
  readonly temperature?: number;
  readonly top_p?: number;
  readonly max_tokens?: number;
  readonly cache?: CacheMode;
  readonly signal?: AbortSignal;
  /** Called for each instruction kept, in order, before the next is considered; awaited. */
  readonly onInstruction?: (accepted: AcceptedInstruction) => void | Promise<void>;
  /** Called for each proposed instruction that is not kept, with why. */
  readonly onRejected?: (rejection: RejectedInstruction) => void;
  readonly now?: () => Date;
}

export interface SelfInstructResult {
  /** The `count` asked for. */
  readonly requested: number;
  readonly accepted: number;
  /** Tasks the model proposed (parsed from its lists). */
  readonly proposed: number;
  readonly rejected: Readonly<Record<InstructionRejection, number>>;
  /** Model calls made, and those that failed (their messages, free of secrets). */
  readonly requests: number;
  readonly failedRequests: readonly string[];
  /** Why it stopped: enough kept, the request limit reached first, or its requests were deferred to a batch file (nothing answered yet). */
  readonly stoppedBy: 'count' | 'maxRequests' | 'deferred';
}

// ---- reading seeds ----------------------------------------------------------------------------

/**
 * Reads seed tasks from a JSONL (or JSON array) file: Self-Instruct seeds
 * (`{id, name, instruction, instances, is_classification}`, the instruction alone is the task), or
 * any prompt row (its last user turn is the task). A line that is neither is an InputError at its place.
 */
export async function readSeedTasks(path: string): Promise<SeedTask[]> {
  const contents = await readDatasetFile(path);
  const problem = contents.problems[0];
  if (problem) throw new InputError(`${describeLocation(path, problem.location)}: ${problem.message}`);
  const seeds: SeedTask[] = [];
  for (const { location, value } of contents.rows) {
    const where = describeLocation(path, location);
    const instruction = seedInstruction(value);
    if (typeof instruction !== 'string') throw new InputError(`${where}: ${instruction.problem}`);
    if (instruction.trim() === '') throw new InputError(`${where}: the task is empty`);
    seeds.push({ instruction: instruction.trim(), ...(typeof value.id === 'string' ? { id: value.id } : {}), location: where });
  }
  if (seeds.length === 0) throw new InputError(`${path}: no seed tasks in the file`);
  return seeds;
}

function seedInstruction(value: Record<string, unknown>): string | { problem: string } {
  if (typeof value.instruction === 'string' && Array.isArray(value.instances)) return value.instruction;
  const read = toConversationRow(value);
  if (!read.ok) return { problem: `neither a Self-Instruct seed nor a prompt row: ${read.issues[0]?.message ?? 'unreadable'}` };
  for (let i = read.row.prompt.length - 1; i >= 0; i--) {
    const turn = read.row.prompt[i];
    if (turn?.role === 'user') return turn.content;
  }
  return { problem: 'the row has no user turn to use as a task' };
}

// ---- parsing the model's list -----------------------------------------------------------------

const ITEM_START = /^\s*(?:[*_]{1,2})?(?:task|instruction)?\s*#?(\d{1,3})\s*(?:[.):]|\s-)(?:[*_]{1,2})?\s*(.*)$/i;
const ITEM_LABEL = /^(?:[*_]{1,2})?(?:instruction|task)\s*:\s*(?:[*_]{1,2})?\s*/i;

/**
 * The items of a numbered list ("1. …", "2) …", "Task 3: …", "**4.** …"); an item runs on over
 * following lines until a blank line or the next number. Text before the first item is ignored.
 * When the reply was cut off (`truncated`, finish reason 'length'), its last item is incomplete and dropped.
 */
export function parseNumberedList(text: string, truncated = false): string[] {
  const items: string[][] = [];
  let open = false;
  for (const line of text.split(/\r?\n/)) {
    const start = ITEM_START.exec(line);
    if (start) {
      items.push([(start[2] ?? '').replace(ITEM_LABEL, '')]);
      open = true;
    } else if (line.trim() === '') {
      open = false;
    } else if (open) {
      items[items.length - 1]?.push(line.trim());
    }
  }
  if (truncated) items.pop();
  return items.map((lines) => cleanItem(lines.join('\n'))).filter((item) => item !== '');
}

function cleanItem(text: string): string {
  let item = text.trim();
  // A whole item in bold or in quotes.
  const wrapped = /^(\*\*|__|"|\u201c)([\s\S]*?)(\*\*|__|"|\u201d)$/.exec(item);
  if (wrapped && wrapped[2] !== undefined && !/\*\*|"|\u201c|\u201d/.test(wrapped[2])) item = wrapped[2].trim();
  return item;
}

// ---- filters ----------------------------------------------------------------------------------

const ASCII_PUNCTUATION = /^[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The paper's word match: `\bKEYWORD\b`, case-insensitive. */
function keywordPattern(keywords: readonly string[]): RegExp | undefined {
  const parts = keywords.map((k) => k.trim()).filter((k) => k !== '').map((k) => escapeRegExp(k).replace(/\s+/g, '\\s+'));
  return parts.length === 0 ? undefined : new RegExp(`\\b(?:${parts.join('|')})\\b`, 'i');
}

interface FilterSettings {
  readonly minWords: number;
  readonly maxWords: number;
  readonly keywords: RegExp | undefined;
}

function cheapRejection(instruction: string, settings: FilterSettings): { reason: InstructionRejection; detail: string } | undefined {
  const wordCount = instruction.split(/\s+/).filter((w) => w !== '').length;
  if (wordCount < settings.minWords) return { reason: 'tooShort', detail: `${wordCount} words, fewer than ${settings.minWords}` };
  if (wordCount > settings.maxWords) return { reason: 'tooLong', detail: `${wordCount} words, more than ${settings.maxWords}` };
  const keyword = settings.keywords?.exec(instruction);
  if (keyword) return { reason: 'keyword', detail: `names "${keyword[0]}", which a text-only model cannot handle` };
  if (ASCII_PUNCTUATION.test(instruction)) return { reason: 'punctuation', detail: 'starts with punctuation' };
  const first = instruction.codePointAt(0) ?? 0;
  if (first > 0x7f) return { reason: 'nonAscii', detail: 'starts with a character that is not ASCII' };
  return undefined;
}

// ---- the loop ---------------------------------------------------------------------------------

function checkOptions(options: SelfInstructOptions): string[] {
  const problems: string[] = [];
  const whole = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) problems.push(`${name} must be a whole number ≥ ${min}, not ${String(value)}`);
  };
  whole('count', options.count, 0);
  whole('promptsPerRequest', options.promptsPerRequest, 1);
  whole('tasksPerRequest', options.tasksPerRequest, 1);
  whole('minWords', options.minWords, 0);
  whole('maxWords', options.maxWords, 1);
  whole('concurrency', options.concurrency, 1);
  whole('maxRequests', options.maxRequests, 1);
  const threshold = options.rougeThreshold;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) problems.push(`rougeThreshold must be in [0, 1], not ${String(threshold)}`);
  if (options.seeds.length === 0) problems.push('seeds: at least one seed task is needed');
  return problems;
}

/** `k` distinct elements chosen with `random` (a partial Fisher–Yates shuffle). */
function sample<T>(items: readonly T[], k: number, random: () => number): T[] {
  const copy = items.slice();
  const n = Math.min(k, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  return sample(items, items.length, random);
}

/** The key of a synthesised instruction: a hash of its folded text, so a repeat has the same key. */
export function instructionKey(instruction: string): string {
  return `self-instruct#${createHash('sha256').update(foldForDuplicates(instruction), 'utf8').digest('hex').slice(0, 32)}`;
}

export async function synthesizeInstructions(options: SelfInstructOptions): Promise<SelfInstructResult> {
  const problems = checkOptions(options);
  if (problems.length > 0) throw new RangeError(`self-instruct: ${problems.join('; ')}`);
  const { model, signal, count } = options;
  const now = options.now ?? (() => new Date());
  const promptsPerRequest = options.promptsPerRequest ?? 8;
  const tasksPerRequest = options.tasksPerRequest ?? 8;
  const threshold = options.rougeThreshold ?? DEFAULT_ROUGE_THRESHOLD;
  const concurrency = options.concurrency ?? 4;
  const maxRequests = options.maxRequests ?? Math.max(20, 10 * Math.ceil(count / tasksPerRequest));
  const filters: FilterSettings = {
    minWords: options.minWords ?? 3,
    maxWords: options.maxWords ?? 150,
    keywords: keywordPattern(options.blockedKeywords ?? DEFAULT_BLOCKED_KEYWORDS),
  };

  const seedTexts = options.seeds.map((s) => s.instruction);
  const machine = [...(options.pool ?? [])];
  const rouge = new RougePool();
  const seen = new Set<string>();
  for (const text of [...seedTexts, ...machine]) {
    rouge.add(text);
    seen.add(foldForDuplicates(text));
  }

  const rejected: Record<InstructionRejection, number> = { tooShort: 0, tooLong: 0, keyword: 0, punctuation: 0, nonAscii: 0, duplicate: 0, similar: 0 };
  const failedRequests: string[] = [];
  let accepted = 0;
  let proposed = 0;
  let requests = 0;

  const ask = (index: number): Promise<{ index: number; result: ChatResult } | { index: number; error: unknown }> => {
    const random = seededRandom(`self-instruct:${options.seed ?? 0}:${index}`);
    const machineShown = Math.min(machine.length, Math.round(promptsPerRequest / 4));
    const examples = shuffle([...sample(machine, machineShown, random), ...sample(seedTexts, promptsPerRequest - machineShown, random)], random);
    return model
      .complete(
        {
          messages: selfInstructMessages(examples, tasksPerRequest),
          temperature: options.temperature ?? 0.7,
          top_p: options.top_p ?? 0.5,
          ...(options.max_tokens !== undefined ? { max_tokens: options.max_tokens } : {}),
        },
        { sample: index, ...(signal ? { signal } : {}), ...(options.cache ? { cache: options.cache } : {}) },
      )
      .then((result) => ({ index, result }), (error: unknown) => ({ index, error }));
  };

  while (accepted < count && requests < maxRequests) {
    if (signal?.aborted) throw new ModelCancelledError(model.profile);
    const batch: ReturnType<typeof ask>[] = [];
    const wanted = Math.ceil((count - accepted) / tasksPerRequest);
    for (let k = 0; k < Math.min(concurrency, wanted, maxRequests - requests); k++) batch.push(ask(requests + k));
    requests += batch.length;
    const replies = await Promise.all(batch);
    // Requests handed to a batch file (dry runs, batch export) get no reply now: asking more would only repeat them.
    if (replies.some((reply) => 'error' in reply && reply.error instanceof RequestDeferredError)) {
      return { requested: count, accepted, proposed, rejected, requests, failedRequests, stoppedBy: 'deferred' };
    }
    for (const reply of replies) {
      if ('error' in reply) {
        if (reply.error instanceof ModelCancelledError || reply.error instanceof FatalModelError) throw reply.error;
        failedRequests.push(reply.error instanceof Error ? reply.error.message : String(reply.error));
        continue;
      }
      const items = parseNumberedList(reply.result.content, reply.result.finishReason === 'length');
      for (const instruction of items) {
        if (accepted >= count) break;
        proposed++;
        const reject = (reason: InstructionRejection, detail: string): void => {
          rejected[reason]++;
          options.onRejected?.({ instruction, reason, detail });
        };
        const cheap = cheapRejection(instruction, filters);
        if (cheap) {
          reject(cheap.reason, cheap.detail);
          continue;
        }
        const folded = foldForDuplicates(instruction);
        if (seen.has(folded)) {
          reject('duplicate', 'the same as a task already in the pool');
          continue;
        }
        const similar = rouge.mostSimilarAbove(instruction, threshold);
        if (similar) {
          reject('similar', `ROUGE-L ${similar.score.toFixed(3)} > ${threshold} with ${JSON.stringify(similar.text)}`);
          continue;
        }
        seen.add(folded);
        rouge.add(instruction);
        machine.push(instruction);
        accepted++;
        const row = {
          messages: [{ role: 'user', content: instruction }],
          [DISTILLERY_KEY]: {
            provenance: 'synthetic',
            teacher: { profile: model.profile, model: model.model },
            selfInstruct: { request: reply.index, rougeThreshold: threshold, poolSize: rouge.size - 1, time: now().toISOString(), cached: reply.result.cached },
            source: { key: instructionKey(instruction) },
          },
        };
        await options.onInstruction?.({ instruction, row });
      }
    }
  }
  return { requested: count, accepted, proposed, rejected, requests, failedRequests, stoppedBy: accepted >= count ? 'count' : 'maxRequests' };
}
