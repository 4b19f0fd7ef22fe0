import { datasetFor, type CommandTable } from '../commandTable';
import { StatisticsPanel } from './statisticsPanel';

export const statisticsCommands: CommandTable = {
  'distillery.datasetStatistics': (ctx) => async (uri?: unknown) => {
    StatisticsPanel.show(ctx, await datasetFor(uri));
  },
};
