/**
 * The batch runner of the tests: does what the OpenAI Batch API and `vllm run-batch` do with a
 * request file, against an OpenAI-compatible server (the test server). Each input line's body is
 * POSTed to its `url`, and the output file gets one line per request, in the order they finished:
 *
 *     {"id":"batch_req_…","custom_id":"…","response":{"status_code":200,"request_id":"…","body":{…}},"error":null}
 *
 * Failures are written the way the real services write them. OpenAI (style "openai", the default):
 * an HTTP error keeps its status and error body under "response" with "error": null, and a request
 * that got no HTTP answer has "response": null and "error": {"code","message"}. vLLM (style
 * "vllm"): "response" with the status and no body, and "error" as a string.
 *
 *     node --import tsx test/support/openaiServer/batchRunner.ts -i IN -o OUT --base-url URL [--style vllm]
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface BatchRunnerOptions {
  /** Requests in flight at once; 8 by default. */
  readonly concurrency?: number;
  /** Sent as a bearer token; none by default. */
  readonly apiKey?: string;
  /** How failures are written; "openai" by default. */
  readonly style?: 'openai' | 'vllm';
  /** Failed requests go here instead of the output, as the OpenAI Batch API's error file. */
  readonly errorOutput?: string;
}

export interface BatchRunSummary {
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
}

interface OutputLine {
  readonly id: string;
  readonly custom_id: string | null;
  readonly response: { status_code: number; request_id: string; body?: unknown } | null;
  readonly error: { code: string; message: string } | string | null;
}

/** Runs every request of `input` against `baseURL` and writes the results to `output`. */
export async function runBatchFile(baseURL: string, input: string, output: string, options: BatchRunnerOptions = {}): Promise<BatchRunSummary> {
  const concurrency = options.concurrency ?? 8;
  const style = options.style ?? 'openai';
  const results: OutputLine[] = [];
  const failures: OutputLine[] = [];
  const inFlight = new Set<Promise<void>>();
  let sequence = 0;
  let lineNumber = 0;

  const record = (line: OutputLine, ok: boolean): void => {
    (ok || options.errorOutput === undefined ? results : failures).push(line);
  };
  const nextId = (): string => `batch_req_${String(++sequence).padStart(6, '0')}`;

  const lines = createInterface({ input: createReadStream(input, 'utf8'), crlfDelay: Infinity });
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    const request = parseRequestLine(text, lineNumber);
    if ('problem' in request) {
      record({ id: nextId(), custom_id: request.customId, response: null, error: style === 'vllm' ? request.problem : { code: 'invalid_request', message: request.problem } }, false);
      continue;
    }
    const id = nextId();
    const task = send(baseURL, request, options.apiKey).then(
      (answer) => {
        if (answer.status === 200) {
          record({ id, custom_id: request.customId, response: { status_code: 200, request_id: answer.requestId, body: answer.body }, error: null }, true);
        } else if (style === 'vllm') {
          record({ id, custom_id: request.customId, response: { status_code: answer.status, request_id: answer.requestId }, error: errorMessageOf(answer.body) ?? `HTTP ${answer.status}` }, false);
        } else {
          record({ id, custom_id: request.customId, response: { status_code: answer.status, request_id: answer.requestId, body: answer.body }, error: null }, false);
        }
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        record({ id, custom_id: request.customId, response: null, error: style === 'vllm' ? message : { code: 'request_failed', message } }, false);
      },
    ).finally(() => inFlight.delete(task));
    inFlight.add(task);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);

  const toText = (list: readonly OutputLine[]): string => list.map((line) => `${JSON.stringify(line)}\n`).join('');
  await writeFile(output, toText(results));
  if (options.errorOutput !== undefined) await writeFile(options.errorOutput, toText(failures));
  const failed = results.filter((line) => line.response?.status_code !== 200).length + failures.length;
  return { requests: results.length + failures.length, succeeded: results.length + failures.length - failed, failed };
}

interface RequestLine {
  readonly customId: string;
  readonly url: string;
  readonly body: unknown;
}

function parseRequestLine(text: string, line: number): RequestLine | { problem: string; customId: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `line ${line}: not valid JSON (${(error as Error).message})`, customId: null };
  }
  if (typeof value !== 'object' || value === null) return { problem: `line ${line}: not a JSON object`, customId: null };
  const { custom_id: customId, method, url, body } = value as Record<string, unknown>;
  const id = typeof customId === 'string' ? customId : null;
  if (id === null) return { problem: `line ${line}: no custom_id`, customId: null };
  if (method !== 'POST') return { problem: `line ${line}: method must be POST`, customId: id };
  if (url !== '/v1/chat/completions') return { problem: `line ${line}: url must be /v1/chat/completions`, customId: id };
  if (typeof body !== 'object' || body === null) return { problem: `line ${line}: no body`, customId: id };
  return { customId: id, url, body };
}

async function send(baseURL: string, request: RequestLine, apiKey: string | undefined): Promise<{ status: number; requestId: string; body: unknown }> {
  // The url is absolute from the server's root (/v1/…), as vllm run-batch and the Batch API take it.
  const target = new URL(request.url, baseURL);
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey !== undefined ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify(request.body),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: { message: `the server's answer is not JSON: ${text.slice(0, 200)}`, type: 'server_error', param: null, code: null } };
  }
  return { status: response.status, requestId: response.headers.get('x-request-id') ?? '', body };
}

function errorMessageOf(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === 'string' ? error.message : undefined;
}

function flag(argv: readonly string[], ...names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    for (const name of names) {
      if (arg === name) return argv[i + 1];
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
  }
  return undefined;
}

async function main(argv: readonly string[]): Promise<void> {
  const input = flag(argv, '-i', '--input-file');
  const output = flag(argv, '-o', '--output-file');
  const baseURL = flag(argv, '--base-url') ?? process.env.OPENAI_BASE_URL;
  if (input === undefined || output === undefined || baseURL === undefined) {
    throw new Error('usage: batchRunner.ts -i IN.jsonl -o OUT.jsonl --base-url URL [--style openai|vllm] [--concurrency N] [--errors ERRORS.jsonl]');
  }
  const style = flag(argv, '--style');
  if (style !== undefined && style !== 'openai' && style !== 'vllm') throw new Error(`--style must be openai or vllm, not ${style}`);
  const concurrency = flag(argv, '--concurrency');
  const errors = flag(argv, '--errors');
  const apiKey = process.env.OPENAI_API_KEY;
  const summary = await runBatchFile(baseURL, input, output, {
    ...(style !== undefined ? { style } : {}),
    ...(concurrency !== undefined ? { concurrency: Number(concurrency) } : {}),
    ...(errors !== undefined ? { errorOutput: errors } : {}),
    ...(apiKey ? { apiKey } : {}),
  });
  process.stdout.write(`${summary.requests} requests: ${summary.succeeded} succeeded, ${summary.failed} failed\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`batchRunner: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
