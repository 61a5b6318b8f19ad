import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEMO, startSimulator } from '@mailbridge/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from './helpers.js';

// Workspace packages resolve to their folders (packages/core/dist/...), registry ones into node_modules.
const HEAVY = ['@azure+msal', '@azure/msal', 'microsoft-graph-client', 'ews-javascript-api', '/packages/core/', '/packages/graph-adapter/', '/packages/ews-adapter/', '/packages/simulator/', '/undici', '/zod', '/prom-client', 'playwright'];
const dir = tempDir();
afterAll(() => dir.cleanup());

function loadsOf(args: string[]): { status: number | null; stdout: string; modules: string[] } {
  const trace = join(dir.path, `trace-${args.join('-')}.txt`);
  const hook = fileURLToPath(new URL('./fixtures/trace-loads.mjs', import.meta.url));
  const result = spawnSync(process.execPath, ['--import', hook, BIN, ...args], { encoding: 'utf8', env: { ...process.env, MAILBRIDGE_TRACE_LOADS: trace } });
  let modules: string[] = [];
  try {
    modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  } catch {
    modules = [];
  }
  return { status: result.status, stdout: result.stdout, modules };
}

describe('start-up stays light', () => {
  it.each([['--version'], ['--help'], ['send', '--help']])('`mailbridge %s` loads no adapter, msal, Graph/EWS library or core', (...args) => {
    const { status, stdout, modules } = loadsOf(args);
    expect(status).toBe(0);
    expect(stdout.length).toBeGreaterThan(0);
    // The hook really traced something (commander at least), so an empty list cannot pass by accident.
    expect(modules.some((url) => url.includes('commander'))).toBe(true);
    const heavy = modules.filter((url) => HEAVY.some((name) => url.includes(name)));
    expect(heavy).toEqual([]);
  });

  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(loadsOf(['--version']).stdout.trim()).toBe(pkg.version);
  });

  it('`mailbridge send` gets its token with msal-node loaded as its one-file bundle, never its hundreds of ES module files', { timeout: 180_000 }, async () => {
    const sim = await startSimulator();
    try {
      const config = dir.write('cold-send.json', sim.config({ transport: 'graph', secretEnv: 'COLD_SEND_SECRET' }));
      // Asynchronously: the simulator answers from this process.
      const trace = join(dir.path, 'trace-cold-send.txt');
      const hook = fileURLToPath(new URL('./fixtures/trace-loads.mjs', import.meta.url));
      await promisify(execFile)(process.execPath, ['--import', hook, BIN, 'send', '--config', config, '--to', DEMO.secondMailbox, '--subject', 'cold', '--text', 'x'], {
        env: { ...process.env, COLD_SEND_SECRET: DEMO.clientSecret, MAILBRIDGE_TRACE_LOADS: trace },
        timeout: 120_000,
      });
      const modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
      expect(sim.requests().some((request) => request.api === 'entra' && request.status === 200)).toBe(true);
      // The ES module trace sees the adapter and zod, so it was running...
      expect(modules.some((url) => url.includes('/packages/graph-adapter/'))).toBe(true);
      // ...and no file of msal's ES module build (msal-node's dist/*.mjs and msal-common).
      expect(modules.filter((url) => /@azure[+/]msal-(node|common)/.test(url))).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  // Cold start (issue 15, item 18): ews-javascript-api is ~1000 modules, more than half a second of a
  // fresh process; sending writes its SOAP by hand and must never load it.
  it('`mailbridge send` over EWS never loads ews-javascript-api, as an ES module or through require', { timeout: 180_000 }, async () => {
    const sim = await startSimulator();
    try {
      const config = dir.write('cold-send-ews.json', sim.config({ transport: 'ews', secretEnv: 'COLD_SEND_SECRET' }));
      const trace = join(dir.path, 'trace-cold-send-ews.txt');
      const requires = join(dir.path, 'requires-cold-send-ews.txt');
      const hook = fileURLToPath(new URL('./fixtures/trace-loads.mjs', import.meta.url));
      await promisify(execFile)(process.execPath, ['--import', hook, BIN, 'send', '--config', config, '--to', DEMO.secondMailbox, '--subject', 'cold ews', '--text', 'x'], {
        env: { ...process.env, COLD_SEND_SECRET: DEMO.clientSecret, MAILBRIDGE_TRACE_LOADS: trace, MAILBRIDGE_TRACE_REQUIRES: requires },
        timeout: 120_000,
      });
      expect(sim.requests().some((request) => request.api === 'ews' && request.ewsOperation === 'CreateItem' && request.status === 200)).toBe(true);
      const modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
      const required = readFileSync(requires, 'utf8').split('\n').filter(Boolean);
      // Both traces saw the send (the adapter as an ES module, msal's bundle through require)...
      expect(modules.some((url) => url.includes('/packages/ews-adapter/'))).toBe(true);
      expect(required.some((path) => /msal-node/.test(path))).toBe(true);
      // ...and nothing of the EWS library or its NTLM and XHR packages.
      expect([...modules, ...required].filter((entry) => /ews-javascript-api|@ewsjs[+/]/.test(entry))).toEqual([]);
    } finally {
      await sim.close();
    }
  });
  // Cold start: undici parses HTTP with llhttp (WebAssembly). After a few answers V8 recompiles it with
  // its optimizing compiler on a background thread, and Node waits for that job before exiting
  // (150-250 ms of a one-alert send). One-shot commands keep WebAssembly on the baseline compiler.
  // Node 24's V8 ignores the flag set at run time (the recompile still happens there): checked on Node 20 and 22.
  const v8TakesRuntimeWasmFlags = Number(process.versions.node.split('.')[0]) < 24;
  it.skipIf(!v8TakesRuntimeWasmFlags)('`mailbridge send` exits without waiting for an optimizing recompile of the HTTP parser (WebAssembly stays on Liftoff)', { timeout: 180_000 }, async () => {
    const sim = await startSimulator();
    try {
      const config = dir.write('cold-send-wasm.json', sim.config({ transport: 'graph', secretEnv: 'COLD_SEND_SECRET' }));
      const { stdout } = await promisify(execFile)(process.execPath, ['--trace-wasm-compilation-times', BIN, 'send', '--config', config, '--to', DEMO.secondMailbox, '--subject', 'cold wasm', '--text', 'x'], {
        env: { ...process.env, COLD_SEND_SECRET: DEMO.clientSecret },
        timeout: 120_000,
      });
      // V8 traces every compiled WebAssembly function: the parser was compiled (the trace works)...
      expect(stdout).toMatch(/using Liftoff/);
      // ...and never handed to TurboFan.
      expect(stdout).not.toMatch(/using TurboFan/);
    } finally {
      await sim.close();
    }
  });
});
