import { datasetFor, type CommandTable } from '../commandTable';
import { JudgeReportPanel } from './judgeReportPanel';

export const judgeReportCommands: CommandTable = {
  /** Opens the panel; resolves with the report it shows (tests read it). */
  'distillery.judgeReport': (ctx) => async (uri?: unknown) => JudgeReportPanel.show(ctx, await datasetFor(uri)),
};
