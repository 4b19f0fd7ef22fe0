import { datasetFor, type CommandTable } from '../commandTable';
import { StatisticsPanel } from './statisticsPanel';

export const statisticsCommands: CommandTable = {
  /** Opens the panel; resolves with the computed report (tests read it), or undefined when cancelled. */
  'distillery.datasetStatistics': (ctx) => async (uri?: unknown) => StatisticsPanel.show(ctx, await datasetFor(uri)),
};
