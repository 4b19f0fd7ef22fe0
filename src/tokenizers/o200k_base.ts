// Bundled on its own as dist/tokenizers/o200k_base.js (see esbuild.js) and loaded only when statistics
// count tokens: the rank table is megabytes of JavaScript that activation must not pay for.
import { countTokens as count } from 'gpt-tokenizer/encoding/o200k_base';

// Text that happens to spell a special token ("<|endoftext|>") is counted as ordinary text
// rather than refused: datasets quote such strings.
const asText = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return count(text, asText);
}
