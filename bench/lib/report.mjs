// Shared by every benchmark: each figure is reported with a baseline measured in the same run
// and their ratio (these machines are noisy, so only ratios compare across runs).
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Prints a table and, with --json or BENCH_JSON=1, one JSON line per benchmark on stdout
 * (`bench/run.mjs` collects them).
 * rows: [{ figure, value, baseline, baselineName, lowerIsBetter?, target? }]
 */
export function printResults(benchmark, rows) {
  const enriched = rows.map((row) => ({ benchmark, ...row, ratio: row.baseline ? row.value / row.baseline : null }));
  if (process.argv.includes('--json') || process.env.BENCH_JSON === '1') {
    process.stdout.write(`${JSON.stringify({ benchmark, rows: enriched })}\n`);
    return enriched;
  }
  const fmt = (n) => (typeof n === 'number' ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2)) : String(n));
  console.log(`\n${benchmark}`);
  for (const row of enriched) {
    console.log(
      `  ${row.figure.padEnd(48)} ${fmt(row.value).padStart(10)}  vs ${row.baselineName.padEnd(28)} ${fmt(row.baseline).padStart(10)}  ratio ${row.ratio === null ? '-' : row.ratio.toFixed(2)}${row.target ? `  (target ${row.target})` : ''}`,
    );
  }
  return enriched;
}
