import type { CliCommand } from '../command';
import { batchCommand } from './batch';
import { checkCommand } from './check';
import { constitutionCommand } from './constitution';
import { convertCommand } from './convert';
import { critiqueCommand } from './critique';
import { decontaminateCommand } from './decontaminate';
import { dedupCommand } from './dedup';
import { endpointCommand } from './endpoint';
import { filterCommand } from './filter';
import { generateCommand } from './generate';
import { judgeCommand } from './judge';
import { judgeReportCommand } from './judgeReport';
import { mixCommand } from './mix';
import { modelsCommand } from './models';
import { runCommand } from './pipelineRun';
import { scoreCommand } from './score';
import { selfInstructCommand } from './selfInstruct';
import { statsCommand } from './stats';

/** Every subcommand, in the order `--help` lists them. Later features add theirs here. */
export const cliCommands: readonly CliCommand[] = [batchCommand, checkCommand, constitutionCommand, convertCommand, critiqueCommand, decontaminateCommand, dedupCommand, endpointCommand, filterCommand, generateCommand, judgeCommand, judgeReportCommand, mixCommand, modelsCommand, runCommand, scoreCommand, selfInstructCommand, statsCommand];
