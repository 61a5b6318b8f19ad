import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';

// `mailbridge sandbox --json` (without --demo) printed nothing on stdout: with --json every command
// prints one JSON document, and a sandbox runs until Ctrl-C, so it must print it once ready.

const dir = tempDir();
afterAll(() => dir.cleanup());

/** Runs `mailbridge ...args` (a sandbox), sends Ctrl-C the moment its first line (the report) arrives, and waits for the exit. */
async function reportThenStop(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir.path, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.includes('\n')) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
  return { code, stdout };
}

interface SandboxReport {
  ok: boolean;
  url: string;
  endpoints: { authorityHost: string; graph: string; ews: string };
  caFile: string;
  tenant: { id: string; domain: string };
  app: { clientId: string };
  mailbox: string;
  config: string;
  federatedAssertionFile?: string;
  relay: { smtp: { host: string; port: number }; status: { host: string; port: number; url: string } };
  outbox: { dir: string };
  apps: Array<{ name: string; clientId: string; transport: string; mailbox: string; config: string }>;
  faults: string[];
  try: string[];
}

describe('mailbridge sandbox --json', () => {
  it('prints one JSON document once the sandbox is ready, while it keeps running, without any secret', { timeout: 120_000 }, async () => {
    dir.write('seed.json', { apps: [{ name: 'ops' }] });
    const configPath = join(dir.path, 'my sandbox', 'sb.json');
    const child = spawn(process.execPath, [BIN, '--json', 'sandbox', '--write-config', 'my sandbox/sb.json', '--federated', '--seed', 'seed.json', '--fault', 'status:status=503,api=graph,count=1,pathIncludes=nowhere'], {
      cwd: dir.path,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
    let gone = false;
    void exited.then(() => (gone = true));
    try {
      const started = Date.now();
      while (!stdout.includes('\n') && !gone && Date.now() - started < 60_000) await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      // Read as a script reads it: the first line, while the sandbox still runs.
      expect(gone, `${stdout}\n--- stderr:\n${stderr}`).toBe(false);
      const line = stdout.slice(0, stdout.indexOf('\n'));
      const report = JSON.parse(line) as SandboxReport;

      const written = JSON.parse(readFileSync(configPath, 'utf8'));
      expect(report).toMatchObject({
        ok: true,
        url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
        tenant: { id: DEMO.tenantId, domain: DEMO.domain },
        app: { clientId: DEMO.clientId },
        mailbox: DEMO.mailbox,
        config: configPath,
        federatedAssertionFile: join(dir.path, 'my sandbox', 'sb.assertion'),
        caFile: written.network.caFile,
      });
      expect(report.endpoints).toEqual({ authorityHost: written.endpoints.authorityHost, graph: written.endpoints.graph, ews: written.endpoints.ews });
      // The relay section's ports, as written in the config.
      expect(report.relay.smtp).toEqual({ host: written.relay.listen[0].host, port: written.relay.listen[0].port });
      expect(report.relay.status).toEqual({ host: written.relay.status.host, port: written.relay.status.port, url: `http://127.0.0.1:${written.relay.status.port}/` });
      expect(report.outbox.dir).toBe(join(dir.path, 'my sandbox', 'sb-outbox'));
      expect(report.apps).toEqual([{ name: 'ops', clientId: expect.any(String), transport: 'graph', mailbox: DEMO.mailbox, config: join(dir.path, 'my sandbox', 'sb.ops.json') }]);
      expect(report.faults).toHaveLength(1);
      // The commands to try name the written configs, quoted for a shell.
      expect(report.try).toContain("mailbridge --config 'my sandbox/sb.json' doctor");
      expect(report.try).toContain("mailbridge --config 'my sandbox/sb.json' relay");
      expect(report.try).toContain("mailbridge --config 'my sandbox/sb.ops.json' doctor");

      // Ready means ready: the config works against the running sandbox.
      const doctor = await runCli(['--json', '--config', configPath, 'doctor'], { cwd: dir.path, timeoutMs: 60_000 });
      expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);

      // The values this sandbox generated never reach stdout: the seeded app's secret, the federated
      // assertion (a signed token), the demo app's secret.
      const seededSecret = readFileSync(join(dir.path, 'my sandbox', 'sb.ops.secret'), 'utf8').trim();
      const assertion = readFileSync(join(dir.path, 'my sandbox', 'sb.assertion'), 'utf8').trim();
      expect(seededSecret.length).toBeGreaterThan(10);
      expect(assertion.split('.')).toHaveLength(3);
      for (const secret of [seededSecret, assertion, assertion.split('.')[2] as string, DEMO.clientSecret]) expect(stdout).not.toContain(secret);
      expect(stdout).not.toMatch(/eyJ[\w-]{10,}/);
      expect(readdirSync(join(dir.path, 'my sandbox')).filter((name) => name.endsWith('.secret'))).toEqual(['sb.ops.secret']);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    // One document: nothing else on stdout, before or after Ctrl-C.
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('stopped the moment its report arrives (as a script may): a clean stop, exit 0', { timeout: 90_000 }, async () => {
    const { code, stdout } = await reportThenStop(['--json', 'sandbox', '--write-config', 'quick/sb.json']);
    expect(code, stdout).toBe(0);
    expect(JSON.parse(stdout).ok).toBe(true);
  });

  it('`mailbridge --config F sandbox` writes F (it ignored --config and wrote mailbridge.sandbox.json)', { timeout: 90_000 }, async () => {
    const { code, stdout } = await reportThenStop(['--json', '--config', 'given/x.json', 'sandbox']);
    expect(code, stdout).toBe(0);
    const report = JSON.parse(stdout) as SandboxReport;
    expect(report.config).toBe(join(dir.path, 'given', 'x.json'));
    expect(existsSync(join(dir.path, 'given', 'x.json'))).toBe(true);
    expect(existsSync(join(dir.path, 'mailbridge.sandbox.json'))).toBe(false);
    expect(report.try[0]).toBe('mailbridge --config given/x.json doctor');
  });

  it("--demo: one document with each command's own document inside, no secret", { timeout: 150_000 }, async () => {
    dir.write('demo-seed.json', { apps: [{ name: 'send-only', permissions: ['Mail.Send'] }] });
    const run = await runCli(['--json', 'sandbox', '--demo', '--write-config', 'demo/sb.json', '--seed', 'demo-seed.json'], { cwd: dir.path, timeoutMs: 140_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // Before: the documents of doctor, send and receive one after the other: not one JSON document.
    type Step = { command: string; exitCode: number; output: { ok: boolean; messages?: Array<{ subject: string }>; checks?: unknown[] } };
    const report = run.json<{ ok: boolean; config: string; steps: Step[]; rehearsals: Step[]; keepRunning: string }>();
    expect(report.ok).toBe(true);
    expect(report.config).toBe(join(dir.path, 'demo', 'sb.json'));
    expect(report.steps.map((step) => [step.command.split(' ').slice(0, 4).join(' '), step.exitCode, step.output.ok])).toEqual([
      ['mailbridge --config demo/sb.json doctor', 0, true],
      ['mailbridge --config demo/sb.json send', 0, true],
      ['mailbridge --config demo/sb.json receive', 0, true],
    ]);
    expect(report.steps[2]?.output.messages?.some((message) => message.subject === 'Disk almost full on web-01')).toBe(true);
    // The seeded app may only send: its doctor run is a rehearsal, kept whatever it says.
    expect(report.rehearsals).toHaveLength(1);
    expect(report.rehearsals[0]?.command).toBe('mailbridge --config demo/sb.send-only.json doctor');
    expect(report.rehearsals[0]?.output.checks?.length).toBeGreaterThan(0);
    expect(report.keepRunning).toBe('mailbridge sandbox --write-config demo/sb.json --seed demo-seed.json');
    for (const secret of [readFileSync(join(dir.path, 'demo', 'sb.secret'), 'utf8').trim(), readFileSync(join(dir.path, 'demo', 'sb.send-only.secret'), 'utf8').trim()]) expect(run.stdout).not.toContain(secret);
  });

  it('a human run says where the relay listens, and the command that starts it names the config', { timeout: 90_000 }, async () => {
    const configPath = join(dir.path, 'human', 'sb.json');
    const child = spawn(process.execPath, [BIN, 'sandbox', '--write-config', configPath], { cwd: dir.path, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
    try {
      const started = Date.now();
      while (!stdout.includes('Press Ctrl+C') && Date.now() - started < 60_000) await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      expect(existsSync(configPath)).toBe(true);
      const written = JSON.parse(readFileSync(configPath, 'utf8'));
      const relayLine = stdout.split('\n').find((line) => line.trimStart().startsWith('relay'));
      expect(relayLine).toContain(`127.0.0.1:${written.relay.listen[0].port}`);
      expect(relayLine).toContain(`http://127.0.0.1:${written.relay.status.port}/`);
      // Every command the output names carries the config it wrote.
      for (const command of stdout.match(/mailbridge (?!sandbox)[^`\n]*/g) ?? []) expect(command).toMatch(/^mailbridge --config human\/sb\.json /);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
