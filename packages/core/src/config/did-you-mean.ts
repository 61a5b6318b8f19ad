/** Edit distance (insertions, deletions, substitutions, and swaps of two neighbours). Inputs are short keys. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known word closest to `input`, if it is close enough to be the likely intent: a different
 * case, or a few typos relative to the word's length (`clientSecrte` → `clientSecret`,
 * `tennant` → `tenant`), or the same word with separators (`client_id` → `clientId`).
 */
export function didYouMean(input: string, known: readonly string[]): string | undefined {
  const normalise = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const wanted = normalise(input);
  if (wanted.length === 0) return undefined;
  let best: { word: string; distance: number } | undefined;
  for (const word of known) {
    const distance = normalise(word) === wanted ? 0 : editDistance(input.toLowerCase(), word.toLowerCase());
    if (best === undefined || distance < best.distance) best = { word, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.min(3, Math.floor(best.word.length / 3)));
  return best.distance <= allowed ? best.word : undefined;
}
