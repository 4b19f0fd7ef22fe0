/**
 * Scripted behaviour: rules that match a request (by model, by a marker in the messages, or by
 * a predicate) and say how to answer it. The first rule that matches and has uses left answers;
 * a request that no rule matches gets the simulator's default answer (generic text,
 * schema-conforming JSON, or a verdict of the simulated judge).
 *
 *     server.addRule({ match: { marker: '<<critic>>' }, reply: 'The answer is vague.' });
 *     server.addRule({ match: { model: 'judge-b' }, reply: judgeReply({ positionBias: 0.3 }) });
 *     server.addRule({ match: { marker: 'flaky' }, fault: { kind: 'status', status: 503 }, times: 2 });
 */
import type { FaultSpec } from './faults';
import type { JudgeOptions } from './judge';
import type { LatencySpec } from './latency';
import type { LogprobOverride } from './logprobs';
import type { MatchTarget, RequestMatch } from './match';
import { requestMatches } from './match';
import type { ChatCompletionTokenLogprob, ChatRequest, FinishReason } from './protocol';
import type { Rng } from './random';
import type { RecordedRequest } from './recording';

/** How to answer one choice. Every field is optional; an empty spec answers with empty content. */
export interface ReplySpec {
  content?: string;
  /** Serialised as the content (overrides `content`). */
  json?: unknown;
  /** A refusal instead of content. */
  refusal?: string;
  /** 'stop' by default; 'length' anyway when `max_tokens` cuts the content. */
  finishReason?: FinishReason;
  /** Logprobs to return as they are (when the request asks for logprobs). */
  logprobs?: ChatCompletionTokenLogprob[];
  /** Pinned distributions at some tokens; the other tokens get seeded logprobs. */
  logprobOverrides?: LogprobOverride[];
}

export interface ReplyContext {
  /** Seeded for this request and choice: the same seed and request give the same draws. */
  rng: Rng;
  /** Which of the request's `n` choices is being answered. */
  choiceIndex: number;
  /** The request as recorded (its `index` is its position in `server.requests`). */
  record: RecordedRequest;
  /** The text of the last user message. */
  lastUserText: string;
  /** The answer the simulator would give without rules. */
  defaultReply(): ReplySpec;
  /** A verdict of the simulated judge (recorded on the request); the default answer when the request carries no quality markers. */
  judge(options?: JudgeOptions): ReplySpec;
}

export type ReplyFunction = (request: ChatRequest, context: ReplyContext) => string | ReplySpec | Promise<string | ReplySpec>;

export type ReplyInput = string | ReplySpec | ReplyFunction;

export interface Rule {
  /** Shown in `RecordedRequest.rule`; "rule N" by default. */
  name?: string;
  /** Which requests it answers; every chat completion request when absent. */
  match?: RequestMatch;
  /** The answer: text, a spec, or a function called once per choice. */
  reply?: ReplyInput;
  /** A fault instead of an answer. */
  fault?: FaultSpec;
  /** Latency for the requests it answers, instead of the server's. */
  latency?: LatencySpec;
  /** How many requests it answers before it stops matching; unlimited by default. */
  times?: number;
}

export interface RuleHandle {
  readonly name: string;
  /** How many requests it has answered. */
  readonly uses: number;
  remove(): void;
}

export interface ActiveRule {
  rule: Rule;
  name: string;
  uses: number;
}

export class RuleBook {
  private rules: ActiveRule[] = [];
  private added = 0;

  add(rule: Rule): RuleHandle {
    this.added++;
    const active: ActiveRule = { rule, name: rule.name ?? `rule ${this.added}`, uses: 0 };
    this.rules.push(active);
    return {
      name: active.name,
      get uses() {
        return active.uses;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== active);
      },
    };
  }

  /** Finds the rule for a request and takes one of its uses. */
  take(target: MatchTarget): ActiveRule | undefined {
    const found = this.rules.find(
      (active) => (active.rule.times === undefined || active.uses < active.rule.times) && requestMatches(active.rule.match, target),
    );
    if (found) found.uses++;
    return found;
  }

  clear(): void {
    this.rules = [];
    this.added = 0;
  }
}

/** A reply input resolved for one choice. */
export async function resolveReply(input: ReplyInput, request: ChatRequest, context: ReplyContext): Promise<ReplySpec> {
  const value = typeof input === 'function' ? await input(request, context) : input;
  return typeof value === 'string' ? { content: value } : value;
}
