// The token counters for unit tests: the wrapper modules imported directly (no bundle needed).
import type { TokenCounter, TokenCounterLoader } from '../../../src/core/statistics/tokens';

export const packageTokenCounterLoader: TokenCounterLoader = async (encoding): Promise<TokenCounter> => {
  const module = encoding === 'o200k_base' ? await import('../../../src/tokenizers/o200k_base') : await import('../../../src/tokenizers/cl100k_base');
  return module.countTokens;
};
