/**
 * The benchmark runner: `npm run bench [-- NAME]`. It runs every `bench/*.bench.ts` whose name
 * contains NAME (all of them without it), one after another, and prints what each reports.
 *
 * A benchmark module exports `run(): Promise<BenchResult>`. Benchmarks report ratios against a
 * reference measured in the same run, never absolute timings to assert on: the machines that run
 * them differ, and so does their load.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchResult {
  /** One line: what was measured and the headline ratio. */
  summary: string;
  /** Further lines: the measurements behind the summary. */
  details: string[];
  /** Named numbers (medians, ratios), for tooling that wants to compare runs. */
  metrics: Record<string, number>;
}

export type BenchFunction = () => Promise<BenchResult>;

const BENCH_SUFFIX = '.bench.ts';

function isBenchFunction(value: unknown): value is BenchFunction {
  return typeof value === 'function';
}

async function loadBench(file: string): Promise<BenchFunction> {
  const module = (await import(pathToFileURL(file).href)) as { run?: unknown; default?: { run?: unknown } };
  // A CommonJS-compiled module may expose its exports under `default` when imported.
  const run = module.run ?? module.default?.run;
  if (!isBenchFunction(run)) throw new Error(`${path.basename(file)} does not export a run() function`);
  return run;
}

export async function main(argv: readonly string[]): Promise<number> {
  const filter = argv.find((arg) => !arg.startsWith('-'));
  const benchDir = __dirname;
  const files = readdirSync(benchDir)
    .filter((name) => name.endsWith(BENCH_SUFFIX))
    .filter((name) => filter === undefined || name.includes(filter))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`no benchmark matches ${JSON.stringify(filter ?? '')} in ${benchDir}\n`);
    return 2;
  }
  let failures = 0;
  for (const file of files) {
    const name = file.slice(0, -BENCH_SUFFIX.length);
    process.stdout.write(`bench ${name}\n`);
    try {
      const run = await loadBench(path.join(benchDir, file));
      const result = await run();
      for (const line of result.details) process.stdout.write(`  ${line}\n`);
      process.stdout.write(`  => ${result.summary}\n`);
    } catch (error) {
      failures++;
      process.stdout.write(`  FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
