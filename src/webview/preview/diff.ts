// Word-level differences between two answers (a preference row's chosen and rejected), for
// marking them side by side. A longest common subsequence over tokens (words, runs of
// whitespace, single punctuation marks), after trimming the common prefix and suffix; when the
// differing middle is too large for the quadratic table, it is marked as changed as a whole.
// Pure: no DOM, so the unit tests run it in Node.

export interface DiffSegment {
  readonly text: string;
  /** True when this text is only on its own side. */
  readonly changed: boolean;
}

export interface WordDiff {
  /** The first text, cut into segments; `changed` marks words that the second text lacks. */
  readonly left: readonly DiffSegment[];
  /** The second text; `changed` marks words that the first text lacks. */
  readonly right: readonly DiffSegment[];
  /** True when the texts differ in more than whitespace. */
  readonly differs: boolean;
}

/** Above this many table cells (≈ 2,000 × 2,000 tokens) the middle is not diffed word by word. */
export const MAX_TABLE_CELLS = 4_000_000;

const TOKEN = /\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function diffWords(left: string, right: string, maxCells = MAX_TABLE_CELLS): WordDiff {
  const a = tokenize(left);
  const b = tokenize(right);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;

  const leftMarks = new Array<boolean>(a.length).fill(false);
  const rightMarks = new Array<boolean>(b.length).fill(false);
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  if (midA.length * midB.length > maxCells) {
    for (let i = 0; i < midA.length; i++) leftMarks[prefix + i] = true;
    for (let j = 0; j < midB.length; j++) rightMarks[prefix + j] = true;
  } else {
    const [keepA, keepB] = lcsMarks(midA, midB);
    keepA.forEach((kept, i) => (leftMarks[prefix + i] = !kept));
    keepB.forEach((kept, j) => (rightMarks[prefix + j] = !kept));
  }
  const differs = a.some((token, i) => leftMarks[i] === true && token.trim() !== '') || b.some((token, j) => rightMarks[j] === true && token.trim() !== '');
  return { left: segments(a, leftMarks), right: segments(b, rightMarks), differs };
}

/** For each token of `a` and of `b`, whether it belongs to one longest common subsequence. */
function lcsMarks(a: readonly string[], b: readonly string[]): [boolean[], boolean[]] {
  const n = a.length;
  const m = b.length;
  const keepA = new Array<boolean>(n).fill(false);
  const keepB = new Array<boolean>(m).fill(false);
  if (n === 0 || m === 0) return [keepA, keepB];
  // lengths[i * (m + 1) + j]: LCS length of a[i..] and b[j..].
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j] ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      keepA[i++] = true;
      keepB[j++] = true;
    } else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) {
      i++;
    } else {
      j++;
    }
  }
  return [keepA, keepB];
}

/**
 * Joins runs of tokens with the same mark. Whitespace between two changed words joins their
 * change, so that "old words" reads as one marked span rather than two.
 */
function segments(tokens: readonly string[], marks: boolean[]): DiffSegment[] {
  for (let i = 1; i < tokens.length - 1; i++) {
    if (!marks[i] && marks[i - 1] && marks[i + 1] && tokens[i]?.trim() === '') marks[i] = true;
  }
  const out: { text: string; changed: boolean }[] = [];
  tokens.forEach((token, i) => {
    const changed = marks[i] === true;
    const last = out[out.length - 1];
    if (last && last.changed === changed) last.text += token;
    else out.push({ text: token, changed });
  });
  return out;
}
