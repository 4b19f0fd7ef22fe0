/**
 * Token logprobs for generated content. Each token (see tokens.ts) gets a seeded probability;
 * `top_logprobs` lists it first, then made-up alternatives sharing the remaining mass, so that
 * the probabilities at a position never sum above 1. An override pins the distribution at one
 * token, which is how the simulated judge reports how sure it is of its verdict.
 */
import type { ChatCompletionTokenLogprob } from './protocol';
import type { Rng } from './random';
import { tokenize } from './tokens';

export interface LogprobOverride {
  /** Character offset, in the content, of a character of the token to pin (not its leading space). */
  offset: number;
  /** The distribution at that position, by bare token text; should include the token itself. */
  probabilities: ReadonlyArray<{ token: string; probability: number }>;
}

const ALTERNATIVE_TOKENS = ['the', 'a', 'and', 'of', 'to', 'is', 'in', 'that', 'it', 'for', ',', '.', 'this', 'as'];

function utf8Bytes(text: string): number[] {
  return Array.from(Buffer.from(text, 'utf8'));
}

function entry(token: string, probability: number): ChatCompletionTokenLogprob.TopLogprob {
  // Real services send -9999 for "vanishingly unlikely"; a probability of 0 would give -Infinity, not JSON.
  const logprob = probability > 0 ? Math.log(probability) : -9999;
  return { token, bytes: utf8Bytes(token), logprob };
}

export function buildLogprobs(
  content: string,
  topLogprobs: number,
  rng: Rng,
  overrides: readonly LogprobOverride[] = [],
): ChatCompletionTokenLogprob[] {
  return tokenize(content).map((token) => {
    const end = token.offset + token.text.length;
    const override = overrides.find((o) => o.offset >= token.offset && o.offset < end);
    const leading = /^\s*/.exec(token.text)?.[0] ?? '';
    if (override) {
      const bare = token.text.slice(leading.length);
      const ranked = [...override.probabilities].sort((a, b) => b.probability - a.probability);
      const own = ranked.find((p) => p.token === bare)?.probability ?? 0;
      const chosen = entry(token.text, own);
      return {
        ...chosen,
        top_logprobs: ranked.slice(0, topLogprobs).map((p) => entry(leading + p.token, p.probability)),
      };
    }
    const probability = 0.5 + 0.49 * rng.next();
    const alternatives: ChatCompletionTokenLogprob.TopLogprob[] = [];
    let remaining = 1 - probability;
    const used = new Set([token.text]);
    for (let i = 0; alternatives.length < topLogprobs - 1 && i < 20; i++) {
      const candidate = leading + rng.pick(ALTERNATIVE_TOKENS);
      if (used.has(candidate)) continue;
      used.add(candidate);
      remaining *= 0.5; // each alternative takes half of what is left, so the sum stays below 1
      alternatives.push(entry(candidate, remaining));
    }
    const chosen = entry(token.text, probability);
    return { ...chosen, top_logprobs: topLogprobs > 0 ? [chosen, ...alternatives] : [] };
  });
}
