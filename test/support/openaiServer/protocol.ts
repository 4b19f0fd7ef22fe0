/**
 * The wire format: what the server reads from a chat completion request (validated, with
 * OpenAI's defaults filled in) and the error bodies it answers with. Response shapes are
 * OpenAI's own types from the `openai` package, so that a drift shows up in type-checking.
 */
import type { JsonSchema } from './schema';

export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionTokenLogprob,
} from 'openai/resources/chat/completions';
export type { CompletionUsage } from 'openai/resources/completions';
export type { Model } from 'openai/resources/models';

export type FinishReason = 'stop' | 'length' | 'content_filter';

export interface ChatMessage {
  role: string;
  /** Text content; content parts are joined with newlines, non-text parts are dropped. */
  content: string;
  name?: string | undefined;
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonSchema; strict: boolean };

/** A validated chat completion request, with OpenAI's defaults filled in. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  n: number;
  stream: boolean;
  includeUsage: boolean;
  temperature: number | undefined;
  seed: number | undefined;
  /** `max_completion_tokens`, or the older `max_tokens`. */
  maxTokens: number | undefined;
  stop: string[];
  logprobs: boolean;
  topLogprobs: number;
  responseFormat: ResponseFormat;
  /** The request body as sent. */
  body: Record<string, unknown>;
}

/** An OpenAI-style error: the status and the `error` object of the body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  toBody(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function invalid(message: string, param: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', null, param);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const texts: string[] = [];
    for (const part of content) {
      if (isRecord(part) && typeof part.text === 'string') texts.push(part.text);
    }
    return texts.join('\n');
  }
  return '';
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`'${key}' must be a number`, key);
  return value;
}

/** Validates a parsed request body; throws `ApiError` (400) as the real service would. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object.');
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw invalid("you must provide a model parameter", 'model');
  const rawMessages = body.messages;
  if (!Array.isArray(rawMessages) || rawMessages.length === 0) {
    throw invalid("'messages' must be a non-empty array", 'messages');
  }
  const messages: ChatMessage[] = rawMessages.map((message, index) => {
    if (!isRecord(message) || typeof message.role !== 'string') {
      throw invalid(`Invalid message at messages[${index}]`, `messages[${index}]`);
    }
    return {
      role: message.role,
      content: messageText(message.content),
      name: typeof message.name === 'string' ? message.name : undefined,
    };
  });

  const n = optionalNumber(body, 'n') ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 128) throw invalid("'n' must be an integer from 1 to 128", 'n');

  const maxTokens = optionalNumber(body, 'max_completion_tokens') ?? optionalNumber(body, 'max_tokens');
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw invalid("'max_tokens' must be a positive integer", 'max_tokens');
  }

  const logprobs = body.logprobs === true;
  const topLogprobs = optionalNumber(body, 'top_logprobs') ?? 0;
  if (!Number.isInteger(topLogprobs) || topLogprobs < 0 || topLogprobs > 20) {
    throw invalid("'top_logprobs' must be an integer from 0 to 20", 'top_logprobs');
  }
  if (topLogprobs > 0 && !logprobs) throw invalid("'logprobs' must be true when 'top_logprobs' is set", 'logprobs');

  const stop = typeof body.stop === 'string' ? [body.stop]
    : Array.isArray(body.stop) ? body.stop.filter((s): s is string => typeof s === 'string' && s !== '')
    : [];

  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  return {
    model,
    messages,
    n,
    stream: body.stream === true,
    includeUsage: body.stream === true && streamOptions.include_usage === true,
    temperature: optionalNumber(body, 'temperature'),
    seed: optionalNumber(body, 'seed'),
    maxTokens,
    stop,
    logprobs,
    topLogprobs,
    responseFormat: parseResponseFormat(body.response_format),
    body,
  };
}

function parseResponseFormat(value: unknown): ResponseFormat {
  if (value === undefined || value === null) return { type: 'text' };
  if (!isRecord(value)) throw invalid("'response_format' must be an object", 'response_format');
  switch (value.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const spec = value.json_schema;
      if (!isRecord(spec) || typeof spec.name !== 'string') {
        throw invalid("'response_format.json_schema.name' is required", 'response_format');
      }
      const schema = isRecord(spec.schema) ? (spec.schema as JsonSchema) : {};
      return { type: 'json_schema', name: spec.name, schema, strict: spec.strict === true };
    }
    default:
      throw invalid(`Unsupported response_format type: ${String(value.type)}`, 'response_format');
  }
}

/** The text of the last user message: where judge prompts put the answers to compare. */
export function lastUserText(request: Pick<ChatRequest, 'messages'>): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message && message.role === 'user') return message.content;
  }
  return '';
}
