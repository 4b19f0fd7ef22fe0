/**
 * The test server's own throughput: non-streaming chat completions at concurrency 64 over
 * loopback, through an undici Pool, as a ratio against the same loop to a bare `http` server
 * that answers a fixed small JSON. Both run in this process, several times, interleaved; the
 * medians are reported. It tells whether the test server can keep up with the load tests put
 * on it (a ratio near 1 means its own work costs little next to HTTP itself).
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { BenchResult } from './run';
import { startTestServer } from '../test/support/openaiServer';

const CONCURRENCY = 64;
const REQUESTS_PER_RUN = 3000;
const WARMUP_REQUESTS = 500;
const RUNS = 5;

const REQUEST_BODY = JSON.stringify({
  model: 'sim-small',
  messages: [{ role: 'user', content: 'Say hello to the benchmark in one sentence.' }],
});

/** About the size of a short completion, so that both servers send similar bytes. */
const FIXED_RESPONSE = JSON.stringify({
  id: 'chatcmpl-fixed',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'fixed',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello, benchmark.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
});

function startBareServer(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(FIXED_RESPONSE)) });
      res.end(FIXED_RESPONSE);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Sends `count` POSTs, `CONCURRENCY` at a time; returns requests per second. */
async function measure(pool: Pool, path: string, count: number): Promise<number> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const response = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
        body: REQUEST_BODY,
      });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`);
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / ((performance.now() - begin) / 1000);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function run(): Promise<BenchResult> {
  const testServer = await startTestServer({ seed: 1 });
  const bare = await startBareServer();
  const testOrigin = new URL(testServer.baseURL).origin;
  const testPool = new Pool(testOrigin, { connections: CONCURRENCY });
  const barePool = new Pool(bare.origin, { connections: CONCURRENCY });
  const testRates: number[] = [];
  const bareRates: number[] = [];
  try {
    await measure(barePool, '/v1/chat/completions', WARMUP_REQUESTS);
    await measure(testPool, '/v1/chat/completions', WARMUP_REQUESTS);
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so that neither always runs on a warmer or cooler machine.
      const order = i % 2 === 0 ? ['bare', 'test'] : ['test', 'bare'];
      for (const which of order) {
        testServer.reset(); // keep the recorded requests from piling up across runs
        if (which === 'bare') bareRates.push(await measure(barePool, '/v1/chat/completions', REQUESTS_PER_RUN));
        else testRates.push(await measure(testPool, '/v1/chat/completions', REQUESTS_PER_RUN));
      }
    }
  } finally {
    await Promise.all([testPool.close(), barePool.close()]);
    await Promise.all([testServer.close(), bare.close()]);
  }
  const testMedian = median(testRates);
  const bareMedian = median(bareRates);
  const ratio = testMedian / bareMedian;
  const format = (rates: readonly number[]): string => rates.map((r) => Math.round(r)).join(', ');
  return {
    summary: `test server throughput = ${ratio.toFixed(2)} × a bare undici loop (medians of ${RUNS} runs, concurrency ${CONCURRENCY})`,
    details: [
      `test server: median ${Math.round(testMedian)} req/s  (runs: ${format(testRates)})`,
      `bare http:   median ${Math.round(bareMedian)} req/s  (runs: ${format(bareRates)})`,
    ],
    metrics: { testServerRequestsPerSecond: testMedian, bareRequestsPerSecond: bareMedian, ratio },
  };
}
