/** Batch-API scale-out: calls a deferring engine did not send, as OpenAI Batch API request files, and their results imported into the response cache. */
export type { BatchIndex, BatchRequestFileEntry } from './batchIndex';
export { BATCH_INDEX_FILE, CHAT_COMPLETIONS_URL, readBatchIndex } from './batchIndex';
export type { BatchExport, BatchRequestFilesOptions } from './requestFiles';
export { BatchRequestWriter, MAX_BATCH_BYTES, MAX_BATCH_REQUESTS, batchRequestLine } from './requestFiles';
export type { ImportBatchOptions, ImportProblem, ImportReport, ProfileImportCounts } from './importResults';
export { importBatchResults } from './importResults';
