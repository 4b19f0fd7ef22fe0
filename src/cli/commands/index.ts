import type { CliCommand } from '../command';
import { checkCommand } from './check';
import { convertCommand } from './convert';
import { endpointCommand } from './endpoint';
import { modelsCommand } from './models';

/** Every subcommand, in the order `--help` lists them. Later features add theirs here. */
export const cliCommands: readonly CliCommand[] = [checkCommand, convertCommand, endpointCommand, modelsCommand];
