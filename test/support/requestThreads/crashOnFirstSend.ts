/**
 * A request thread that dies (exit code 3) on its first request, once per marker file: the first
 * thread started while the marker is missing crashes, every later one is the real request worker.
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';

const marker = process.env.DISTILLERY_TEST_CRASH_MARKER;
if (marker !== undefined && !fs.existsSync(marker)) {
  fs.writeFileSync(marker, 'crashed\n');
  parentPort?.on('message', (batch: Array<{ kind: string }>) => {
    if (batch.some((message) => message.kind === 'send')) process.exit(3);
  });
  parentPort?.postMessage([{ kind: 'ready' }]);
} else {
  // Loaded only now: it starts serving as it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../../src/core/llm/requestWorker');
}
