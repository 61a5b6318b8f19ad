/**
 * "Did you mean …?" for a mistyped command or option.
 *
 * commander's own suggestion accepts an edit distance of 3 whenever 40% of the longer word survives,
 * so `bogus` → `logout` (3 edits in 6 letters). Here, as in gh (Cobra): a name within 2 edits
 * (optimal string alignment: insert, delete, substitute, swap two neighbours), or one the typed
 * word is the start of (`rec` → `receive`).
 */

/** The largest edit distance still suggested. */
export const MAX_SUGGESTION_DISTANCE = 2;

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * The candidates close to `typed`: those at the smallest distance (at most {@link MAX_SUGGESTION_DISTANCE}),
 * plus those `typed` is a prefix of. Sorted; empty when nothing is close.
 */
export function suggestSimilar(typed: string, candidates: readonly string[]): string[] {
  const word = typed.toLowerCase();
  if (word.length === 0) return [];
  const unique = [...new Set(candidates)].filter((candidate) => candidate.length > 1);
  let best = MAX_SUGGESTION_DISTANCE + 1;
  let closest: string[] = [];
  for (const candidate of unique) {
    const distance = editDistance(word, candidate.toLowerCase());
    if (distance > MAX_SUGGESTION_DISTANCE) continue;
    if (distance < best) {
      best = distance;
      closest = [candidate];
    } else if (distance === best) {
      closest.push(candidate);
    }
  }
  const prefixed = word.length >= 2 ? unique.filter((candidate) => candidate.toLowerCase().startsWith(word)) : [];
  return [...new Set([...closest, ...prefixed])].sort((x, y) => x.localeCompare(y));
}
