import type { CommandTable } from '../commandTable';

/** Commands of the row preview. */
export const previewCommands: CommandTable = {};
