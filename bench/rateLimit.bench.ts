/**
 * The engine under a server limit of R requests per minute. The test server enforces R in any
 * sliding minute (answering 429 with retry-after beyond it); the engine gets
 * more rows than fit in a minute, and the server's accept times (requests it answered 200) are
 * what is measured:
 *
 *   - the most accepted requests in any sliding one-minute window (the limit says ≤ R),
 *   - the achieved rate over the measured span (first to last accept) as a share of R (≥ 90%),
 *   - rows that failed (0), and the 429s the server sent.
 *
 * Two cases: the profile knows the limit (`requestsPerMinute: R`), and it does not, so that only
 * the server's 429s and their retry-after pace it. The windows are real minutes (the profile's
 * limit is per minute), so a run takes about ROWS / (R per minute) plus the first burst.
 * `BENCH_RUNS` sets the runs per case (3 by default); medians are reported.
 */
import { performance } from 'node:perf_hooks';
import { ModelClient } from '../src/core/llm/client';
import { validateProfile } from '../src/core/llm/profile';
import { createKeepAliveFetch } from '../src/core/llm/transport';
import type { BenchResult } from './run';
import { startTestServer } from '../test/support/openaiServer';

const RPM = 600;
/** R in the first minute and the rest as the first ones leave the window: about 61 s of sending. */
const ROWS = 700;
const CONCURRENCY = 16;
const LATENCY_MS = 50;
const WINDOW_MS = 60_000;

interface CaseResult {
  readonly maxInWindow: number;
  readonly achievedShare: number;
  readonly spanMs: number;
  readonly accepted: number;
  readonly failedRows: number;
  readonly rateLimited: number;
  readonly wallMs: number;
}

/** The most times in any half-open window [t, t + width). */
export function maxInSlidingWindow(sortedTimes: readonly number[], width: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < sortedTimes.length; end++) {
    while ((sortedTimes[end] as number) - (sortedTimes[start] as number) >= width) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

async function runCase(profileKnowsLimit: boolean): Promise<CaseResult> {
  const server = await startTestServer({ seed: 3, latency: LATENCY_MS, rateLimit: { rpm: RPM, requestCounting: 'window' } });
  const transport = createKeepAliveFetch({ connections: CONCURRENCY });
  try {
    const profile = validateProfile({
      name: 'limited', model: 'sim-small', baseURL: server.baseURL, concurrency: CONCURRENCY,
      sampling: { max_tokens: 16 },
      ...(profileKnowsLimit ? { requestsPerMinute: RPM } : {}),
    });
    const client = new ModelClient(profile, { fetch: transport.fetch });
    const begin = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: ROWS }, (_, row) => client.complete({ messages: [{ role: 'user', content: `Row ${row}: say hello.` }] })),
    );
    const wallMs = performance.now() - begin;
    const chat = server.chatRequests();
    const acceptTimes = chat.filter((r) => r.status === 200).map((r) => r.time).sort((a, b) => a - b);
    const first = acceptTimes[0] ?? 0;
    const last = acceptTimes[acceptTimes.length - 1] ?? 0;
    const spanMs = last - first;
    // Requests after the first, per minute of span: the first only opens the span.
    const perMinute = spanMs > 0 ? ((acceptTimes.length - 1) * WINDOW_MS) / spanMs : 0;
    return {
      maxInWindow: maxInSlidingWindow(acceptTimes, WINDOW_MS),
      achievedShare: perMinute / RPM,
      spanMs,
      accepted: acceptTimes.length,
      failedRows: outcomes.filter((outcome) => outcome.status === 'rejected').length,
      rateLimited: chat.filter((r) => r.status === 429).length,
      wallMs,
    };
  } finally {
    await transport.close();
    await server.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function run(): Promise<BenchResult> {
  const raw = process.env.BENCH_RUNS;
  const runs = raw === undefined || raw === '' ? 3 : Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  const details: string[] = [`R = ${RPM}/min, ${ROWS} rows, concurrency ${CONCURRENCY}, latency ${LATENCY_MS} ms; ${runs} runs per case; medians`];
  const metrics: Record<string, number> = {};
  const verdicts: string[] = [];
  for (const knows of [true, false]) {
    const results: CaseResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await runCase(knows));
    const name = knows ? 'profile knows R' : 'profile does not know R (429s pace it)';
    const key = knows ? 'known' : 'unknown';
    const m = (pick: (result: CaseResult) => number): number => median(results.map(pick));
    const maxInWindow = m((r) => r.maxInWindow);
    const share = m((r) => r.achievedShare);
    const failed = m((r) => r.failedRows);
    details.push(
      `${name}: max accepted in any 60 s window ${maxInWindow} (limit ${RPM}; runs ${results.map((r) => r.maxInWindow).join(', ')}), ` +
        `achieved ${(share * 100).toFixed(1)}% of R over ${(m((r) => r.spanMs) / 1000).toFixed(1)} s (runs ${results.map((r) => (r.achievedShare * 100).toFixed(1)).join(', ')}), ` +
        `failed rows ${failed}, 429s ${m((r) => r.rateLimited)}, accepted ${m((r) => r.accepted)}, wall ${(m((r) => r.wallMs) / 1000).toFixed(1)} s`,
    );
    metrics[`${key}_maxInWindow`] = maxInWindow;
    metrics[`${key}_achievedShare`] = share;
    metrics[`${key}_failedRows`] = failed;
    metrics[`${key}_rateLimited`] = m((r) => r.rateLimited);
    const ok = maxInWindow <= RPM && share >= 0.9 && failed === 0;
    verdicts.push(`${key}: window max ${maxInWindow}/${RPM}, ${(share * 100).toFixed(0)}% of R, ${failed} failed (${ok ? 'met' : 'NOT met'})`);
  }
  return { summary: `rate limit ${RPM}/min — ${verdicts.join('; ')}`, details, metrics };
}
