import type { CommandTable } from '../commandTable';

/** Commands that act on one row (the CodeLens actions). */
export const rowCommands: CommandTable = {};
