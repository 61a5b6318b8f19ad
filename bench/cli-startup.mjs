#!/usr/bin/env node
// CLI start-up: `mailbridge --version` and `--help` against `node -e 0`, interleaved in one run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, printResults } from './lib/report.mjs';

const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const cases = { baseline: ['-e', '0'], version: [BIN, '--version'], help: [BIN, '--help'] };
const times = { baseline: [], version: [], help: [] };
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}`);
    times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}
const base = median(times.baseline);
printResults('cli-startup', [
  { figure: 'mailbridge --version (ms, median)', value: median(times.version), baseline: base, baselineName: 'node -e 0 (ms)', lowerIsBetter: true },
  { figure: 'mailbridge --help (ms, median)', value: median(times.help), baseline: base, baselineName: 'node -e 0 (ms)', lowerIsBetter: true },
]);
