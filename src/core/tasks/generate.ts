/**
 * Distillation for one input row: n samples from each teacher, filtered, written back as SFT rows
 * in the row's own format (or as one row of candidates to judge later), each with its provenance
 * under the row's `distillery` key. The batch runner, the CLI and the editor call `generateForRow`.
 */
import { toConversationRow, type ConversationRow, type Turn } from '../dataset/conversation';
import { withAnswers } from '../dataset/writeAnswers';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import { isPairedPreferenceKind, type RowKind } from '../dataset/rowKinds';
import { InputError } from '../errors/located';
import type { ChatModel, ChatResult } from '../llm/chatModel';
import type { CompletionRequest } from '../llm/client';
import { FatalModelError, ModelCancelledError } from '../llm/errors';
import { generationMessages } from './prompts';
import { filterSamples, filterSettingsProblems, type FilterVerdict } from './sampleFilters';
import { renderSystemPrompt, templateHash } from './systemPrompt';
import type { GenerateRowResult, GenerateSettings, GeneratedSample, SampleError } from './types';
import { VerifierCancelledError } from './verifier';

export interface GenerateOptions {
  readonly signal?: AbortSignal;
  /** The clock for provenance times; `new Date()` by default. */
  readonly now?: () => Date;
}

/** Settings that cannot work for any row; every problem is listed, each naming its field. */
export class GenerateSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`generate settings: ${problems.join('; ')}`);
    this.name = 'GenerateSettingsError';
  }
}

/** Problems with settings (and the teacher list), each naming its field; empty when fine. */
export function generateSettingsProblems(settings: GenerateSettings, teachers: readonly ChatModel[]): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(settings.n) || settings.n < 1) problems.push(`n must be a whole number ≥ 1, not ${String(settings.n)}`);
  if (settings.output !== 'sft' && settings.output !== 'candidates') problems.push(`output must be "sft" or "candidates", not ${JSON.stringify(settings.output)}`);
  if (settings.seed !== undefined && !Number.isInteger(settings.seed)) problems.push(`seed must be a whole number, not ${String(settings.seed)}`);
  if (teachers.length === 0) problems.push('teachers: at least one teacher is needed');
  const names = teachers.map((t) => t.profile);
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) problems.push(`teachers: profile "${repeated[0]}" is listed twice`);
  problems.push(...filterSettingsProblems(settings.filters));
  return problems;
}

/** One sample's reply, or its error, before filtering. */
type Outcome =
  | { readonly ok: true; readonly teacher: ChatModel; readonly sample: number; readonly result: ChatResult; readonly time: Date; readonly seed: number | undefined }
  | { readonly ok: false; readonly teacher: ChatModel; readonly sample: number; readonly error: unknown };

/**
 * Generates for one parsed input row. `sourceKey` is the input row's key (it becomes
 * `source.input`, and the prefix of each output row's `source.key`).
 *
 * Throws InputError when the row has no prompt to answer (or the system prompt template names a
 * field it lacks), GenerateSettingsError for unusable settings, VerifierStartError when the
 * verifier cannot be started, and ModelCancelledError when the signal aborts. A sample whose call
 * fails is an entry of `errors` (fatal for FatalModelError); the other samples still count.
 */
export async function generateForRow(
  input: unknown,
  sourceKey: string,
  teachers: readonly ChatModel[],
  settings: GenerateSettings,
  options: GenerateOptions = {},
): Promise<GenerateRowResult> {
  const problems = generateSettingsProblems(settings, teachers);
  if (problems.length > 0) throw new GenerateSettingsError(problems);
  const { signal } = options;
  const now = options.now ?? (() => new Date());
  const cancelled = (): ModelCancelledError => new ModelCancelledError(teachers[0]?.profile ?? 'generate');
  if (signal?.aborted) throw cancelled();

  const row = readPrompt(input);
  const system = settings.systemPrompt === undefined ? undefined : renderSystemPrompt(settings.systemPrompt, input);
  const messages = generationMessages(row.prompt, system);

  // Every call in flight at once; the engine queues them per profile.
  const calls: Promise<Outcome>[] = [];
  for (const teacher of teachers) {
    for (let sample = 0; sample < settings.n; sample++) {
      // Each sample its own seed, or n samples of a seeded profile would all be the same answer.
      const baseSeed = settings.seed ?? teacher.sampling.seed;
      const seed = baseSeed === undefined ? undefined : baseSeed + sample;
      const request: CompletionRequest = {
        messages,
        ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
        ...(settings.top_p !== undefined ? { top_p: settings.top_p } : {}),
        ...(settings.max_tokens !== undefined ? { max_tokens: settings.max_tokens } : {}),
        ...(seed !== undefined ? { seed } : {}),
      };
      const callOptions = { sample, ...(signal ? { signal } : {}), ...(settings.cache ? { cache: settings.cache } : {}) };
      calls.push(
        // Through a promise, so a model that throws instead of rejecting is still one sample's error.
        Promise.resolve().then(() => teacher.complete(request, callOptions)).then(
          (result): Outcome => ({ ok: true, teacher, sample, result, time: now(), seed }),
          (error: unknown): Outcome => ({ ok: false, teacher, sample, error }),
        ),
      );
    }
  }
  // In teacher order, then sample order, whatever order the replies came in.
  const outcomes = await Promise.all(calls);
  if (signal?.aborted || outcomes.some((o) => !o.ok && o.error instanceof ModelCancelledError)) {
    const error = outcomes.find((o) => !o.ok && o.error instanceof ModelCancelledError);
    throw error && !error.ok ? error.error : cancelled();
  }

  const errors: SampleError[] = [];
  const answered: Extract<Outcome, { ok: true }>[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) answered.push(outcome);
    else errors.push({ teacher: outcome.teacher.profile, sample: outcome.sample, message: messageOf(outcome.error), fatal: outcome.error instanceof FatalModelError });
  }

  let verdicts: FilterVerdict[];
  try {
    verdicts = await filterSamples(
      answered.map((a) => a.result.content),
      settings.filters,
      { prompt: row.prompt, ...(signal ? { signal } : {}), labelOf: (i) => sampleLabel(answered[i]) },
    );
  } catch (error) {
    if (error instanceof VerifierCancelledError) throw cancelled();
    throw error;
  }
  if (signal?.aborted) throw cancelled();

  const samples: GeneratedSample[] = answered.map((a, i) => {
    const verdict = verdicts[i] ?? { kept: true };
    return {
      teacher: a.teacher.profile,
      model: a.teacher.model,
      sample: a.sample,
      text: a.result.content,
      kept: verdict.kept,
      ...(verdict.kept ? {} : { rejectedBy: verdict.rejectedBy, reason: verdict.reason }),
      cached: a.result.cached,
      costUsd: a.result.costUsd,
      promptTokens: a.result.usage?.promptTokens,
      completionTokens: a.result.usage?.completionTokens,
      finishReason: a.result.finishReason,
    };
  });
  const kept = answered.filter((_, i) => verdicts[i]?.kept !== false);
  const rows = settings.output === 'candidates'
    ? candidatesRows(row, kept, settings, system, sourceKey)
    : kept.map((a) => sftRow(input, row, a, settings, system, sourceKey));
  return { rows, samples, errors };
}

/** The row read as a conversation with a prompt to answer, or an InputError saying why not. */
function readPrompt(input: unknown): ConversationRow {
  const read = toConversationRow(input);
  if (!read.ok) {
    const first = read.issues.find((i) => i.severity === 'error');
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new InputError(`the row cannot be read as a prompt to answer${first ? `${where}: ${first.message}` : ''}`);
  }
  const row = read.row;
  if (!row.prompt.some((t) => t.role === 'user' || t.role === 'tool')) {
    throw new InputError('the row has no prompt to answer: no user turn before its answer');
  }
  return row;
}

function sampleLabel(outcome: Extract<Outcome, { ok: true }> | undefined): string {
  return outcome ? `sample ${outcome.sample} of ${outcome.teacher.profile}` : 'an earlier sample';
}

function messageOf(error: unknown): string {
  // The engine's errors are free of secrets; anything else is reported by its message alone.
  return error instanceof Error ? error.message : String(error);
}

/** The sampling settings a sample was made with: the run's, else the teacher profile's defaults. */
function effectiveSettings(settings: GenerateSettings, teacher: ChatModel, seed: number | undefined): Record<string, unknown> {
  return {
    n: settings.n,
    temperature: settings.temperature ?? teacher.sampling.temperature,
    top_p: settings.top_p ?? teacher.sampling.top_p,
    max_tokens: settings.max_tokens ?? teacher.sampling.max_tokens,
    ...(seed !== undefined ? { seed } : {}),
    ...(settings.cache ? { cache: settings.cache } : {}),
  };
}

function systemPromptRecord(settings: GenerateSettings, system: string | undefined): Record<string, unknown> {
  if (settings.systemPrompt === undefined || system === undefined) return {};
  return { systemPrompt: { template: templateHash(settings.systemPrompt), text: system } };
}

function usageRecord(result: ChatResult): Record<string, number> | undefined {
  const usage = result.usage;
  return usage && { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, totalTokens: usage.totalTokens };
}

function provenance(a: Extract<Outcome, { ok: true }>, settings: GenerateSettings, system: string | undefined, key: string, input: string): Record<string, unknown> {
  const usage = usageRecord(a.result);
  return {
    provenance: 'synthetic',
    teacher: { profile: a.teacher.profile, model: a.teacher.model },
    generation: {
      sample: a.sample,
      settings: effectiveSettings(settings, a.teacher, a.seed),
      ...systemPromptRecord(settings, system),
      time: a.time.toISOString(),
      costUsd: a.result.costUsd ?? null,
      usage: usage ?? null,
      cached: a.result.cached,
      finishReason: a.result.finishReason,
      // The model the service says answered, when it differs from the one asked for (an alias resolved).
      ...(a.result.model && a.result.model !== a.teacher.model ? { answeredBy: a.result.model } : {}),
    },
    source: { key, input },
  };
}

/**
 * Kinds whose answer is not a plain SFT answer: writing a new one into them would mislabel it
 * (a KTO label, a chosen/rejected pair judged on other answers), so they become chat rows.
 */
function becomesChat(kind: RowKind): boolean {
  return isPairedPreferenceKind(kind) || kind === 'unpaired-preference';
}

function turnMessage(turn: Turn): Record<string, string> {
  return turn.name === undefined ? { role: turn.role, content: turn.content } : { role: turn.role, content: turn.content, name: turn.name };
}

function sftRow(
  input: unknown,
  row: ConversationRow,
  a: Extract<Outcome, { ok: true }>,
  settings: GenerateSettings,
  system: string | undefined,
  sourceKey: string,
): Record<string, unknown> {
  const metadata = provenance(a, settings, system, `${sourceKey}#${a.teacher.profile}#${a.sample}`, sourceKey);
  const answer = a.result.content;
  if (!becomesChat(row.kind)) {
    const written = withAnswers(input, row.kind, { completion: answer });
    if (written.ok) return { ...written.value, [DISTILLERY_KEY]: metadata };
  }
  return { messages: [...row.prompt.map(turnMessage), { role: 'assistant', content: answer }], [DISTILLERY_KEY]: metadata };
}

function candidatesRows(
  row: ConversationRow,
  kept: readonly Extract<Outcome, { ok: true }>[],
  settings: GenerateSettings,
  system: string | undefined,
  sourceKey: string,
): Record<string, unknown>[] {
  if (kept.length === 0) return [];
  const candidates = kept.map((a) => ({
    teacher: { profile: a.teacher.profile, model: a.teacher.model },
    sample: a.sample,
    content: a.result.content,
    settings: effectiveSettings(settings, a.teacher, a.seed),
    time: a.time.toISOString(),
    costUsd: a.result.costUsd ?? null,
    usage: usageRecord(a.result) ?? null,
    cached: a.result.cached,
    finishReason: a.result.finishReason,
  }));
  return [
    {
      messages: row.prompt.map(turnMessage),
      [DISTILLERY_KEY]: {
        provenance: 'synthetic',
        candidates,
        generation: { n: settings.n, ...systemPromptRecord(settings, system) },
        source: { key: `${sourceKey}#candidates`, input: sourceKey },
      },
    },
  ];
}

