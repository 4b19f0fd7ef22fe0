/**
 * Run as a process: one call through an engine whose profile uses request threads, printed, and
 * no dispose(). The process must stay up while the call is in flight and exit by itself after.
 *   node --import tsx exitProbe.ts BASE_URL
 */
import { ModelEngine } from '../../../src/core/llm/engine';
import { validateProfile } from '../../../src/core/llm/profile';

const baseURL = process.argv[2] as string;
const engine = new ModelEngine({
  profiles: [validateProfile({ name: 'probe', model: 'sim-small', baseURL, concurrency: 64 })],
  keyFor: () => undefined,
});
engine
  .model('probe')
  .complete({ messages: [{ role: 'user', content: 'one call from a process that does not dispose its engine' }] })
  .then((result) => {
    process.stdout.write(`answered: ${result.finishReason} after ${result.attempts} attempt(s)\n`);
  });
