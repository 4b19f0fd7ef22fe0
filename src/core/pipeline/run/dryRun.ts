/**
 * `--dry-run`: what running a pipeline would still ask of the models, before anything is spent.
 *
 * The pipeline runs for real, but in a scratch copy of its output folder and over an engine in
 * defer mode: every call the response cache can answer is answered (it is free), and every other
 * call is counted — with its exact body, so its prompt tokens are counted exactly — instead of
 * sent. Those are the calls the real run makes first, so their count is exact. What depends on
 * answers not yet had is extrapolated by rule: the rows a model step will still make (n samples
 * per teacher, one verdict per pair…) and the calls later steps will make for them, and the
 * later rounds of a critique. Completion tokens and cost are upper bounds (every answer as long as
 * max_tokens allows); each step says whether its request count is exact.
 */
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DeferredRequest } from '../../llm/engine';
import type { ModelProfile } from '../../llm/profile';
import { DEFAULT_SAMPLING } from '../../llm/profile';
import { runPipeline, stepInputs } from './runPipeline';
import { stepOutputFile } from './stepFiles';
import { MODEL_STEP_TYPES, type PipelineDefinition, type PipelineStep, type StepType } from './pipelineTypes';
import type { PipelineModels, StepResult } from './runnerTypes';

export interface DryRunOptions {
  readonly pipeline: PipelineDefinition;
  /** Models over an engine in defer mode, whose deferred calls go to `takeDeferred`. */
  readonly models: PipelineModels;
  /** The calls deferred since the last time it was asked. */
  takeDeferred(): DeferredRequest[];
  /** The profiles by name: their prices and default max_tokens. */
  readonly profiles: ReadonlyMap<string, ModelProfile>;
  /** Tokens of a text (o200k_base on the CLI). */
  countTokens(text: string): number;
  readonly until?: string;
  readonly signal?: AbortSignal;
}

export interface StepEstimate {
  readonly id: string;
  readonly type: StepType;
  /** Rows the step will read: exact when its input exists, else what earlier steps will make. */
  readonly rowsIn: number | undefined;
  readonly rowsOut: number | undefined;
  /** Model calls still to make (cached answers excluded). */
  readonly requests: number;
  /** The count is exact (every call could be built now), not extrapolated. */
  readonly exact: boolean;
  /** Calls answered from the response cache during the dry run: free in the real run. */
  readonly cachedCalls: number;
  readonly promptTokens: number;
  /** At most: every answer as long as max_tokens allows. */
  readonly completionTokensUpTo: number;
  /** At most, at the profiles' prices; undefined when a profile that is called has no price. */
  readonly costUsdUpTo: number | undefined;
  /** Already done in an earlier run: nothing to spend. */
  readonly done: boolean;
}

export interface PipelineEstimate {
  readonly pipeline: string;
  readonly steps: readonly StepEstimate[];
  readonly requests: number;
  readonly exact: boolean;
  readonly promptTokens: number;
  readonly completionTokensUpTo: number;
  readonly costUsdUpTo: number | undefined;
}

/** Chat accounting as OpenAI counts it: 3 tokens per message, 1 more for a name, 3 that prime the reply. */
export function promptTokensOf(body: DeferredRequest['body'], countTokens: (text: string) => number): number {
  let tokens = 3;
  for (const message of body.messages) {
    tokens += 3;
    const content = (message as { content?: unknown }).content;
    if (typeof content === 'string') tokens += countTokens(content);
    else if (Array.isArray(content)) {
      for (const part of content as Array<{ type?: string; text?: string }>) if (typeof part.text === 'string') tokens += countTokens(part.text);
    }
    if (typeof (message as { name?: unknown }).name === 'string') tokens += 1;
  }
  return tokens;
}

interface Tally {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cost: number | undefined;
}

const SELF_INSTRUCT_TASKS_PER_REQUEST = 8;
/** Self-Instruct keeps about half of what it proposes (the ROUGE-L and keyword filters); a guess, said to be one. */
const SELF_INSTRUCT_KEPT_SHARE = 0.5;
/** Prompt tokens of a judge's or critic's instructions around the texts it reads, when no call could be built to count them. */
const TEMPLATE_TOKENS = 250;
/** A Self-Instruct instruction, or a prompt no call could be built for yet. */
const TYPICAL_PROMPT_TOKENS = 40;

export async function estimatePipeline(options: DryRunOptions): Promise<PipelineEstimate> {
  const { pipeline, profiles } = options;
  const scratch = await mkdtemp(path.join(tmpdir(), 'distillery-dry-run-'));
  try {
    // The run's state as it is: finished steps are skipped, model steps resume from their outputs.
    if (await exists(pipeline.outputDir)) await cp(pipeline.outputDir, scratch, { recursive: true, preserveTimestamps: true });
    const scratchPipeline: PipelineDefinition = { ...pipeline, outputDir: scratch };
    const deferredByStep = new Map<string, DeferredRequest[]>();
    const results = new Map<string, StepResult>();
    const skipped = new Set<string>();
    const cachedBefore = (): number => options.models.ledger.summary().total.cached;
    const cachedByStep = new Map<string, number>();
    let cachedAtStart = cachedBefore();
    await runPipeline({
      pipeline: scratchPipeline,
      models: options.models,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
      onEvent: (event) => {
        if (event.kind === 'step-start') {
          options.takeDeferred();
          cachedAtStart = cachedBefore();
        } else if (event.kind === 'step-end') {
          deferredByStep.set(event.step.id, options.takeDeferred());
          cachedByStep.set(event.step.id, cachedBefore() - cachedAtStart);
          results.set(event.step.id, event.result);
        } else if (event.kind === 'step-skipped') {
          skipped.add(event.step.id);
          results.set(event.step.id, event.result);
        }
      },
    });

    const inputs = stepInputs({ pipeline: scratchPipeline });
    const outputOwner = new Map<string, string>();
    const expectedOut = new Map<string, number>();
    /** About how many tokens of text a step's rows carry into the next step's prompts. */
    const rowTokens = new Map<string, number>();
    const estimates: StepEstimate[] = [];
    const steps = options.until === undefined ? pipeline.steps : pipeline.steps.slice(0, pipeline.steps.findIndex((step) => step.id === options.until) + 1);
    for (const step of steps) {
      const result = results.get(step.id);
      const input = inputs.get(step.id);
      const upstream = input === undefined ? undefined : outputOwner.get(input);
      outputOwner.set(stepOutputFile(scratch, step), step.id);

      const actualIn = result?.rowsIn ?? 0;
      const expectedIn = upstream !== undefined ? Math.max(expectedOut.get(upstream) ?? actualIn, actualIn) : actualIn;
      const missingRows = Math.max(0, expectedIn - actualIn);
      const deferred = deferredByStep.get(step.id) ?? [];
      const counted = tallyOf(deferred, profiles, options.countTokens);
      const done = skipped.has(step.id);
      const isModelStep = MODEL_STEP_TYPES.has(step.type);
      const countedPerRequest = counted.requests > 0 ? counted.promptTokens / counted.requests : undefined;
      const inputRowTokens = (upstream !== undefined ? rowTokens.get(upstream) : undefined) ?? (countedPerRequest !== undefined ? Math.max(0, countedPerRequest - TEMPLATE_TOKENS) : TYPICAL_PROMPT_TOKENS);

      let extra: Tally = { requests: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
      let exact = true;
      if (isModelStep && !done) {
        const callProfiles = profilesOf(step, options.models, profiles);
        // A teacher reads the prompt alone; a critic or judge reads it inside its instructions.
        const perRequestPrompt = countedPerRequest ?? inputRowTokens + (step.type === 'generate' ? 0 : TEMPLATE_TOKENS);
        let extraRequests = missingRows * callsPerRow(step, options.models);
        if (step.type === 'critique-revise') {
          // Each round may add a revision, and later rounds their own critique and revision.
          const rounds = step.principles && step.principles.length > 0 ? step.principles.length : step.rounds ?? 1;
          extraRequests += deferred.length * (2 * rounds - 1);
        }
        if (step.type === 'self-instruct') {
          const have = result?.rowsOut ?? 0;
          const wanted = Math.max(0, step.count - have);
          const total = Math.ceil(wanted / (SELF_INSTRUCT_TASKS_PER_REQUEST * SELF_INSTRUCT_KEPT_SHARE));
          extraRequests = Math.max(0, total - deferred.length);
        }
        if (extraRequests > 0) exact = false;
        extra = extrapolated(extraRequests, perRequestPrompt, step, callProfiles);
      }
      rowTokens.set(step.id, tokensOfRowsFrom(step, inputRowTokens, options.models, profiles));

      const rowsOut = expectedRowsOut(step, result, actualIn, expectedIn, options.models, done);
      expectedOut.set(step.id, rowsOut);
      const cost = counted.cost === undefined || extra.cost === undefined ? undefined : counted.cost + extra.cost;
      estimates.push({
        id: step.id,
        type: step.type,
        rowsIn: step.type === 'self-instruct' ? undefined : expectedIn,
        rowsOut,
        requests: counted.requests + extra.requests,
        exact,
        cachedCalls: cachedByStep.get(step.id) ?? 0,
        promptTokens: Math.round(counted.promptTokens + extra.promptTokens),
        completionTokensUpTo: Math.round(counted.completionTokens + extra.completionTokens),
        costUsdUpTo: cost,
        done,
      });
    }
    const anyUnpriced = estimates.some((step) => step.requests > 0 && step.costUsdUpTo === undefined);
    return {
      pipeline: pipeline.file,
      steps: estimates,
      requests: estimates.reduce((sum, step) => sum + step.requests, 0),
      exact: estimates.every((step) => step.exact),
      promptTokens: estimates.reduce((sum, step) => sum + step.promptTokens, 0),
      completionTokensUpTo: estimates.reduce((sum, step) => sum + step.completionTokensUpTo, 0),
      costUsdUpTo: anyUnpriced ? undefined : estimates.reduce((sum, step) => sum + (step.costUsdUpTo ?? 0), 0),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

function tallyOf(requests: readonly DeferredRequest[], profiles: ReadonlyMap<string, ModelProfile>, countTokens: (text: string) => number): Tally {
  const tally: Tally = { requests: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
  for (const request of requests) {
    const prompt = promptTokensOf(request.body, countTokens);
    const completion = request.body.max_tokens ?? profiles.get(request.profile)?.sampling.max_tokens ?? DEFAULT_SAMPLING.max_tokens ?? 0;
    tally.requests++;
    tally.promptTokens += prompt;
    tally.completionTokens += completion;
    const cost = priceOf(profiles.get(request.profile), prompt, completion);
    tally.cost = tally.cost === undefined || cost === undefined ? undefined : tally.cost + cost;
  }
  return tally;
}

function priceOf(profile: ModelProfile | undefined, promptTokens: number, completionTokens: number): number | undefined {
  if (!profile || profile.pricePerMillionInput === undefined || profile.pricePerMillionOutput === undefined) return undefined;
  return (promptTokens * profile.pricePerMillionInput + completionTokens * profile.pricePerMillionOutput) / 1e6;
}

/** The profiles a model step calls, by its options or its role. */
function profilesOf(step: PipelineStep, models: PipelineModels, profiles: ReadonlyMap<string, ModelProfile>): ModelProfile[] {
  const names = (() => {
    switch (step.type) {
      case 'self-instruct':
        return [step.model ?? models.teachers[0]?.profile];
      case 'generate':
        return step.teachers && step.teachers.length > 0 ? [...step.teachers] : models.teachers.map((model) => model.profile);
      case 'critique-revise':
        return [step.critic ?? models.critic?.profile];
      case 'judge':
        return step.judges && step.judges.length > 0 ? [...step.judges] : models.judges.map((model) => model.profile);
      case 'score':
        return [step.judge ?? models.judges[0]?.profile];
      default:
        return [];
    }
  })();
  return names.flatMap((name) => {
    const profile = name === undefined ? undefined : profiles.get(name);
    return profile ? [profile] : [];
  });
}

/** Calls one input row makes in a step (the first call of each, for critique). */
function callsPerRow(step: PipelineStep, models: PipelineModels): number {
  switch (step.type) {
    case 'generate':
      return (step.n ?? 1) * (step.teachers && step.teachers.length > 0 ? step.teachers.length : models.teachers.length);
    case 'judge':
      return (step.bothOrders === false ? 1 : 2) * (step.samples ?? 1) * (step.judges && step.judges.length > 0 ? step.judges.length : models.judges.length);
    case 'critique-revise': {
      const rounds = step.principles && step.principles.length > 0 ? step.principles.length : step.rounds ?? 1;
      return 2 * rounds;
    }
    case 'score':
      return Math.max(1, step.rubrics?.length ?? 1);
    default:
      return 0;
  }
}

/** Rows a step will have written when the real run is over: what it has, plus what its pending rows make. */
function expectedRowsOut(step: PipelineStep, result: StepResult | undefined, actualIn: number, expectedIn: number, models: PipelineModels, done: boolean): number {
  const have = result?.rowsOut ?? 0;
  if (done) return have;
  const pendingRows = Math.max(0, expectedIn - actualIn) + (result?.failed ?? 0);
  switch (step.type) {
    case 'self-instruct':
      return Math.max(have, step.count);
    case 'generate':
      return have + pendingRows * (step.candidates === true ? 1 : (step.n ?? 1) * (step.teachers && step.teachers.length > 0 ? step.teachers.length : models.teachers.length));
    case 'critique-revise':
    case 'judge':
    case 'score':
      return have + pendingRows;
    default:
      // Curation keeps what it kept of the rows it saw, in proportion, or all when it saw none.
      return actualIn > 0 ? Math.round((have / actualIn) * expectedIn) : expectedIn;
  }
}

/** Tokens of text in the rows a step writes: its input's, plus the answers it adds (as long as max_tokens allows). */
function tokensOfRowsFrom(step: PipelineStep, inputTokens: number, models: PipelineModels, profiles: ReadonlyMap<string, ModelProfile>): number {
  const answerTokens = (): number => {
    const fromStep = 'maxTokens' in step ? (step as { maxTokens?: number }).maxTokens : undefined;
    const first = profilesOf(step, models, profiles)[0];
    return fromStep ?? first?.sampling.max_tokens ?? DEFAULT_SAMPLING.max_tokens ?? 0;
  };
  switch (step.type) {
    case 'self-instruct':
      return TYPICAL_PROMPT_TOKENS;
    case 'generate':
      return inputTokens + answerTokens() * (step.candidates === true ? callsPerRow(step, models) : 1);
    case 'critique-revise':
      // A pair carries the revision beside the original.
      return inputTokens + (step.pairs === true ? answerTokens() : 0);
    default:
      return inputTokens;
  }
}

function extrapolated(requests: number, promptTokensPerRequest: number, step: PipelineStep, callProfiles: readonly ModelProfile[]): Tally {
  if (requests === 0) return { requests: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
  const maxTokens = ('maxTokens' in step ? (step as { maxTokens?: number }).maxTokens : undefined);
  let cost: number | undefined = 0;
  let completionTokens = 0;
  // Spread evenly over the profiles the step calls.
  const share = requests / Math.max(1, callProfiles.length);
  for (const profile of callProfiles.length > 0 ? callProfiles : [undefined]) {
    const completion = maxTokens ?? profile?.sampling.max_tokens ?? DEFAULT_SAMPLING.max_tokens ?? 0;
    completionTokens += share * completion;
    const price = priceOf(profile, share * promptTokensPerRequest, share * completion);
    cost = cost === undefined || price === undefined ? undefined : cost + price;
  }
  return { requests, promptTokens: requests * promptTokensPerRequest, completionTokens, cost };
}
