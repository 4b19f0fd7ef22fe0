/** Small text helpers of the constitution format: slugs and near-miss suggestions. */

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Lowercase ASCII letters and digits, in words joined by single hyphens: `no-dangerous-help`. */
export function isSlug(text: string): boolean {
  return slugPattern.test(text);
}

/** The nearest slug to `text` ('' when it has no letters or digits at all). */
export function slugify(text: string, maxLength = 64): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength + 1);
  const lastHyphen = cut.lastIndexOf('-');
  return (lastHyphen > 0 ? cut.slice(0, lastHyphen) : slug.slice(0, maxLength)).replace(/-+$/, '');
}

/** Optimal string alignment distance (Levenshtein with adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= t.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const above = rows[i - 1] as number[];
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[s.length] as number[])[t.length] as number;
}

/** The candidate nearest to `word`, when it is near enough to be a typo (at most a third of its letters off). */
export function nearMiss(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, best?.length ?? 0) / 3));
  return bestDistance <= limit ? best : undefined;
}
