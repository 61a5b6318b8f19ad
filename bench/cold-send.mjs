#!/usr/bin/env node
// Cold start of a script or cron job that sends one alert: a fresh process runs `mailbridge send`
// (load the config, get a token from Entra ID, send one message, exit), over Graph and over EWS,
// against `node -e 0`, interleaved in one run. The simulator runs in its own process, warmed up
// first (its one-time costs, such as compiling the EWS schemas, are not the client's).
// BENCH_RUNS (default 3) sets the rounds; keep the default short.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulatorProcess } from './lib/graph-support.mjs';
import { median, printResults } from './lib/report.mjs';

const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 3);
/** The peer figure the issue compares with: exchangelib, token + one send over EWS, fresh process. */
const PEER_SECONDS = 0.72;

const sim = await startSimulatorProcess();
const dir = mkdtempSync(join(tmpdir(), 'mailbridge-cold-send-'));
try {
  const secret = sim.config.auth.clientSecret;
  const configFile = (name, config) => {
    const file = join(dir, `${name}.json`);
    // The secret comes from the environment, as a cron job would keep it.
    writeFileSync(file, JSON.stringify({ ...config, auth: { ...config.auth, clientSecret: { env: 'MAILBRIDGE_BENCH_SECRET' } } }));
    return file;
  };
  const configs = { graph: configFile('graph', sim.config), ews: configFile('ews', sim.ewsConfig) };
  const env = { ...process.env, MAILBRIDGE_BENCH_SECRET: secret, NO_COLOR: '1' };
  const send = (transport, i) => [BIN, 'send', '--config', configs[transport], '--to', 'ops@contoso.com', '--subject', `[ALERT] cold start ${transport} ${i}`, '--text', 'disk 97% on db-01'];
  const cases = { baseline: () => ['-e', '0'], graph: (i) => send('graph', i), ews: (i) => send('ews', i) };
  const run = (name, i) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, cases[name](i), { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr.slice(-800)}`);
    return ms;
  };
  // Warm-up (not measured): the simulator's first Graph and EWS requests, the OS file cache.
  run('graph', -1);
  run('ews', -1);
  const times = { baseline: [], graph: [], ews: [] };
  for (let i = 0; i < runs; i++) for (const name of Object.keys(times)) times[name].push(run(name, i));
  const base = median(times.baseline);
  const target = `< ${PEER_SECONDS * 1000} ms (exchangelib, issue 15)`;
  printResults('cold-send', [
    { figure: 'mailbridge send over Graph, fresh process (ms, median)', value: median(times.graph), baseline: base, baselineName: 'node -e 0 (ms)', lowerIsBetter: true, target },
    { figure: 'mailbridge send over EWS, fresh process (ms, median)', value: median(times.ews), baseline: base, baselineName: 'node -e 0 (ms)', lowerIsBetter: true, target },
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await sim.close();
}
