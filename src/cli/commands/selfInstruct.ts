import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../../core/errors/located';
import { redact, secretsIn } from '../../core/llm/redact';
import { runSelfInstruct, type SelfInstructBatchSummary } from '../../core/pipeline/selfInstructBatch';
import type { CliCommand } from '../command';
import { buildCliEngine, engineOptionHelp, engineOptions, formatProfileDescriptions, type CliEngineExtras } from '../engineOptions';
import { ExitCode } from '../exitCodes';
import { BatchProgressDisplay, exitCodeOf, optionalInteger, optionalNumber, reportBatch, requiredString } from '../batchCommand';

/**
 * `distillery self-instruct SEEDS -o OUTPUT --count K`: new prompt rows in the Self-Instruct manner,
 * appended to OUTPUT; run again to resume (the instructions already there join the pool).
 */
export function createSelfInstructCommand(extras: CliEngineExtras = {}): CliCommand {
  return {
    name: 'self-instruct',
    summary: 'Synthesise new prompts from seed tasks, Self-Instruct style (resumable)',
    usage: 'SEEDS -o OUTPUT --count K [--model M] [--teacher PROFILE] [--seed S] [--rouge-threshold 0.7]',
    optionHelp: [
      '-o, --output FILE       where the new prompt rows go (JSONL, appended; re-run to resume)',
      '--count K               how many instructions OUTPUT should hold in all',
      ...engineOptionHelp,
      '--seed S                seeds the choice of examples shown to the model (default 0)',
      '--rouge-threshold R     reject instructions whose ROUGE-L with any in the pool is above R (default 0.7)',
      '',
      'SEEDS: Self-Instruct seed tasks ({"instruction", "instances", ...}) or any prompt rows.',
      'Exit 0: K instructions in OUTPUT; 1: the request limit was reached first or requests failed;',
      '2: bad input; 3: the run stopped (a refused key, no quota left); 130: interrupted.',
    ],
    options: {
      ...engineOptions,
      output: { type: 'string', short: 'o' },
      count: { type: 'string' },
      seed: { type: 'string' },
      'rouge-threshold': { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals, io }) {
      const shownSeeds = positionals[0] as string;
      const shownOutput = requiredString(values.output, '-o, --output', 'self-instruct needs an output file: -o OUTPUT');
      const count = optionalInteger(values.count, '--count', 1);
      if (count === undefined) throw new InputError('self-instruct needs --count K: how many instructions to make');
      const seed = optionalInteger(values.seed, '--seed', Number.MIN_SAFE_INTEGER);
      const rougeThreshold = optionalNumber(values['rouge-threshold'], '--rouge-threshold', 0, 1);
      const seeds = path.resolve(io.cwd, shownSeeds);
      const output = path.resolve(io.cwd, shownOutput);
      if (seeds === output) throw new InputError('the output must be another file than the seeds');

      const cli = await buildCliEngine(values, io, { log: (message) => io.stderr.write(`distillery: warning: ${message}\n`), ...extras });
      try {
        if (cli.teachers.length > 1) throw new InputError(`--teacher: self-instruct asks one model; ${cli.teachers.length} were given`);
        const model = cli.teachers[0];
        if (!model) throw new InputError('no teacher profile');
        const teachers = cli.describe().filter((d) => d.roles.includes('teacher')).map((d) => ({ ...d, roles: ['teacher'] }));
        for (const line of formatProfileDescriptions(teachers)) io.stderr.write(`${line}\n`);
        await mkdir(path.dirname(output), { recursive: true });
        const secrets = secretsIn(io.env);
        const display = new BatchProgressDisplay(io, 'self-instruct');
        let summary: SelfInstructBatchSummary;
        try {
          summary = await runSelfInstruct({
            seeds,
            output,
            model,
            count,
            signal: io.signal,
            onProgress: (progress) => display.update(progress),
            redact: (text) => redact(text, secrets),
            ...(seed !== undefined ? { seed } : {}),
            ...(rougeThreshold !== undefined ? { rougeThreshold } : {}),
            ...(values['no-cache'] === true ? { cache: 'off' as const } : {}),
          });
        } finally {
          display.finish();
        }
        await reportBatch(io, summary, cli, shownOutput);
        const synthesis = summary.synthesis;
        if (synthesis) {
          const rejected = Object.entries(synthesis.rejected).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`);
          io.stdout.write(`proposed ${synthesis.proposed}, kept ${synthesis.accepted}, rejected: ${rejected.join(', ') || 'none'} (${synthesis.requests} requests)\n`);
          for (const message of synthesis.failedRequests.slice(0, 5)) io.stderr.write(`error: ${redact(message, secrets)}\n`);
          if (synthesis.stoppedBy === 'maxRequests' && !summary.stoppedBy) {
            io.stderr.write(`distillery: the request limit was reached with ${summary.done} of ${count} instructions; run again to go on\n`);
          }
        }
        const code = exitCodeOf(summary);
        if (code === ExitCode.Success && summary.done < count) return ExitCode.PartialFailure;
        return code;
      } finally {
        cli.engine.dispose();
      }
    },
  };
}

export const selfInstructCommand = createSelfInstructCommand();
