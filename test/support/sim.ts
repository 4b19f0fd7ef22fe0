/**
 * The offline simulator: the project's OpenAI-compatible test server, run on its own as the
 * model endpoint of the sandbox and the demo when no real endpoint is configured. Everything it
 * answers is labelled as simulated (the `x-distillery-simulated: true` header, the
 * `distillery-simulator` system fingerprint, and text that begins with "[simulated]").
 *
 * Without scripted rules it gives plausible generic answers fixed by the seed and the prompt,
 * JSON that conforms to a requested json_schema, and verdicts of the simulated judge for
 * requests whose answers carry `[[quality:…]]` markers (see openaiServer/judge.ts).
 *
 *     npm run sim [-- --port 8123] [--seed 7] [--latency 200] [--chunk-interval 15]
 *
 * The port also comes from SIM_PORT and the seed from SIM_SEED; the port is 0 (any free one)
 * by default. It prints exactly one line, with its base URL, and runs until SIGINT or SIGTERM.
 *
 * Other scripts start it in-process with `startSimulator(options)`.
 */
import type { TestServer, TestServerOptions } from './openaiServer';
import { DEFAULT_MODELS, startTestServer } from './openaiServer';

export type SimulatorOptions = TestServerOptions;

export const SIMULATOR_BANNER = 'Distillery simulator (simulated model answers) listening at';

/** Starts the simulator in-process. It keeps only the last 1000 requests, as it may run for long. */
export function startSimulator(options: SimulatorOptions = {}): Promise<TestServer> {
  return startTestServer({ recordLimit: 1000, models: [...DEFAULT_MODELS], ...options });
}

/** The value of `--name VALUE` or `--name=VALUE`. */
function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

function integer(value: string | undefined, what: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${what} must be a non-negative integer, not '${value}'`);
  return parsed;
}

/** Simulator options from the command line and the environment. */
export function simulatorOptionsFrom(argv: readonly string[], env: NodeJS.ProcessEnv): SimulatorOptions {
  const port = integer(flag(argv, 'port') ?? env.SIM_PORT, 'the port', 0);
  const seed = integer(flag(argv, 'seed') ?? env.SIM_SEED, 'the seed', 0);
  const latency = integer(flag(argv, 'latency'), 'the latency', 0);
  const chunkInterval = integer(flag(argv, 'chunk-interval'), 'the chunk interval', 0);
  return {
    port,
    seed,
    ...(latency > 0 ? { latency: { kind: 'longTail', medianMs: latency, sigma: 0.5 } } : {}),
    ...(chunkInterval > 0 ? { streamChunkIntervalMs: chunkInterval } : {}),
  };
}

async function main(): Promise<void> {
  const server = await startSimulator(simulatorOptionsFrom(process.argv.slice(2), process.env));
  process.stdout.write(`${SIMULATOR_BANNER} ${server.baseURL}\n`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`simulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
