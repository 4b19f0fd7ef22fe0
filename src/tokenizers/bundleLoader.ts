/**
 * Loads a tokenizer bundle (dist/tokenizers/ENCODING.js) from a directory at run time. The
 * require is made through `createRequire`, with a computed path, so esbuild leaves it alone and
 * the rank tables stay out of the extension's and the CLI's own bundles.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { TokenCounter, TokenCounterLoader, TokenEncoding } from '../core/statistics/tokens';

interface TokenizerModule {
  readonly countTokens: TokenCounter;
}

/** A loader over the bundles in `directory`; each encoding is loaded once. */
export function bundledTokenCounterLoader(directory: string): TokenCounterLoader {
  const loaded = new Map<TokenEncoding, Promise<TokenCounter>>();
  return (encoding) => {
    let counter = loaded.get(encoding);
    if (!counter) {
      const file = path.join(directory, `${encoding}.js`);
      counter = Promise.resolve().then(() => {
        const load = createRequire(file);
        const module = load(file) as Partial<TokenizerModule>;
        if (typeof module.countTokens !== 'function') throw new Error(`${file} does not export countTokens`);
        return module.countTokens;
      });
      // A failed load may be retried (the file may be restored).
      counter.catch(() => loaded.delete(encoding));
      loaded.set(encoding, counter);
    }
    return counter;
  };
}
