/**
 * Duplicate detection over a document's current text (saved or not): the text goes to a private
 * temporary file so that the editor finds exactly what `dedupeFile` (and the CLI) would remove.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { curationWordsText, type CurationField } from '../../core/curation/curationText';
import { dedupeFile, type DedupeReport } from '../../core/curation/dedupe';
import { estimatedJaccard } from '../../core/curation/minhash';
import { signTexts } from '../../core/curation/nearDuplicates';

/** One duplicate row: 1-based lines, as in the core. */
export interface DuplicateFinding {
  readonly kind: 'exact' | 'near';
  readonly line: number;
  readonly representativeLine: number;
  /** 1 for exact duplicates; the estimated Jaccard similarity to the representative for near ones. */
  readonly similarity: number;
}

export interface DocumentDuplicates {
  readonly report: DedupeReport;
  readonly findings: DuplicateFinding[];
}

export async function findDocumentDuplicates(text: string, shownName: string, field: CurationField, threshold: number, signal?: AbortSignal): Promise<DocumentDuplicates> {
  const directory = await mkdtemp(path.join(tmpdir(), 'distillery-dups-'));
  try {
    const file = path.join(directory, 'document.jsonl');
    await writeFile(file, text, 'utf8');
    const report = await dedupeFile(file, undefined, { field, threshold, shownInput: shownName, ...(signal ? { signal } : {}) });
    const lines = text.split(/\r?\n/);
    const wordsAt = (line: number): string => curationWordsText(JSON.parse((lines[line - 1] ?? '{}').replace(/^\uFEFF/, '')) as Record<string, unknown>, field);
    const findings: DuplicateFinding[] = [];
    for (const cluster of report.clusters) {
      for (const line of cluster.duplicateLines) {
        let similarity = 1;
        if (cluster.kind === 'near') {
          const table = signTexts([wordsAt(cluster.representativeLine), wordsAt(line)]);
          similarity = estimatedJaccard(table.signatures, 0, 1, table.permutations);
        }
        findings.push({ kind: cluster.kind, line, representativeLine: cluster.representativeLine, similarity });
      }
    }
    findings.sort((a, b) => a.line - b.line);
    return { report, findings };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
