/**
 * Chat completion objects, whole and as stream chunks, from the answered choices. Every one is
 * labelled as simulated by its `system_fingerprint`.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionTokenLogprob, CompletionUsage, FinishReason } from './protocol';
import { tokenize } from './tokens';

export const SYSTEM_FINGERPRINT = 'distillery-simulator';

/** One answered choice, after stop sequences and max_tokens were applied. */
export interface ChoiceOutput {
  content: string | null;
  refusal: string | null;
  finishReason: FinishReason;
  /** Per token of the content, when the request asked for logprobs. */
  logprobs: ChatCompletionTokenLogprob[] | null;
  completionTokens: number;
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function buildUsage(promptTokens: number, completionTokens: number): CompletionUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export function buildCompletion(meta: CompletionMeta, choices: readonly ChoiceOutput[], usage: CompletionUsage): ChatCompletion {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: choices.map((choice, index) => ({
      index,
      message: { role: 'assistant', content: choice.content, refusal: choice.refusal, annotations: [] },
      logprobs: choice.logprobs ? { content: choice.logprobs, refusal: null } : null,
      finish_reason: choice.finishReason,
    })),
    usage,
  };
}

interface ChunkPiece {
  delta: ChatCompletionChunk.Choice.Delta;
  logprobs: ChatCompletionTokenLogprob[] | null;
}

/** A choice's content as stream deltas, one token each, with that token's logprobs. */
function pieces(choice: ChoiceOutput): ChunkPiece[] {
  if (choice.refusal !== null) return [{ delta: { refusal: choice.refusal }, logprobs: null }];
  const tokens = tokenize(choice.content ?? '');
  const aligned = choice.logprobs !== null && choice.logprobs.length === tokens.length;
  const result: ChunkPiece[] = tokens.map((token, i) => ({
    delta: { content: token.text },
    logprobs: aligned ? [(choice.logprobs as ChatCompletionTokenLogprob[])[i] as ChatCompletionTokenLogprob] : null,
  }));
  // Logprobs scripted by a rule need not line up with the tokens: send them with the last piece.
  if (choice.logprobs !== null && !aligned) {
    if (result.length === 0) result.push({ delta: { content: '' }, logprobs: null });
    (result[result.length - 1] as ChunkPiece).logprobs = choice.logprobs;
  }
  return result;
}

/**
 * The stream of a completion: a role delta per choice, then the tokens (choices interleaved),
 * then each choice's finish reason, then, with include_usage, a last chunk with no choices and
 * the usage (earlier chunks then carry `usage: null`, as the real service sends them).
 */
export function buildChunks(
  meta: CompletionMeta,
  choices: readonly ChoiceOutput[],
  usage: CompletionUsage | undefined,
): ChatCompletionChunk[] {
  const base = {
    id: meta.id,
    object: 'chat.completion.chunk' as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    ...(usage ? { usage: null } : {}),
  };
  const chunks: ChatCompletionChunk[] = [];
  const chunk = (choice: ChatCompletionChunk.Choice): ChatCompletionChunk => ({ ...base, choices: [choice] });

  choices.forEach((_choice, index) => {
    chunks.push(chunk({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }));
  });
  const perChoice = choices.map(pieces);
  const rounds = Math.max(0, ...perChoice.map((p) => p.length));
  for (let round = 0; round < rounds; round++) {
    perChoice.forEach((choicePieces, index) => {
      const piece = choicePieces[round];
      if (!piece) return;
      chunks.push(
        chunk({ index, delta: piece.delta, logprobs: piece.logprobs ? { content: piece.logprobs, refusal: null } : null, finish_reason: null }),
      );
    });
  }
  choices.forEach((choice, index) => {
    chunks.push(chunk({ index, delta: {}, logprobs: null, finish_reason: choice.finishReason }));
  });
  if (usage) chunks.push({ ...base, choices: [], usage });
  return chunks;
}
