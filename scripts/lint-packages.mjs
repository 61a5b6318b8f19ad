#!/usr/bin/env node
// publint and "are the types wrong" on every publishable package, on what `pnpm pack` would ship.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const packages = readdirSync('packages').map((name) => `packages/${name}`);
let failures = 0;
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
process.exit(failures === 0 ? 0 : 1);
