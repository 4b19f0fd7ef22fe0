/**
 * Runs the mix report's worker thread for one request. No `vscode` import: unit tests run it in
 * plain Node. Aborting terminates the worker at once (the core's measures cannot be interrupted
 * otherwise) and rejects with the signal's reason.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { MixWorkerInput, MixWorkerMessage, MixWorkerRequest } from './mixReportWorkerProtocol';

export type MixWorkerResult = Extract<MixWorkerMessage, { type: 'result' }>;

export interface MixWorkerRun {
  /** The worker's script: dist/mixReportWorker.js in the extension. */
  readonly script: string;
  readonly request: MixWorkerRequest;
  readonly signal?: AbortSignal;
  readonly onProgress?: (stage: string, fraction: number | undefined) => void;
  /** For tests that run the TypeScript source: `{ eval: true }` with a script that registers a loader first. */
  readonly workerOptions?: WorkerOptions;
}

export function runMixWorker(run: MixWorkerRun): Promise<MixWorkerResult> {
  const { signal } = run;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<MixWorkerResult>((resolve, reject) => {
    const worker = new Worker(run.script, run.workerOptions ?? {});
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = (): void => finish(() => reject(signal?.reason as Error));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: MixWorkerMessage) => {
      if (message.type === 'progress') run.onProgress?.(message.stage, message.fraction);
      else if (message.type === 'result') finish(() => resolve(message));
      else finish(() => reject(new Error(message.message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the mix report's worker stopped (exit code ${code}) before it answered`))));
    // Encoded here and moved (not copied) to the worker: a large text posted as a string would be
    // copied on this thread.
    const encoder = new TextEncoder();
    const { text, sourceText, thresholds } = run.request;
    const input: MixWorkerInput = { bytes: encoder.encode(text), ...(sourceText === undefined ? {} : { sourceBytes: encoder.encode(sourceText) }), thresholds };
    worker.postMessage(input, [input.bytes.buffer as ArrayBuffer, ...(input.sourceBytes ? [input.sourceBytes.buffer as ArrayBuffer] : [])]);
  });
}
