#!/usr/bin/env node
// Proves the packages work the way users get them: packs every package, installs the tarballs
// into an empty folder with plain npm, imports the library there, runs the installed
// `mailbridge --version` and `mailbridge sandbox --demo`, and runs publint and "are the types
// wrong" on the tarballs themselves. The installed library and CLI are then run again under each
// Node major users run (22 and 24, see lib/node-binaries.mjs). Prints "N passed, N failed" at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { extraNodeMajors, nodeBinary } from './lib/node-binaries.mjs';

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
  const tarballs = readdirSync(packs)
    .filter((file) => file.endsWith('.tgz'))
    .map((file) => join(packs, file));
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
  const runtimes = [{ label: process.version, path: process.execPath }];
  for (const major of extraNodeMajors()) {
    step(`fetch Node ${major} (npx -p node@${major})`, () => {
      const binary = nodeBinary(major);
      runtimes.push({ label: binary.version, path: binary.path });
    });
  }
  for (const runtime of runtimes) checkInstalled(runtime);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`\ntarballs: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

/** Runs the installed library and CLI with one Node binary (the bin's `#!/usr/bin/env node` finds it first on PATH). */
function checkInstalled({ label, path: node }) {
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
  step(`${label}: import the library (core, both adapters, simulator)`, () => {
    const script = `
      const core = await import('@mailbridge/core');
      if (typeof core.createTransport !== 'function' || typeof core.loadConfig !== 'function') throw new Error('core exports missing');
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
      console.log('probe ok', probe.mailbox, process.version);
    `;
    const out = run(node, ['--input-type=module', '-e', script], { cwd: app, timeout: 120_000, env });
    if (!out.includes(`probe ok`) || !out.includes(label)) throw new Error(out);
  });
  step(`${label}: installed \`mailbridge --version\``, () => {
    const out = run(join(app, 'node_modules', '.bin', 'mailbridge'), ['--version'], { cwd: app, env });
    if (!/^\d+\.\d+\.\d+/.test(out.trim())) throw new Error(out);
    const seen = run('node', ['--version'], { env }).trim();
    if (seen !== label) throw new Error(`the bin's \`env node\` is ${seen}, expected ${label}`);
  });
  step(`${label}: installed \`mailbridge sandbox --demo\``, () => {
    const result = spawnSync(join(app, 'node_modules', '.bin', 'mailbridge'), ['sandbox', '--demo'], { cwd: app, encoding: 'utf8', timeout: 180_000, env: { ...env, NO_COLOR: '1' } });
    if (result.status !== 0 || !result.stdout.includes('ran end to end')) throw Object.assign(new Error(`exit ${result.status}`), result);
  });
}
