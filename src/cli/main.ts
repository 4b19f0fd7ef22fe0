import { runCli } from './run';
import { ExitCode } from './exitCodes';
import { redact, secretsIn } from '../core/llm/redact';

// The `distillery` binary: wires the real process into runCli.
const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // A second Ctrl-C leaves at once, for when a step ignores cancellation.
  if (interrupted) process.exit(ExitCode.Interrupted);
  interrupted = true;
  controller.abort();
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  now: () => Date.now(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`distillery: internal error: ${redact(detail, secretsIn(process.env))}\n`);
    process.exitCode = ExitCode.Failure;
  },
);
