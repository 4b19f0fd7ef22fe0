/**
 * The filters every sample of one prompt goes through, in this order: length bounds (an empty
 * answer is always dropped), refusal
 * detection, duplicates (exact, then near) against the samples kept before it, and last the
 * verifier command (the costly one, run only on samples that passed the rest, several at once).
 * Samples are taken in a fixed order (teacher order, then sample index), so the first of two
 * duplicates is kept, and a re-run keeps the same ones.
 */
import type { Turn } from '../dataset/conversation';
import { foldForDuplicates, jaccard, shingles } from './nearDuplicates';
import { detectRefusal } from './refusal';
import type { SampleFilterSettings, SampleRejection } from './types';
import { runVerifier, type VerifierInput } from './verifier';

export const DEFAULT_NEAR_THRESHOLD = 0.8;

export type FilterVerdict =
  | { readonly kept: true }
  | { readonly kept: false; readonly rejectedBy: SampleRejection; readonly reason: string };

/** What a sample is checked against: its prompt, for the verifier. */
export interface FilterContext {
  readonly prompt: readonly Turn[];
  readonly signal?: AbortSignal;
  /** How each sample is named in reasons ("sample 2 of teacher-a"). */
  readonly labelOf?: (index: number) => string;
}

/** Problems with filter settings, each naming its field (`filters.minChars`…); empty when fine. */
export function filterSettingsProblems(filters: SampleFilterSettings | undefined): string[] {
  if (filters === undefined) return [];
  const problems: string[] = [];
  const count = (field: 'minChars' | 'maxChars'): void => {
    const value = filters[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) problems.push(`filters.${field} must be a whole number ≥ 0, not ${String(value)}`);
  };
  count('minChars');
  count('maxChars');
  if (filters.minChars !== undefined && filters.maxChars !== undefined && filters.minChars > filters.maxChars) {
    problems.push(`filters.minChars (${filters.minChars}) is more than filters.maxChars (${filters.maxChars})`);
  }
  const threshold = filters.nearThreshold;
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) problems.push(`filters.nearThreshold must be in (0, 1], not ${String(threshold)}`);
  if (filters.dedupe !== undefined && !['off', 'exact', 'near'].includes(filters.dedupe)) {
    problems.push(`filters.dedupe must be "off", "exact" or "near", not ${JSON.stringify(filters.dedupe)}`);
  }
  const verifier = filters.verifier;
  if (verifier !== undefined) {
    if (typeof verifier.command !== 'string' || verifier.command.trim() === '') problems.push('filters.verifier.command must name a program');
    const timeout = verifier.timeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) problems.push(`filters.verifier.timeoutMs must be more than 0, not ${String(timeout)}`);
  }
  return problems;
}

/** The text of the last user turn of a prompt (the question a verifier checks the answer against). */
export function lastUserText(prompt: readonly Turn[]): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const turn = prompt[i];
    if (turn?.role === 'user') return turn.content;
  }
  return '';
}

/** The verdict on each text, in the order given. Throws VerifierStartError when the verifier cannot run. */
export async function filterSamples(texts: readonly string[], filters: SampleFilterSettings | undefined, context: FilterContext): Promise<FilterVerdict[]> {
  const settings = filters ?? {};
  const label = context.labelOf ?? ((i: number) => `sample ${i}`);
  const verdicts: FilterVerdict[] = [];
  const kept: { index: number; folded: string; shingles: Set<string> | undefined }[] = [];
  const dedupe = settings.dedupe ?? 'near';
  const threshold = settings.nearThreshold ?? DEFAULT_NEAR_THRESHOLD;

  for (const [index, text] of texts.entries()) {
    const verdict = cheapVerdict(text, settings);
    if (verdict) {
      verdicts.push(verdict);
      continue;
    }
    if (dedupe !== 'off') {
      const folded = foldForDuplicates(text);
      const same = kept.find((k) => k.folded === folded);
      if (same) {
        verdicts.push({ kept: false, rejectedBy: 'duplicate', reason: `the same text as ${label(same.index)}` });
        continue;
      }
      const ownShingles = dedupe === 'near' ? shingles(text) : undefined;
      if (ownShingles) {
        let near: { index: number; similarity: number } | undefined;
        for (const k of kept) {
          const similarity = k.shingles ? jaccard(ownShingles, k.shingles) : 0;
          if (similarity >= threshold) {
            near = { index: k.index, similarity };
            break;
          }
        }
        if (near) {
          verdicts.push({
            kept: false,
            rejectedBy: 'duplicate',
            reason: `a near-duplicate of ${label(near.index)} (word 3-gram Jaccard ${near.similarity.toFixed(2)} ≥ ${threshold})`,
          });
          continue;
        }
      }
      kept.push({ index, folded, shingles: ownShingles });
    }
    verdicts.push({ kept: true });
  }

  const verifier = settings.verifier;
  if (verifier) {
    const prompt = lastUserText(context.prompt);
    const messages = context.prompt.map((t) => ({ role: t.role, content: t.content }));
    await Promise.all(
      verdicts.map(async (verdict, index) => {
        if (!verdict.kept) return;
        const input: VerifierInput = { prompt, answer: texts[index] ?? '', messages };
        const result = await runVerifier(verifier, input, context.signal);
        if (!result.accepted) verdicts[index] = { kept: false, rejectedBy: 'verifier', reason: result.reason };
      }),
    );
  }
  return verdicts;
}

/** Length and refusal: the verdicts that need only the text itself. */
function cheapVerdict(text: string, settings: SampleFilterSettings): FilterVerdict | undefined {
  const length = text.trim().length;
  // An empty answer (a reply that was only a refusal field, say) is never a training example.
  if (length === 0) return { kept: false, rejectedBy: 'length', reason: 'the answer is empty' };
  if (settings.minChars !== undefined && length < settings.minChars) {
    return { kept: false, rejectedBy: 'length', reason: `${length} characters, fewer than the minimum ${settings.minChars}` };
  }
  if (settings.maxChars !== undefined && length > settings.maxChars) {
    return { kept: false, rejectedBy: 'length', reason: `${length} characters, more than the maximum ${settings.maxChars}` };
  }
  if (settings.rejectRefusals ?? true) {
    const refusal = detectRefusal(text);
    if (refusal !== undefined) return { kept: false, rejectedBy: 'refusal', reason: `a refusal ("${refusal}")` };
  }
  return undefined;
}
