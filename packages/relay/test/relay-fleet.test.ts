import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { redisUnavailable, startTestRedis, type TestRedis } from '@mailbridge/outbox/testing';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RelayChild, startRelayChild } from './support/relay-child.js';

// "Several relay processes on several machines can share one Redis outbox": three relay processes
// (each with its own SMTP listener and delivery workers) on one Redis outbox, SMTP clients spread
// over them. Every accepted message is delivered exactly once, by whichever process claims it, and
// the mailbox's sending limit holds across all three together. The limit is scaled down (8 per 2 s,
// in the outbox and in the simulator alike) so the test runs in seconds.

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const RELAYS = 3;
const MESSAGES = 30;
const LIMIT = { messages: 8, windowMs: 2_000 };
const EXTERNAL = 'fleet-bcc@fabrikam.example';

async function waitFor(probe: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const skip = redisUnavailable();

describe.skipIf(Boolean(skip))(`${RELAYS} relay processes on one Redis outbox`, () => {
  let simulator: Simulator;
  let redis: TestRedis;
  let dir: string;
  let relays: RelayChild[] = [];

  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('packages/relay/dist is missing: run `pnpm --filter @mailbridge/relay build` first');
    simulator = await startSimulator({ sendingLimits: LIMIT });
    redis = await startTestRedis();
    dir = await mkdtemp(join(tmpdir(), 'relay-fleet-'));
    const configPath = join(dir, 'mailbridge.json');
    await writeFile(
      configPath,
      JSON.stringify({
        ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
        outbox: { store: { type: 'redis', url: redis.url, prefix: 'relay-fleet' }, concurrency: 4 },
        // Port 0: every process listens on a free port of its own, as on separate machines.
        relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }], connectionsPerMinute: 10_000 },
      }),
      { mode: 0o600 },
    );
    relays = Array.from({ length: RELAYS }, () => startRelayChild(configPath, { limits: LIMIT }));
    await Promise.all(relays.map((relay) => relay.port));
  });

  afterAll(async () => {
    for (const relay of relays) if (relay.child.exitCode === null && relay.child.signalCode === null) relay.child.kill('SIGKILL');
    await redis?.stop();
    await simulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every message answered 250 by any relay is delivered exactly once, work is shared, and the sending limit holds across all of them', { timeout: 180_000 }, async () => {
    const ports = await Promise.all(relays.map((relay) => relay.port));
    const messageId = (i: number) => `<fleet-${i}@relay.test>`;
    // Message i goes to relay i % 3; a few clients at a time on each.
    const acceptedBy = new Map<string, number>();
    const queue = Array.from({ length: MESSAGES }, (_, i) => i);
    const client = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const relay = i % RELAYS;
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ports[relay], secure: false, ignoreTLS: true });
        const info = await transport.sendMail({
          envelope: { from: DEMO.mailbox, to: [DEMO.secondMailbox, EXTERNAL] },
          from: DEMO.mailbox,
          to: DEMO.secondMailbox,
          subject: `fleet ${i}`,
          text: `message ${i} through relay ${relay}`,
          messageId: messageId(i),
        });
        transport.close();
        const id = /^250 2\.6\.0 Message accepted as (\S+)$/.exec(info.response)?.[1];
        expect(id, info.response).toBeDefined();
        acceptedBy.set(id!, relay);
      }
    };
    await Promise.all(Array.from({ length: 6 }, client));
    expect(acceptedBy.size).toBe(MESSAGES);

    const linesOf = (kind: string) => relays.map((relay) => relay.lines.filter((line) => line.startsWith(`${kind} `)).map((line) => line.split(' ')[1]!));
    // Each process logged exactly the messages its clients sent it (the log line may trail the 250).
    await waitFor(
      () => linesOf('accepted').flat().length >= MESSAGES,
      10_000,
      () => `${MESSAGES} accepted lines`,
    );
    const accepted = linesOf('accepted');
    expect(accepted.map((ids) => ids.length)).toEqual([10, 10, 10]);
    expect(accepted.map((ids, relay) => ids.every((id) => acceptedBy.get(id) === relay))).toEqual([true, true, true]);
    await waitFor(
      () => linesOf('delivered').flat().length >= MESSAGES,
      120_000,
      () => `${MESSAGES} deliveries; so far ${linesOf('delivered').flat().length}, failed: ${linesOf('failed').flat().join(', ')}`,
    );
    // A duplicate delivery would show up within this.
    await new Promise((r) => setTimeout(r, 1_000));

    const delivered = linesOf('delivered');
    const all = delivered.flat();
    expect(linesOf('failed').flat()).toEqual([]);
    expect(all).toHaveLength(MESSAGES);
    expect(new Set(all)).toEqual(new Set(acceptedBy.keys()));
    // Shared work: more than one process delivered, and messages accepted by one relay went out
    // through another's workers — one outbox, not three.
    expect(delivered.filter((ids) => ids.length > 0).length).toBeGreaterThanOrEqual(2);
    const elsewhere = delivered.flatMap((ids, relay) => ids.filter((id) => acceptedBy.get(id) !== relay));
    expect(elsewhere.length).toBeGreaterThan(0);

    // Exactly once as the recipients see it: one inbox copy, one Sent Items copy, one outbound copy.
    for (let i = 0; i < MESSAGES; i++) {
      const copies = simulator.deliveries(messageId(i));
      const where = copies.mailboxes.map((copy) => `${copy.mailbox.toLowerCase()}/${copy.folder}`).sort();
      expect(where, messageId(i)).toEqual([`${DEMO.mailbox}/sentitems`, `${DEMO.secondMailbox}/inbox`].sort());
      expect(copies.outbound, messageId(i)).toBe(1);
    }
    // The three processes kept the one mailbox's limit together: the simulator refused nothing and
    // never admitted more than 8 in any 2 s window (30 messages needed at least four windows).
    const stats = simulator.sendingLimitStats(DEMO.mailbox);
    expect(stats).toMatchObject({ sent: MESSAGES, rateRefusals: 0, quotaRefusals: 0 });
    expect(stats.maxInWindow).toBeLessThanOrEqual(LIMIT.messages);
    console.info(
      `relay fleet: accepted per relay ${accepted.map((ids) => ids.length).join(', ')}; delivered per relay ${delivered.map((ids) => ids.length).join(', ')}; delivered by another relay than the one that accepted ${elsewhere.length}; most in one window ${stats.maxInWindow}/${LIMIT.messages}`,
    );

    for (const relay of relays) relay.child.kill('SIGTERM');
    expect(await Promise.all(relays.map((relay) => relay.exited))).toEqual(relays.map(() => 0));
  });
});

describe.skipIf(Boolean(skip))('createRelay that fails to start, on a Redis outbox it opened itself', () => {
  let redis: TestRedis;
  let blocker: Server;
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('packages/relay/dist is missing: run `pnpm --filter @mailbridge/relay build` first');
    redis = await startTestRedis();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker?.close(resolve));
    await redis?.stop();
  });

  it('closes that outbox before throwing RELAY_LISTEN_FAILED, so the process can end', async () => {
    const config = {
      transport: 'graph',
      mailbox: 'alerts@contoso.example',
      auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: 'unused' },
      outbox: { store: { type: 'redis', url: redis.url, prefix: 'relay-listen-failed' } },
      relay: { listen: [{ host: '127.0.0.1', port: (blocker.address() as AddressInfo).port, tls: 'none' }] },
    };
    // In its own process: an outbox left open holds its Redis connection and the process never ends.
    const script = `
import { parseConfig } from '@mailbridge/core';
import { createRelay } from ${JSON.stringify(pathToFileURL(DIST).href)};
try {
  await createRelay(parseConfig(JSON.parse(process.argv[1])).config);
  console.log('started');
} catch (error) {
  console.log('error ' + error.code);
}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(config)], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    expect(stdout.trim()).toBe('error RELAY_LISTEN_FAILED');
    expect(code).toBe(0);
  }, 30_000);
});
