import { parseArgs } from 'node:util';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { version } from '../../package.json';
import { InputError } from '../core/errors/located';
import { redact, secretsIn } from '../core/llm/redact';
import type { CliCommand } from './command';
import { cliCommands } from './commands/index';
import { ExitCode } from './exitCodes';
import type { CliIo } from './io';

/** Runs `distillery ARGS` against the given process surface and returns the exit code. */
export async function runCli(args: readonly string[], io: CliIo, commands: readonly CliCommand[] = cliCommands): Promise<ExitCode> {
  const [first, ...rest] = args;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(mainHelp(commands));
    return first === undefined ? ExitCode.BadInput : ExitCode.Success;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`${version}\n`);
    return ExitCode.Success;
  }
  if (first === 'help') {
    const command = rest[0] === undefined ? undefined : findCommand(commands, rest[0]);
    io.stdout.write(command ? commandHelp(command) : mainHelp(commands));
    return rest[0] === undefined || command ? ExitCode.Success : usageError(io, `unknown command "${rest[0]}"`);
  }
  const command = findCommand(commands, first);
  if (!command) return usageError(io, `unknown command "${first}"`);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(command));
    return ExitCode.Success;
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(io, `${(error as Error).message}`, command);
  }
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min) return usageError(io, `missing arguments`, command);
  if (parsed.positionals.length > max) return usageError(io, `unexpected argument "${parsed.positionals[max] ?? ''}"`, command);

  const secrets = secretsIn(io.env);
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals, io });
  } catch (error) {
    return reportError(error, io, secrets);
  }
}

function findCommand(commands: readonly CliCommand[], name: string): CliCommand | undefined {
  return commands.find((command) => command.name === name);
}

function usageError(io: CliIo, message: string, command?: CliCommand): ExitCode {
  const hint = command ? `distillery help ${command.name}` : 'distillery --help';
  io.stderr.write(`distillery: ${message}\nSee '${hint}'.\n`);
  return ExitCode.BadInput;
}

/** Maps what went wrong to an exit code and one clear line, with every secret redacted. */
function reportError(error: unknown, io: CliIo, secrets: readonly string[]): ExitCode {
  const say = (text: string) => io.stderr.write(`${redact(text, secrets)}\n`);
  if (error instanceof InputError) {
    say(`distillery: error: ${error.message}`);
    return ExitCode.BadInput;
  }
  if (io.signal.aborted || error instanceof APIUserAbortError || (error as Error | undefined)?.name === 'AbortError') {
    say('distillery: interrupted');
    return ExitCode.Interrupted;
  }
  if (error instanceof APIConnectionError) {
    say(`distillery: cannot reach the model endpoint: ${error.message}`);
    return ExitCode.Failure;
  }
  if (error instanceof APIError) {
    const hint = error.status === 401 || error.status === 403 ? ' (check the API key for this endpoint)' : '';
    say(`distillery: the model endpoint refused the request: ${error.status ?? ''} ${error.message}${hint}`);
    return ExitCode.Failure;
  }
  say(`distillery: failed: ${error instanceof Error ? error.message : String(error)}`);
  return ExitCode.Failure;
}

export function mainHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `distillery ${version}: synthetic post-training data, from the command line`,
    '',
    'Usage: distillery COMMAND [ARGS]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options:',
    '  -h, --help      show help (also: distillery help COMMAND)',
    '  -V, --version   print the version',
    '',
    'Endpoint: OPENAI_BASE_URL and OPENAI_API_KEY, as the openai package reads them,',
    'unless a profiles file (--profiles, $DISTILLERY_PROFILES) names another.',
    '',
    'Exit codes: 0 success, 1 partial failure, 2 bad input, 3 failure, 130 interrupted.',
    '',
  ].join('\n');
}

export function commandHelp(command: CliCommand): string {
  const lines = [`Usage: distillery ${command.name} ${command.usage}`.trimEnd(), '', command.summary];
  if (command.optionHelp.length > 0) lines.push('', 'Options:', ...command.optionHelp.map((line) => `  ${line}`));
  return `${lines.join('\n')}\n`;
}
