#!/usr/bin/env node
// Package checks: the two adapters mirror each other file for file (CONTRIBUTING.md, "Adapters mirror
// each other"), no adapter source file passes 350 lines, then publint and "are the types wrong" on
// every publishable package, on what `pnpm pack` would ship. `--adapters` runs only the adapter checks.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ADAPTERS = { graph: 'packages/graph-adapter/src', ews: 'packages/ews-adapter/src' };
const MAX_LINES = 350;

/** Every file below `dir`, relative to it, with `/` separators. */
function filesBelow(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/** The protocol-specific files and folders CONTRIBUTING.md lists, as `graph-adapter/src/…` paths. */
function protocolSpecific() {
  const text = readFileSync('CONTRIBUTING.md', 'utf8');
  const block = /<!-- protocol-specific:start -->([\s\S]*?)<!-- protocol-specific:end -->/.exec(text)?.[1] ?? '';
  return [...block.matchAll(/^- `([^`]+)`/gm)].map((match) => match[1]);
}

/** Problems with the adapters' file lists and sizes. */
function checkAdapters() {
  const problems = [];
  const specific = protocolSpecific();
  if (specific.length === 0) problems.push('CONTRIBUTING.md lists no protocol-specific files between its markers');
  const isSpecific = (adapter, file) => {
    const path = `${adapter}-adapter/src/${file}`;
    return specific.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) : path === entry));
  };
  const bases = {};
  for (const [adapter, dir] of Object.entries(ADAPTERS)) {
    bases[adapter] = new Map();
    for (const file of filesBelow(dir)) {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n').length;
      if (lines > MAX_LINES) problems.push(`${dir}/${file} has ${lines} lines (at most ${MAX_LINES})`);
      if (isSpecific(adapter, file)) continue;
      // graph-send.ts and ews-send.ts are the same base file: <x>-send.ts.
      bases[adapter].set(file.replace(new RegExp(`(^|[/-])${adapter}(?=[-.])`, 'g'), '$1<x>'), file);
    }
  }
  for (const [adapter, other] of [
    ['graph', 'ews'],
    ['ews', 'graph'],
  ]) {
    for (const [base, file] of bases[adapter]) {
      if (!bases[other].has(base)) {
        problems.push(`${ADAPTERS[adapter]}/${file} has no counterpart ${base.replace('<x>', other)} in ${ADAPTERS[other]} (add it, or list it as protocol-specific in CONTRIBUTING.md)`);
      }
    }
  }
  return problems;
}

let failures = 0;
const adapterProblems = checkAdapters();
console.log(`${adapterProblems.length === 0 ? 'ok  ' : 'FAIL'} adapters mirror each other`);
for (const problem of adapterProblems) console.log(`  ${problem}`);
failures += adapterProblems.length === 0 ? 0 : 1;

if (!process.argv.includes('--adapters')) {
  const packages = readdirSync('packages').map((name) => `packages/${name}`);
  for (const dir of packages) {
    for (const [tool, args] of [
      ['publint', ['exec', 'publint', '--strict', dir]],
      ['attw', ['exec', 'attw', '--pack', dir, '--profile', 'esm-only', '--format', 'ascii']],
    ]) {
      const result = spawnSync('pnpm', args, { encoding: 'utf8' });
      const ok = result.status === 0;
      if (!ok) failures += 1;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool} ${dir}`);
      if (!ok) console.log(result.stdout + result.stderr);
    }
  }
}
process.exit(failures === 0 ? 0 : 1);
