import type { CliIo, OutputStream } from '../../../src/cli/io';

export class CapturedStream implements OutputStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 100,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** A CLI process surface for in-process runs: captured output, a chosen environment. */
export function fakeIo(options: { env?: Record<string, string>; cwd?: string; signal?: AbortSignal } = {}) {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream();
  const io: CliIo = {
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    now: () => Date.now(),
  };
  return { io, stdout, stderr };
}
