/** The executors of the curation steps, by step type, for the runner. */
import { balanceStep } from './balanceStep';
import { convertStep } from './convertStep';
import { decontaminateStep } from './decontaminateStep';
import { dedupStep } from './dedupStep';
import { exportStep } from './exportStep';
import { filterStep } from './filterStep';
import { reportStep } from './reportStep';

export const CURATION_STEP_EXECUTORS = {
  dedup: dedupStep,
  decontaminate: decontaminateStep,
  filter: filterStep,
  balance: balanceStep,
  convert: convertStep,
  export: exportStep,
  report: reportStep,
} as const;
