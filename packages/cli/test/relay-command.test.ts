import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { redisUnavailable, startTestRedis, type TestRedis } from '@mailbridge/outbox/testing';
import { verifyPassword } from '@mailbridge/relay';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, runCli, tempDir, until } from './helpers.js';

const run = promisify(execFile);

/** A long-running `mailbridge ...` whose stdout lines are collected. */
function startCli(args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  exited.then(() => {
    if (stderr.trim()) lines.push(`#stderr ${stderr.trim()}`);
  });
  return { child, lines, exited };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Sends one message over SMTP with Python's smtplib (a client nobody here wrote); resolves its reply or error. */
async function sendWithSmtplib(port: number, messageId: string, subject: string): Promise<{ ok: boolean; detail: string }> {
  const script = `
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = '${DEMO.mailbox}'
m['To'] = '${DEMO.secondMailbox}'
m['Subject'] = sys.argv[3]
m['Message-ID'] = sys.argv[2]
m.set_content('crash test ' + sys.argv[2])
try:
    with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10) as s:
        s.send_message(m)
    print('OK')
except Exception as e:
    print('ERR', type(e).__name__, e)
`;
  const result = await run('python3', ['-c', script, String(port), messageId, subject]).catch((error) => ({ stdout: String(error.stdout ?? error) }));
  return { ok: result.stdout.trim() === 'OK', detail: result.stdout.trim() };
}

describe('mailbridge relay hash-password', () => {
  it('reads the password from stdin and prints an scrypt hash that verifies (and never the password)', async () => {
    const result = await runCli(['relay', 'hash-password'], { input: 'canary-Pa55word-7731\n' });
    expect(result.code).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(/^\$scrypt\$N=16384,r=8,p=1\$/);
    expect(await verifyPassword('canary-Pa55word-7731', hash)).toBe(true);
    expect(await verifyPassword('canary-Pa55word-7732', hash)).toBe(false);
    expect(result.stdout + result.stderr).not.toContain('canary-Pa55word');
    const json = await runCli(['relay', 'hash-password', '--json'], { input: 'canary-Pa55word-7731' });
    expect(json.json()).toMatchObject({ ok: true, password: { scrypt: expect.stringMatching(/^\$scrypt\$/) } });
  });

  it('refuses a short password with a usage error (exit 2)', async () => {
    const result = await runCli(['relay', 'hash-password'], { input: 'short\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/shorter than 8/);
  });
});

describe('mailbridge relay without a relay section', () => {
  it('says what to add, exit 2, --json error shape', async () => {
    const dir = tempDir();
    try {
      const file = dir.write('mailbridge.json', { transport: 'graph', mailbox: 'a@contoso.example', auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'X' } } });
      const result = await runCli(['relay', '--config', file, '--json']);
      expect(result.code).toBe(2);
      expect(result.json()).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID', message: expect.stringMatching(/no "relay" section/), hint: expect.stringMatching(/"listen"/) } });
    } finally {
      dir.cleanup();
    }
  });
});

describe('mailbridge sandbox --write-config + mailbridge relay', () => {
  const dir = tempDir();
  let sandbox: ReturnType<typeof startCli> | undefined;
  afterAll(async () => {
    sandbox?.child.kill('SIGTERM');
    await sandbox?.exited;
    dir.cleanup();
  });

  it('the sandbox config relays into the simulator: swaks sends, one log line per accepted and delivered message, SIGTERM exits 0', async () => {
    const configPath = join(dir.path, 'mailbridge.sandbox.json');
    sandbox = startCli(['sandbox', '--write-config', configPath]);
    await until(() => existsSync(configPath) && sandbox!.lines.some((l) => l.includes('Press Ctrl+C')), 60_000, 'the sandbox');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(config.relay).toMatchObject({ listen: [{ host: '127.0.0.1', port: expect.any(Number), tls: 'none' }], status: { host: '127.0.0.1', port: expect.any(Number) } });
    expect(config.outbox).toMatchObject({ store: { type: 'file', dir: './mailbridge.sandbox-outbox' } });
    const port = config.relay.listen[0].port as number;

    const relay = startCli(['relay', '--config', configPath, '--json']);
    await until(() => relay.lines.some((l) => l.includes('"listening"')), 30_000, 'the relay to listen');
    const swaks = await run('swaks', ['--server', '127.0.0.1', '--port', String(port), '--from', DEMO.mailbox, '--to', DEMO.mailbox, '--header', 'Subject: via the relay', '--body', 'relayed', '--hide-all']);
    expect(swaks.stderr).toBe('');
    const events = () => relay.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; id?: string });
    const accepted = await until(() => events().find((e) => e.event === 'accepted'), 10_000, 'the accepted line');
    // relay.status from the sandbox config: the status listener serves beside the relay.
    const statusLine = await until(() => events().find((e) => e.event === 'status') as { url?: string } | undefined, 10_000, 'the status line');
    expect((await fetch(`${statusLine.url!.replace(/\/$/, '')}/healthz`)).status).toBe(200);
    await until(() => events().find((e) => e.event === 'delivered' && e.id === accepted.id), 30_000, 'the delivered line');
    const received = await runCli(['receive', '--config', configPath, '--json', '--limit', '5']);
    expect(received.json().messages.map((m: { subject: string }) => m.subject)).toContain('via the relay');

    // A session in progress when SIGTERM arrives is finished, then the process exits 0.
    const open = connect(port, '127.0.0.1');
    await new Promise((r) => open.once('data', r));
    relay.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    open.write('QUIT\r\n');
    expect(await relay.exited).toBe(0);
    expect(events().map((e) => e.event)).toEqual(expect.arrayContaining(['listening', 'accepted', 'delivered', 'stopping', 'stopped']));
    open.destroy();
  }, 120_000);
});

describe('crash: SIGKILL the relay while clients send', () => {
  let simulator: Simulator;
  const dir = tempDir();
  beforeAll(async () => {
    simulator = await startSimulator();
  });
  afterAll(async () => {
    await simulator?.close();
    dir.cleanup();
  });

  it('every message answered 250 is delivered exactly once after a restart; client retries of the others are not delivered twice', async () => {
    const port = await freePort();
    const configPath = dir.write('mailbridge.json', {
      ...simulator.config({ transport: 'graph' }),
      outbox: { store: { type: 'file', dir: join(dir.path, 'outbox') }, limits: { messagesPerMinute: 600 } },
      relay: { listen: [{ host: '127.0.0.1', port, tls: 'none' }], connectionsPerMinute: 10_000 },
    });
    const total = 24;
    const pending = Array.from({ length: total }, (_, i) => i);
    const got250 = new Set<number>();
    let retries = 0;
    let relay = startCli(['relay', '--config', configPath, '--json']);
    await until(() => relay.lines.some((l) => l.includes('"listening"')), 30_000, 'the relay');
    let killed = false;
    const worker = async () => {
      while (pending.length > 0) {
        const i = pending.shift()!;
        const result = await sendWithSmtplib(port, `<crash-${i}@relay.test>`, `crash ${i}`);
        if (result.ok) got250.add(i);
        else {
          retries++;
          pending.push(i); // the client keeps the message and tries again, as SMTP clients do
          await new Promise((r) => setTimeout(r, 300));
        }
        if (!killed && got250.size >= 6) {
          killed = true;
          relay.child.kill('SIGKILL');
          await relay.exited;
          await new Promise((r) => setTimeout(r, 500));
          relay = startCli(['relay', '--config', configPath, '--json']);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(killed).toBe(true);
    expect(retries).toBeGreaterThan(0); // some sends were cut off by the kill or refused while it was down
    expect(got250.size).toBe(total);
    const inboxCopies = (i: number) => simulator.deliveries(`<crash-${i}@relay.test>`).mailboxes.filter((m) => m.mailbox.toLowerCase() === DEMO.secondMailbox && m.folder === 'inbox').length;
    await until(() => Array.from({ length: total }, (_, i) => i).every((i) => inboxCopies(i) >= 1), 60_000, 'every message delivered');
    await new Promise((r) => setTimeout(r, 1500)); // a second copy would show up by now
    expect(Array.from({ length: total }, (_, i) => inboxCopies(i))).toEqual(Array.from({ length: total }, () => 1));
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  }, 180_000);

  it('a large message (attachment kept as a file beside the spool) answered 250 and then SIGKILLed is delivered intact exactly once after a restart, and its file removed', async () => {
    const port = await freePort();
    const spool = join(dir.path, 'outbox-large');
    const configPath = dir.write('mailbridge-large.json', {
      ...simulator.config({ transport: 'graph' }),
      outbox: { store: { type: 'file', dir: spool } },
      relay: { listen: [{ host: '127.0.0.1', port, tls: 'none' }] },
    });
    let relay = startCli(['relay', '--config', configPath, '--json']);
    await until(() => relay.lines.some((l) => l.includes('"listening"')), 30_000, 'the relay');
    const big = randomBytes(5 * 1024 * 1024);
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
    const info = await smtp.sendMail({ from: DEMO.mailbox, to: 'large@fabrikam.example', subject: 'large after a crash', text: 'see file', messageId: '<crash-large@relay.test>', attachments: [{ filename: 'big.bin', content: big }] });
    smtp.close();
    relay.child.kill('SIGKILL'); // right after the 250: delivery has not finished
    await relay.exited;
    expect(info.response).toMatch(/^250 2\.6\.0 /);
    relay = startCli(['relay', '--config', configPath, '--json']);
    await until(() => simulator.deliveries('<crash-large@relay.test>').outbound >= 1, 60_000, 'the delivery');
    await new Promise((r) => setTimeout(r, 1500)); // a second copy would show up by now
    expect(simulator.deliveries('<crash-large@relay.test>').outbound).toBe(1);
    const outbound = simulator.outbound().filter((m) => m.subject === 'large after a crash');
    expect(outbound).toHaveLength(1);
    expect(outbound[0]!.mime.replace(/\s+/g, '')).toContain(big.toString('base64'));
    await until(() => readdirSync(join(spool, 'relay-parts')).length === 0, 10_000, 'the attachment file removed');
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  }, 180_000);
});

describe.skipIf(redisUnavailable() !== undefined)('mailbridge relay whose SMTP port is taken, on a Redis outbox', () => {
  let simulator: Simulator;
  let redis: TestRedis;
  let blocker: Server;
  const dir = tempDir();
  beforeAll(async () => {
    simulator = await startSimulator();
    redis = await startTestRedis();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker?.close(resolve));
    await redis?.stop();
    await simulator?.close();
    dir.cleanup();
  });

  it('reports RELAY_LISTEN_FAILED and exits 1, closing the outbox it opened (its Redis connection would keep the process alive)', async () => {
    const taken = (blocker.address() as AddressInfo).port;
    const configPath = dir.write('mailbridge.json', {
      ...simulator.config({ transport: 'graph' }),
      outbox: { store: { type: 'redis', url: redis.url, prefix: 'relay-taken' } },
      relay: { listen: [{ host: '127.0.0.1', port: taken, tls: 'none' }] },
    });
    const result = await runCli(['relay', '--config', configPath, '--json'], { timeoutMs: 20_000 });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.json().error.code).toBe('RELAY_LISTEN_FAILED');
  }, 60_000);
});
