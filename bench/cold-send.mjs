#!/usr/bin/env node
// Cold start of a script or cron job that sends one alert: a fresh process runs `mailbridge send`
// (load the config, get a token from Entra ID, send one message, exit), or the same through the
// library (lib/cold-send-library.mjs), over Graph and over EWS, against `node -e 0`, interleaved in
// one run. The simulator runs in its own process, warmed up first (its one-time costs, such as
// compiling the EWS schemas, are not the client's). Besides wall time, the CPU time of each process
// (user + system, from /proc on Linux) is reported: on a shared machine it moves less with the load.
// BENCH_RUNS (default 3) sets the rounds; keep the default short. BENCH_OTHER_CLI=<path of another
// build's packages/cli/dist/bin.js> adds its `mailbridge send` to the same run (before/after figures).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulatorProcess } from './lib/graph-support.mjs';
import { median, printResults } from './lib/report.mjs';

const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const LIBRARY = fileURLToPath(new URL('./lib/cold-send-library.mjs', import.meta.url));
const CLI_DIR = fileURLToPath(new URL('../packages/cli/', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const OTHER_BIN = process.env.BENCH_OTHER_CLI;
/** The peer figure the issue compares with: exchangelib, token + one send over EWS, fresh process. */
const PEER_SECONDS = 0.72;

/** User + system CPU time of this process's finished children (Linux /proc), in ms; undefined elsewhere. */
function childrenCpuMs() {
  if (!existsSync('/proc/self/stat')) return undefined;
  // Fields after the command name: cutime and cstime are the 14th and 15th, in clock ticks (100 per second on Linux).
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

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
  const send = (transport, i, bin = BIN) => [bin, 'send', '--config', configs[transport], '--to', 'ops@contoso.com', '--subject', `[ALERT] cold start ${transport} ${i}`, '--text', 'disk 97% on db-01'];
  const library = (transport, i) => [LIBRARY, configs[transport], `[ALERT] cold start library ${transport} ${i}`];
  const cases = { baseline: () => ['-e', '0'], graph: (i) => send('graph', i), ews: (i) => send('ews', i), 'graph-library': (i) => library('graph', i), 'ews-library': (i) => library('ews', i) };
  if (OTHER_BIN) {
    cases['graph-other'] = (i) => send('graph', i, OTHER_BIN);
    cases['ews-other'] = (i) => send('ews', i, OTHER_BIN);
  }
  const run = (name, i) => {
    const cpuBefore = childrenCpuMs();
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, cases[name](i), { env, encoding: 'utf8', cwd: CLI_DIR });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr.slice(-800)}`);
    return { ms, cpuMs: cpuBefore === undefined ? undefined : childrenCpuMs() - cpuBefore };
  };
  // Warm-up (not measured): the simulator's first Graph and EWS requests, the OS file cache.
  run('graph', -1);
  run('ews', -1);
  const names = Object.keys(cases);
  const wall = Object.fromEntries(names.map((name) => [name, []]));
  const cpu = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const name of names) {
      const { ms, cpuMs } = run(name, i);
      wall[name].push(ms);
      if (cpuMs !== undefined) cpu[name].push(cpuMs);
    }
  }
  const base = median(wall.baseline);
  const target = `< ${PEER_SECONDS * 1000} ms (exchangelib, issue 15)`;
  const rows = [
    ['graph', 'mailbridge send over Graph'],
    ['ews', 'mailbridge send over EWS'],
    ['graph-library', 'createTransport + send, Graph'],
    ['ews-library', 'createTransport + send, EWS'],
  ].map(([name, what]) => ({ figure: `${what}, fresh process (ms, median)`, value: median(wall[name]), baseline: base, baselineName: 'node -e 0 (ms)', lowerIsBetter: true, target }));
  if (OTHER_BIN) {
    for (const [name, what] of [
      ['graph', 'Graph'],
      ['ews', 'EWS'],
    ]) {
      rows.push({ figure: `mailbridge send over ${what} (ms, median)`, value: median(wall[name]), baseline: median(wall[`${name}-other`]), baselineName: 'BENCH_OTHER_CLI build (ms)', lowerIsBetter: true });
      if (cpu.baseline.length) rows.push({ figure: `mailbridge send over ${what} (CPU ms, median)`, value: median(cpu[name]), baseline: median(cpu[`${name}-other`]), baselineName: 'BENCH_OTHER_CLI build (CPU ms)', lowerIsBetter: true });
    }
  }
  if (cpu.baseline.length) {
    for (const [name, what] of [
      ['graph', 'mailbridge send over Graph'],
      ['ews', 'mailbridge send over EWS'],
    ]) {
      rows.push({ figure: `${what}, CPU ms of the process (median)`, value: median(cpu[name]), baseline: median(cpu.baseline), baselineName: 'node -e 0 (CPU ms)', lowerIsBetter: true });
    }
  }
  printResults('cold-send', rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await sim.close();
}
