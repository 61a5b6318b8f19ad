import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

let sim: Simulator;
const dir = tempDir();
const configs: Record<'graph' | 'ews', string> = { graph: '', ews: '' };

beforeAll(async () => {
  sim = await startSimulator();
  for (const transport of ['graph', 'ews'] as const) {
    const config = structuredClone(sim.config({ transport, secretEnv: 'SANDBOX_SECRET' })) as any;
    config.auth.secretExpiresAt = '2099-01-01';
    configs[transport] = dir.write(`${transport}.json`, config);
  }
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});

const env = { SANDBOX_SECRET: DEMO.clientSecret };

describe('mailbridge token', () => {
  it('--json prints the decoded claims and expiry, never the token', async () => {
    const raw = await runCli(['--config', configs.graph, 'token', '--raw'], { env });
    expect(raw.code).toBe(0);
    const token = raw.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const run = await runCli(['--json', '--config', configs.graph, 'token'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(token);
    const json = run.json();
    expect(json).toMatchObject({ ok: true, transport: 'graph', claims: { aud: 'https://graph.microsoft.com', tid: DEMO.tenantId, appid: DEMO.clientId } });
    expect(Object.keys(json).sort()).toEqual(['claims', 'expiresAt', 'ok', 'transport']);
    expect(new Date(json.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(json.claims.roles).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite']));
    const human = await runCli(['--config', configs.graph, 'token'], { env });
    expect(human.stdout).toMatch(/aud\s+https:\/\/graph\.microsoft\.com/);
    expect(human.stdout + human.stderr).not.toContain(token);
  });

  it('an EWS config gets a token for Exchange, not for Graph', async () => {
    const run = await runCli(['--json', '--config', configs.ews, 'token'], { env });
    expect(run.json().claims.aud).toBe('https://outlook.office365.com');
  });
});

describe.each(['graph', 'ews'] as const)('send and receive over %s', (transport) => {
  it('sends with an attachment, then receives it (and marks read, saves MIME)', async () => {
    const subject = `CLI ${transport} round trip ${randomUUID()} — ünïcødé ✓`;
    const attachment = dir.write(`report-${transport}.txt`, 'disk 97% full\n');
    const html = dir.write(`body-${transport}.html`, '<p>Disk <b>97%</b> full</p>');
    const sent = await runCli(['--json', '--config', configs[transport], 'send', '--to', DEMO.mailbox, '--subject', subject, '--html', html, '--attach', attachment], { env });
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const result = sent.json();
    expect(result).toMatchObject({ ok: true, transport, mailbox: DEMO.mailbox });
    expect(result.internetMessageId).toMatch(/^<.+@.+>$/);
    expect(sim.deliveries(result.internetMessageId).mailboxes.filter((m) => m.folder === 'inbox')).toHaveLength(1);

    const mimeDir = join(dir.path, `mime-${transport}`);
    const received = await runCli(['--json', '--config', configs[transport], 'receive', '--unread', '--limit', '50', '--mark-read', '--save-mime', mimeDir], { env });
    expect(received.code, received.stderr).toBe(0);
    const messages = received.json().messages as Array<Record<string, unknown>>;
    const ours = messages.find((message) => message.internetMessageId === result.internetMessageId);
    expect(ours).toMatchObject({ subject, from: DEMO.mailbox, hasAttachments: true });
    expect(Object.keys(ours!).sort()).toEqual(['attachments', 'body', 'cc', 'conversationId', 'from', 'hasAttachments', 'id', 'inReplyTo', 'internetMessageId', 'isRead', 'mimeFile', 'receivedAt', 'references', 'replyTo', 'subject', 'to']);
    const files = readdirSync(mimeDir);
    expect(files.length).toBe(messages.length);
    const mime = readFileSync(String(ours!.mimeFile), 'utf8');
    expect(mime).toContain(result.internetMessageId);
    // Marked read: the next unread listing no longer has it.
    const again = await runCli(['--json', '--config', configs[transport], 'receive', '--unread', '--limit', '50'], { env });
    expect((again.json().messages as Array<{ internetMessageId: string }>).some((message) => message.internetMessageId === result.internetMessageId)).toBe(false);
  });
});

describe('usage and errors', () => {
  it('bad usage exits 2 with a JSON error on stdout', async () => {
    const run = await runCli(['--json', '--config', configs.graph, 'send', '--subject', 'x', '--text', 'y'], { env });
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(run.json().error.hint).toBeTruthy();
  });

  it('a missing body is a usage error', async () => {
    const run = await runCli(['--config', configs.graph, 'send', '--to', DEMO.mailbox, '--subject', 'x'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--text or --html/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing config file exits 2 with CONFIG_NOT_FOUND, no stack trace', async () => {
    const run = await runCli(['--json', '--config', join(dir.path, 'nope.json'), 'receive']);
    expect(run.code).toBe(2);
    expect(run.json().error.code).toBe('CONFIG_NOT_FOUND');
    const human = await runCli(['--config', join(dir.path, 'nope.json'), 'receive']);
    expect(human.stderr).toMatch(/CONFIG_NOT_FOUND/);
    expect(human.stderr).not.toMatch(/\n\s+at /);
  });

  it('a header-injection subject is refused before anything is sent', async () => {
    const before = sim.requests().length;
    const run = await runCli(['--json', '--config', configs.graph, 'send', '--to', DEMO.mailbox, '--subject', 'hi\r\nBcc: victim@example.com', '--text', 'x'], { env });
    expect(run.code).toBe(2);
    expect(run.json().error.code).toBe('INVALID_MESSAGE');
    expect(
      sim.requests().filter((request) => request.api === 'graph' && request.method === 'POST').length -
        sim
          .requests()
          .slice(0, before)
          .filter((request) => request.api === 'graph' && request.method === 'POST').length,
    ).toBe(0);
  });

  it('--save-mime never writes outside the folder, whatever the message ids are', async () => {
    const mimeDir = join(dir.path, 'mime-safe');
    const run = await runCli(['--json', '--config', configs.ews, 'receive', '--limit', '5', '--save-mime', mimeDir], { env });
    expect(run.code, run.stderr).toBe(0);
    for (const message of run.json().messages as Array<{ mimeFile: string }>) {
      expect(message.mimeFile.startsWith(mimeDir + '/')).toBe(true);
      expect(message.mimeFile.slice(mimeDir.length + 1)).toMatch(/^[\w.-]+\.eml$/);
    }
  });
});

describe('no secret is ever printed', () => {
  const CANARY = 'sim~CanarySecret.DoNotPrint0123456789xyz';
  it.each([['doctor'], ['token'], ['send', '--to', DEMO.mailbox, '--subject', 'canary', '--text', 'x'], ['receive', '--limit', '2'], ['show', 'AAMkAGNhbmFyeQ==']])(
    '%s, in every output mode, with a rejected canary secret',
    { timeout: 120_000 },
    async (...command) => {
      const config = structuredClone(sim.config({ transport: 'graph', secret: CANARY })) as any;
      const file = dir.write(`canary-${command[0]}.json`, config);
      for (const mode of [[], ['--json'], ['--verbose'], ['--json', '--verbose']]) {
        const run = await runCli([...mode, '--config', file, ...command], { env: { MAILBRIDGE_CLIENT_SECRET: CANARY } });
        expect(run.code).not.toBe(0);
        expect(run.stdout + run.stderr).not.toContain(CANARY);
        expect(run.stdout + run.stderr).not.toContain('CanarySecret');
      }
    },
  );

  // Ten CLI processes: seconds each on a loaded machine.
  it('the real secret and the token never appear outside `token --raw`', { timeout: 120_000 }, async () => {
    const raw = await runCli(['--config', configs.graph, 'token', '--raw'], { env });
    const token = raw.stdout.trim();
    const listed = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '1'], { env });
    const id = (listed.json().messages as Array<{ id: string }>)[0]!.id;
    for (const command of [['doctor'], ['token'], ['receive', '--limit', '1'], ['show', id]]) {
      for (const mode of [[], ['--json'], ['--verbose']]) {
        const run = await runCli([...mode, '--config', configs.graph, ...command], { env });
        expect(run.stdout + run.stderr).not.toContain(DEMO.clientSecret);
        expect(run.stdout + run.stderr).not.toContain(token);
      }
    }
  });
});
