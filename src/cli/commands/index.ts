import type { CliCommand } from '../command';
import { checkCommand } from './check';
import { constitutionCommand } from './constitution';
import { convertCommand } from './convert';
import { endpointCommand } from './endpoint';
import { modelsCommand } from './models';
import { statsCommand } from './stats';

/** Every subcommand, in the order `--help` lists them. Later features add theirs here. */
export const cliCommands: readonly CliCommand[] = [checkCommand, constitutionCommand, convertCommand, endpointCommand, modelsCommand, statsCommand];
