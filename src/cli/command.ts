import type { ParseArgsConfig } from 'node:util';
import type { ExitCode } from './exitCodes';
import type { CliIo } from './io';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface CommandInput {
  readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;
  readonly positionals: readonly string[];
  readonly io: CliIo;
}

/** One `distillery SUBCOMMAND`: the table in commands/index.ts lists them all. */
export interface CliCommand {
  readonly name: string;
  /** One line for `distillery --help`. */
  readonly summary: string;
  /** The arguments after the name, e.g. `FILE... [--json]`. */
  readonly usage: string;
  /** Lines under "Options:" in `distillery help NAME`. */
  readonly optionHelp: readonly string[];
  readonly options: OptionsConfig;
  /** How many positional arguments it takes. */
  readonly positionals: { readonly min: number; readonly max: number };
  run(input: CommandInput): Promise<ExitCode>;
}
