/**
 * The verifier command: a program that reads `{"prompt", "answer", "messages"}` as JSON on stdin
 * and exits 0 to accept the sample. It is spawned without a shell (its arguments are passed as
 * they are). Any other exit rejects the sample with the first line of its stderr as the reason; a
 * run longer than the timeout is killed and rejects. A program that cannot be started at all is
 * not a rejection: VerifierStartError stops the call, since every sample would fail the same way.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { SampleFilterSettings } from './types';

export type VerifierSettings = NonNullable<SampleFilterSettings['verifier']>;

export const DEFAULT_VERIFIER_TIMEOUT_MS = 30_000;

/** The longest reason kept from a verifier's stderr. */
const MAX_REASON_CHARS = 500;
/** stderr kept to find the first line; the rest is drained and dropped. */
const MAX_STDERR_BYTES = 64 * 1024;

export interface VerifierInput {
  /** The text of the last user turn. */
  readonly prompt: string;
  readonly answer: string;
  /** The prompt turns. */
  readonly messages: readonly { readonly role: string; readonly content: string }[];
}

export type VerifierVerdict = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

export class VerifierStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifierStartError';
  }
}

export class VerifierCancelledError extends Error {
  constructor() {
    super('the verifier was cancelled');
    this.name = 'VerifierCancelledError';
  }
}

/** Verifier processes running at once, across all calls: as many as there are cores. */
class ProcessSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

const slots = new ProcessSlots(Math.max(2, availableParallelism()));

function describeCommand(settings: VerifierSettings): string {
  return [settings.command, ...(settings.args ?? [])].map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(' ');
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS)}…` : line;
}

export async function runVerifier(settings: VerifierSettings, input: VerifierInput, signal?: AbortSignal): Promise<VerifierVerdict> {
  await slots.acquire();
  try {
    return await runOnce(settings, input, signal);
  } finally {
    slots.release();
  }
}

function runOnce(settings: VerifierSettings, input: VerifierInput, signal: AbortSignal | undefined): Promise<VerifierVerdict> {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_VERIFIER_TIMEOUT_MS;
  return new Promise<VerifierVerdict>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new VerifierCancelledError());
      return;
    }
    const child = spawn(settings.command, [...(settings.args ?? [])], {
      shell: false,
      stdio: ['pipe', 'ignore', 'pipe'],
      windowsHide: true,
      ...(settings.cwd !== undefined ? { cwd: settings.cwd } : {}),
    });
    let stderr = '';
    let stderrBytes = 0;
    let ended: 'timeout' | 'cancelled' | undefined;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const timer = setTimeout(() => {
      ended = 'timeout';
      child.kill('SIGKILL');
    }, timeoutMs);
    const onAbort = (): void => {
      ended = 'cancelled';
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const notStarted = (why: string): void =>
      finish(() => reject(new VerifierStartError(`the verifier command cannot be started: ${describeCommand(settings)} (${why})`)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      // 'error' without a pid: the program never started (not found, not executable, bad cwd).
      if (child.pid === undefined) notStarted(error.code ?? error.message);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderrBytes < MAX_STDERR_BYTES) stderr += chunk.toString('utf8');
      stderrBytes += chunk.length;
    });
    // A verifier may exit without reading its input: the broken pipe is not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify({ prompt: input.prompt, answer: input.answer, messages: input.messages }));

    child.on('close', (code, killedBy) => {
      if (child.pid === undefined) return notStarted(`exit code ${String(code)}`);
      if (ended === 'cancelled') return finish(() => reject(new VerifierCancelledError()));
      if (ended === 'timeout') return finish(() => resolve({ accepted: false, reason: `the verifier took longer than ${timeoutMs} ms and was stopped` }));
      if (code === 0) return finish(() => resolve({ accepted: true }));
      const line = firstLine(stderr);
      const how = code !== null ? `exit code ${code}` : `signal ${killedBy ?? 'unknown'}`;
      finish(() => resolve({ accepted: false, reason: line !== '' ? line : `the verifier rejected it (${how}, nothing on stderr)` }));
    });
  });
}
