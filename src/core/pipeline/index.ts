/** Batch runs over files: resumable, with progress, cancellation and an errors file. */
export type * from './types';
export { runRowBatch, DEFAULT_BATCH_CONCURRENCY, type BatchInputRow, type RowOutcome, type RowProcessor, type RowBatchOptions } from './rowBatch';
export { errorsFileFor, readFailedRows, type FailedRow } from './errorsFile';
export { InputRowKeys } from './inputKeys';
export { runGenerateBatch, GenerateBatchSettingsError, type GenerateBatchOptions } from './generateBatch';
export { runSelfInstruct, type SelfInstructBatchOptions, type SelfInstructBatchSummary, type SelfInstructFilters } from './selfInstructBatch';
export { runCritiqueBatch, rowSeed, type CritiqueBatchOptions, type CritiqueBatchSummary } from './critiqueBatch';
export { runJudgeBatch, rankingOptionProblems, type JudgeBatchOptions, type JudgeBatchSummary, type JudgeCriteriaSource } from './judgeBatch';
export { runScoreBatch, scoreRubrics, scoreTargetOf, type ScoreBatchOptions, type ScoreBatchSummary, type ScoreSettings } from './scoreBatch';
