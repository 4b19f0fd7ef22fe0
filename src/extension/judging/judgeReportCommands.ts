import { datasetFor, type CommandTable } from '../commandTable';
import { JudgeReportPanel } from './judgeReportPanel';

export const judgeReportCommands: CommandTable = {
  /**
   * Opens the panel; resolves with the report it shows (tests read it). Its factory runs at
   * activation, which is when VS Code wants the panels' serializers: they are registered with it.
   */
  'distillery.judgeReport': (ctx) => async (uri?: unknown) => JudgeReportPanel.show(ctx, await datasetFor(uri)),
};
