#!/usr/bin/env node
// `pnpm bench`: runs every benchmark under bench/ (each in its own process, one after the other),
// prints one table — figure, baseline measured in the same run, ratio — and writes it as JSON to
// bench/results/latest.json. Every benchmark prints its rows through bench/lib/report.mjs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const here = import.meta.dirname;
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const files = readdirSync(here)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

const rows = [];
const failures = [];
for (const file of files) {
  process.stderr.write(`running ${file}…\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, file), '--json'], { encoding: 'utf8', env: { ...process.env, BENCH_JSON: '1' }, timeout: 15 * 60_000 });
  const lines = (result.stdout ?? '').split('\n').filter((line) => line.startsWith('{'));
  if (result.status !== 0 || lines.length === 0) {
    failures.push({ file, status: result.status, stderr: (result.stderr ?? '').slice(-2000) });
    continue;
  }
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line);
      for (const row of parsed.rows ?? []) rows.push({ file, ...row });
    } catch {
      /* not a result line */
    }
  }
}

const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), platform: `${process.platform} ${process.arch}` };
const report = { date: new Date().toISOString(), machine, rows, failures };
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);

const fmt = (n) => (typeof n !== 'number' ? String(n ?? '-') : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
const table = [['benchmark', 'figure', 'value', 'baseline', 'baseline value', 'ratio', 'target']];
for (const row of rows) table.push([row.benchmark, row.figure, fmt(row.value), row.baselineName ?? '', fmt(row.baseline), row.ratio == null ? '-' : row.ratio.toFixed(2), row.target ?? '']);
const widths = table[0].map((_, index) => Math.max(...table.map((line) => String(line[index]).length)));
console.log(`\nmailbridge benchmarks — ${report.date} — node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB\n`);
for (const line of table) console.log(line.map((cell, index) => String(cell).padEnd(widths[index])).join('  '));
if (failures.length) {
  console.log(`\n${failures.length} benchmark(s) failed:`);
  for (const failure of failures) console.log(`- ${failure.file} (exit ${failure.status})\n${failure.stderr}`);
}
// The markdown table for bench/RESULTS.md.
const md = [`| benchmark | figure | value | baseline | baseline value | ratio | target |`, `|---|---|---:|---|---:|---:|---|`, ...table.slice(1).map((line) => `| ${line.join(' | ')} |`)].join('\n');
writeFileSync(join(here, 'results', 'latest.md'), `Run on ${report.date}: node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.platform}.\n\n${md}\n`);
process.exit(failures.length === 0 ? 0 : 1);
