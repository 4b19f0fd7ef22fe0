/**
 * Duplicate detection over a document's current text (saved or not): the text goes to a private
 * temporary file so that the editor finds exactly what `dedupeFile` (and the CLI) would remove.
 *
 * One finding per row: a row whose JSON is identical to an earlier row's is already flagged by the
 * row check (diagnostics/, "Duplicate row", live as you type), so while that check is on, Find
 * Duplicates leaves such rows out and flags only what the row check cannot see (the same text
 * after normalising case and spacing, in one field, and near-duplicates).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { curationWordsText, type CurationField } from '../../core/curation/curationText';
import { canonicalJson } from '../../core/dataset/rowIdentity';
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
  /** Duplicates left out because the row check already flags them as identical rows. */
  readonly identicalRowsLeftOut: number;
}

export interface DuplicateSearch {
  readonly field: CurationField;
  readonly threshold: number;
  /** Leave out rows identical (as JSON) to an earlier row: true while the row check flags them. */
  readonly leaveOutIdenticalRows: boolean;
  readonly signal?: AbortSignal;
}

/**
 * 1-based lines of the rows whose JSON value equals an earlier row's (key order and spacing aside):
 * exactly the rows the row check flags as "Duplicate row".
 */
export function identicalRowLines(text: string): Set<number> {
  const seen = new Set<string>();
  const lines = new Set<number>();
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = (index === 0 ? line.replace(/^\uFEFF/, '') : line).trim();
    if (!trimmed.startsWith('{')) return;
    let key: string;
    try {
      key = canonicalJson(JSON.parse(trimmed));
    } catch {
      return;
    }
    if (seen.has(key)) lines.add(index + 1);
    else seen.add(key);
  });
  return lines;
}

export async function findDocumentDuplicates(text: string, shownName: string, search: DuplicateSearch): Promise<DocumentDuplicates> {
  const { field, threshold, signal } = search;
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
    if (!search.leaveOutIdenticalRows) return { report, findings, identicalRowsLeftOut: 0 };
    const identical = identicalRowLines(text);
    const kept = findings.filter((finding) => !identical.has(finding.line));
    return { report, findings: kept, identicalRowsLeftOut: findings.length - kept.length };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
