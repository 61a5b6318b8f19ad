#!/usr/bin/env node
// Proves the packages work the way users get them: packs every package, installs the tarballs
// into an empty folder with plain npm, imports the library there, runs the installed
// `mailbridge --version` and `mailbridge sandbox --demo`, and runs publint and "are the types
// wrong" on the tarballs themselves. Prints "N passed, N failed" at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'mailbridge-tarballs-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
let passed = 0;
let failed = 0;

function step(name, fn) {
  try {
    fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`);
  }
}
const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe', ...options });

try {
  const packages = readdirSync(join(root, 'packages'));
  step('pnpm pack every package', () => {
    for (const name of packages) run('pnpm', ['pack', '--pack-destination', packs], { cwd: join(root, 'packages', name) });
  });
  const tarballs = readdirSync(packs).filter((file) => file.endsWith('.tgz')).map((file) => join(packs, file));
  step(`five tarballs (${tarballs.length})`, () => {
    if (tarballs.length !== packages.length) throw new Error(`expected ${packages.length}, got ${tarballs.length}`);
  });
  for (const tarball of tarballs) {
    const name = tarball.split('/').pop();
    step(`publint ${name}`, () => run('pnpm', ['exec', 'publint', '--strict', tarball], { cwd: root }));
    step(`attw ${name}`, () => run('pnpm', ['exec', 'attw', tarball, '--profile', 'esm-only', '--format', 'ascii'], { cwd: root }));
  }
  writeFileSync(join(work, 'package.json'), '{}');
  step('npm install the tarballs into an empty folder', () => {
    run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tarball-consumer', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { cwd: app, timeout: 600_000 });
  });
  step('import the library (core, both adapters, simulator)', () => {
    const script = `
      const core = await import('@mailbridge/core');
      if (typeof core.createTransport !== 'function' || typeof core.loadConfig !== 'function') throw new Error('core exports missing');
      const { describeTransportConformance } = await import('@mailbridge/core/testing').catch(() => ({}));
      for (const name of ['@mailbridge/graph-adapter', '@mailbridge/ews-adapter']) {
        const adapter = await import(name);
        if (typeof adapter.createTransport !== 'function') throw new Error(name + ' has no createTransport');
      }
      const { startSimulator } = await import('@mailbridge/simulator');
      const sim = await startSimulator();
      // createTransport finds the adapter package by itself in a plain npm install.
      const transport = await core.createTransport(core.parseConfig(sim.config({ transport: 'graph' })));
      const probe = await transport.probe();
      await transport.close();
      await sim.close();
      console.log('probe ok', probe.mailbox);
    `;
    const out = run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, timeout: 120_000 });
    if (!out.includes('probe ok')) throw new Error(out);
  });
  step('installed `mailbridge --version`', () => {
    const out = run(join(app, 'node_modules', '.bin', 'mailbridge'), ['--version'], { cwd: app });
    if (!/^\d+\.\d+\.\d+/.test(out.trim())) throw new Error(out);
  });
  step('installed `mailbridge sandbox --demo`', () => {
    const result = spawnSync(join(app, 'node_modules', '.bin', 'mailbridge'), ['sandbox', '--demo'], { cwd: app, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1' } });
    if (result.status !== 0 || !result.stdout.includes('ran end to end')) throw Object.assign(new Error(`exit ${result.status}`), result);
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`\ntarballs: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
