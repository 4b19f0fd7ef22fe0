/**
 * The mix report's computation, in a worker thread of its own (bundled as dist/mixReportWorker.js):
 * on a large file the core's diversity measures take seconds, which must not stall the extension
 * host. Imports only the core. The host terminates the worker to cancel.
 */
import { parentPort } from 'node:worker_threads';
import { JsonlBuffer } from '../../core/dataset/jsonlBuffer';
import { mixReport } from '../../core/curation/mixReport';
import { rowFacts, type RowFacts } from '../../core/curation/rowFacts';
import type { MixWorkerInput, MixWorkerMessage } from './mixReportWorkerProtocol';

/** Rows between two progress messages. */
const PROGRESS_EVERY = 2_000;

const post = (message: MixWorkerMessage): void => parentPort?.postMessage(message);

/** Facts of the rows of a JSONL text; blank lines are ignored, lines that are not objects counted. */
function factsOf(bytes: Uint8Array, stage: string): { facts: RowFacts[]; skipped: number } {
  const buffer = new JsonlBuffer(bytes);
  const facts: RowFacts[] = [];
  let skipped = 0;
  for (let line = 1; line <= buffer.lineCount; line++) {
    if (line % PROGRESS_EVERY === 0) post({ type: 'progress', stage, fraction: line / buffer.lineCount });
    const row = buffer.row(line);
    if (row.kind === 'object') facts.push(rowFacts(row.value));
    else if (row.kind === 'invalid') skipped++;
  }
  return { facts, skipped };
}

parentPort?.once('message', (request: MixWorkerInput) => {
  try {
    const file = factsOf(request.bytes, 'Reading rows');
    const source = request.sourceBytes === undefined ? undefined : factsOf(request.sourceBytes, 'Reading the source rows');
    post({ type: 'progress', stage: 'Measuring diversity' });
    const report = mixReport(file.facts, request.thresholds, source?.facts);
    post({ type: 'result', report, skippedLines: file.skipped, ...(source ? { sourceSkippedLines: source.skipped } : {}) });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
