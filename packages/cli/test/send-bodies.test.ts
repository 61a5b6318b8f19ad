import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';

let sim: Simulator;
let config = '';
const dir = tempDir();
const EXTERNAL = 'oncall@example.com';

beforeAll(async () => {
  sim = await startSimulator();
  config = dir.write('graph.json', { ...(sim.config({ transport: 'graph' }) as object) });
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});

/** The MIME the simulator sent out for this subject, with soft line breaks of quoted-printable undone. */
function sentMime(subject: string): string {
  const message = sim.outbound().find((item) => item.subject === subject);
  expect(message, `no outbound message "${subject}"`).toBeDefined();
  const mime = message!.mime.replace(/=\r?\n/g, '');
  const base64 = [...mime.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{16,})/g)].map((match) => Buffer.from(match[1]!.replace(/\s/g, ''), 'base64').toString('utf8'));
  return [mime, ...base64].join('\n');
}

describe('send bodies', () => {
  it('--text - reads the body from stdin', async () => {
    const subject = `stdin ${randomUUID()}`;
    const run = await runCli(['--config', config, 'send', '--to', EXTERNAL, '--subject', subject, '--text', '-'], { input: 'Disk 91 percent on db-01, read from stdin\n' });
    expect(run.code, run.stderr).toBe(0);
    expect(sentMime(subject)).toContain('Disk 91 percent on db-01, read from stdin');
    expect(sentMime(subject)).not.toMatch(/\r?\n-\r?\n/);
  });

  it('--html reads a process substitution (a pipe), and - reads stdin', async () => {
    const subject = `pipe ${randomUUID()}`;
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', `"${process.execPath}" "${BIN}" --config "${config}" send --to ${EXTERNAL} --subject "${subject}" --html <(printf '<p>rendered by a template</p>')`], { env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(run.code, run.stderr).toBe(0);
    expect(sentMime(subject)).toContain('rendered by a template');
    const fromStdin = `html stdin ${randomUUID()}`;
    const piped = await runCli(['--config', config, 'send', '--to', EXTERNAL, '--subject', fromStdin, '--html', '-'], { input: '<p>html from stdin</p>' });
    expect(piped.code, piped.stderr).toBe(0);
    expect(sentMime(fromStdin)).toContain('html from stdin');
  });

  it('refuses devices and folders as bodies, and --text with --html (one body per message)', async () => {
    for (const [path, said] of [
      ['/dev/null', /is a device/],
      ['/dev/zero', /is a device/],
      [dir.path, /is a folder/],
    ] as const) {
      const run = await runCli(['--json', '--config', config, 'send', '--to', EXTERNAL, '--subject', 's', '--html', path]);
      expect(run.code).toBe(2);
      expect(run.json().error).toMatchObject({ code: 'USAGE' });
      expect(run.json().error.message).toMatch(said);
    }
    const html = dir.write('body.html', '<p>x</p>');
    const both = await runCli(['--json', '--config', config, 'send', '--to', EXTERNAL, '--subject', 's', '--text', 'x', '--html', html]);
    expect(both.code).toBe(2);
    expect(both.json().error.message).toMatch(/one body/);
    expect(sim.outbound().some((item) => item.subject === 's')).toBe(false);
  });
});

describe('receive output', () => {
  it('--json says ok, and both outputs say when more messages exist than --limit shows', async () => {
    sim.seedMessages(
      DEMO.mailbox,
      [1, 2, 3, 4].map((n) => ({ from: EXTERNAL, to: [DEMO.mailbox], subject: `limit test ${n}`, text: 'x' })),
    );
    const json = await runCli(['--json', '--config', config, 'receive', '--limit', '3']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.json()).toMatchObject({ ok: true, more: true });
    expect(json.json().messages).toHaveLength(3);
    const human = await runCli(['--config', config, 'receive', '--limit', '3']);
    expect(human.stdout).toMatch(/More messages exist: raise --limit/);
    const all = await runCli(['--json', '--config', config, 'receive', '--limit', '500']);
    expect(all.json().more).toBe(false);
  });
});
