import * as path from 'node:path';
import * as vscode from 'vscode';
import { looksLikeJsonArray } from '../../core/dataset/jsonArray';
import { JsonArrayError, sampleEveryFor, statisticsOfJsonArray, statisticsOfJsonl } from '../../core/statistics/sources';
import type { StatisticsOptions } from '../../core/statistics/datasetStatistics';
import { chooseEncoding, type TokenCounterLoader } from '../../core/statistics/tokens';
import { bundledTokenCounterLoader } from '../../tokenizers/bundleLoader';
import type { DatasetStatisticsView } from '../../webview/statistics/protocol';
import type { Ctx } from '../ctx';

/** Files at least this large are computed under a progress notification that can cancel. */
export const LARGE_DOCUMENT_BYTES = 8 * 1024 * 1024;

let loader: TokenCounterLoader | undefined;

/** The tokenizer bundles ship in dist/tokenizers and are required only when first needed. */
function tokenCounterLoader(ctx: Ctx): TokenCounterLoader {
  loader ??= bundledTokenCounterLoader(path.join(ctx.extension.extensionPath, 'dist', 'tokenizers'));
  return loader;
}

async function tokenOptions(ctx: Ctx): Promise<StatisticsOptions> {
  const { statisticsEncoding, endpointModel } = ctx.config.settings;
  const encoding = chooseEncoding(statisticsEncoding, endpointModel || undefined);
  try {
    return { encoding, countTokens: await tokenCounterLoader(ctx)(encoding.encoding) };
  } catch (error) {
    // Statistics without tokens beat no statistics.
    ctx.logger.error(`cannot load the ${encoding.encoding} tokenizer: ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
}

const cache = new WeakMap<vscode.TextDocument, { key: string; view: DatasetStatisticsView }>();

/**
 * The statistics of a document as it is in the editor (unsaved edits included), from the
 * shared snapshot of its current version; computed once per version and encoding setting.
 * Large documents get a progress notification with Cancel (the promise then rejects with a
 * `vscode.CancellationError`); tokens are counted on a sample of rows past 50,000 rows.
 */
export async function computeStatistics(ctx: Ctx, document: vscode.TextDocument, token?: vscode.CancellationToken): Promise<DatasetStatisticsView> {
  const { statisticsEncoding, endpointModel } = ctx.config.settings;
  const key = `${document.version}\u0000${statisticsEncoding}\u0000${endpointModel}`;
  const cached = cache.get(document);
  if (cached?.key === key) return cached.view;

  const snapshot = ctx.datasets.snapshot(document);
  const fileName = path.basename(document.fileName);
  const bytes = snapshot.data.bytes.length;
  const options = { ...(await tokenOptions(ctx)), sampleEvery: sampleEveryFor(snapshot.lineCount) };
  const head = snapshot.data.bytes.toString('utf8', 0, Math.min(bytes, 4096));

  const run = async (signal: AbortSignal, report?: (fraction: number) => void): Promise<DatasetStatisticsView> => {
    if (looksLikeJsonArray(head)) {
      let statistics;
      try {
        statistics = statisticsOfJsonArray(document.getText(), options);
      } catch (error) {
        if (error instanceof JsonArrayError) throw new Error(`${fileName} is not a readable JSON array: line ${error.line}, column ${error.column}: ${error.message}`, { cause: error });
        throw error;
      }
      return { fileName, format: 'json-array', rows: statistics.rows, blank: 0, malformed: statistics.malformed, bytes, lastLineUnterminated: false, problems: statistics.problems, report: statistics };
    }
    const statistics = await statisticsOfJsonl(snapshot.data, { ...options, signal, onProgress: (done, total) => report?.(total > 0 ? done / total : 1) });
    const last = snapshot.lineCount > 0 ? snapshot.row(snapshot.lineCount) : undefined;
    return {
      fileName,
      format: 'jsonl',
      rows: statistics.rows,
      blank: statistics.blank,
      malformed: statistics.malformed,
      bytes,
      lastLineUnterminated: last?.terminator === '',
      problems: statistics.problems,
      report: statistics,
    };
  };

  const withCancellation = async (cancel: vscode.CancellationToken | undefined, report?: (fraction: number) => void) => {
    const controller = new AbortController();
    const listeners = [cancel, token].map((t) => t?.onCancellationRequested(() => controller.abort(new vscode.CancellationError())));
    try {
      return await run(controller.signal, report);
    } finally {
      for (const listener of listeners) listener?.dispose();
    }
  };

  let view: DatasetStatisticsView;
  if (bytes < LARGE_DOCUMENT_BYTES) {
    view = await withCancellation(undefined);
  } else {
    view = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Distillery: statistics of ${fileName}`, cancellable: true },
      (progress, cancel) => {
        let reported = 0;
        return withCancellation(cancel, (fraction) => {
          const percent = Math.floor(fraction * 100);
          if (percent > reported) {
            progress.report({ increment: percent - reported, message: `${percent}%` });
            reported = percent;
          }
        });
      },
    );
  }
  cache.set(document, { key, view });
  return view;
}
