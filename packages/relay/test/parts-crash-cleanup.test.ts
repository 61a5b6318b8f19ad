import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@mailbridge/core';
import { createOutbox } from '@mailbridge/outbox';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, type RelayDeliveredEvent } from '../src/index.js';
import { partsKey } from '../src/message/attachment-parts.js';
import { thisOwner } from '../src/message/parts-owner.js';
import { type RelayChild, sendHalfMessage, startRelayChild } from './support/relay-child.js';
import { waitFor } from './support/relay-test-bed.js';

// A relay killed with SIGKILL removes nothing itself: the next relay on the same spool (or the same
// temporary folder) must find what it left and remove exactly that, and nothing a message still
// in the outbox needs.

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const MAILBOX = DEMO.mailbox;
const listDir = (dir: string) => readdir(dir).catch(() => [] as string[]);
const filesIn = async (dir: string): Promise<number> => {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) count += entry.isDirectory() ? await filesIn(join(dir, entry.name)) : 1;
  return count;
};

describe('attachment files left behind by a relay process killed with SIGKILL', () => {
  let simulator: Simulator;
  let dir: string;
  const children: RelayChild[] = [];

  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('packages/relay/dist is missing: run `pnpm --filter @mailbridge/relay build` first');
    simulator = await startSimulator();
    dir = await mkdtemp(join(tmpdir(), 'relay-parts-crash-'));
  });
  afterAll(async () => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await simulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const start = (configPath: string, options: Parameters<typeof startRelayChild>[1] = {}) => {
    const relay = startRelayChild(configPath, options);
    children.push(relay);
    return relay;
  };

  /** A config file in its own folder; `spool`: a file outbox section there. */
  async function writeConfig(name: string, withOutbox: boolean): Promise<{ base: string; configPath: string; spool: string; json: Record<string, unknown> }> {
    const base = join(dir, name);
    await mkdir(base, { recursive: true });
    const spool = join(base, 'spool');
    const json = {
      ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
      ...(withOutbox ? { outbox: { store: { type: 'file', dir: spool } } } : {}),
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }] },
    };
    const configPath = join(base, 'mailbridge.json');
    await writeFile(configPath, JSON.stringify(json), { mode: 0o600 });
    return { base, configPath, spool, json };
  }

  it('file outbox: the next relay removes at once the folder of a message cut off by the kill, keeps the folder of a message answered 250 and still queued (and a live process’s), and removes that one once delivered', {
    timeout: 120_000,
  }, async () => {
    const { configPath, spool, json } = await writeConfig('file', true);
    const parts = join(spool, 'relay-parts');
    // One message per hour: the first (small) one takes the slot, so the large one stays queued.
    const first = start(configPath, { limits: { messages: 1, windowMs: 3_600_000 } });
    const port = await first.port;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: MAILBOX, to: 'small@fabrikam.example', subject: 'takes the slot', text: 'small' });
    const kept = await transport.sendMail({
      from: MAILBOX,
      to: 'big@fabrikam.example',
      subject: 'kept across the kill',
      messageId: '<kept-across-kill@relay.test>',
      text: 'large',
      attachments: [{ filename: 'big.bin', content: randomBytes(4 * 1024 * 1024) }],
    });
    transport.close();
    const keptId = /accepted as (\S+)/.exec(kept.response)![1]!;
    const keptKey = partsKey('<kept-across-kill@relay.test>');
    const cutKey = partsKey('<cut-by-kill@relay.test>');

    // A second message stops in the middle of DATA; the process is killed while it is received.
    await sendHalfMessage(port, { from: MAILBOX, to: 'cut@fabrikam.example', messageId: '<cut-by-kill@relay.test>' });
    await waitFor(
      async () => {
        const cut = (await listDir(parts)).find((name) => name.startsWith(cutKey));
        return cut && (await filesIn(join(parts, cut))) > 0 ? true : undefined;
      },
      10_000,
      'the cut-off message’s first attachment file',
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const left = await listDir(parts);
    expect(left.some((name) => name.startsWith(keptKey))).toBe(true);
    expect(left.some((name) => name.startsWith(cutKey))).toBe(true);

    // A folder of a relay process that is still running on this host (our parent's pid), with no
    // message in the outbox: it may be receiving, so it stays (until the one-hour grace).
    const liveKey = partsKey('<live-peer@relay.test>');
    const live = join(parts, `${liveKey}-0123456789ab-${thisOwner.host}-${process.ppid}-0badcafe`);
    await mkdir(live);
    await writeFile(join(live, '1'), 'being received');

    // The next relay, with the default grace of an hour: the dead process's folder cannot be in use.
    const config = parseConfig(json).config;
    const outbox = await createOutbox(config, { pollIntervalMs: 20 });
    const relay = await createRelay(config, { outbox, startOutbox: false });
    const delivered: RelayDeliveredEvent[] = [];
    relay.on('delivered', (event) => delivered.push(event));
    try {
      await waitFor(async () => ((await listDir(parts)).some((name) => name.startsWith(cutKey)) ? undefined : true), 10_000, 'the cut-off message’s folder removed at start');
      const after = await listDir(parts);
      expect(after.filter((name) => name.startsWith(keptKey))).toHaveLength(1);
      expect(after.filter((name) => name.startsWith(liveKey))).toHaveLength(1);
      expect((await outbox.get(keptId))?.state).not.toBe('delivered');

      // Delivered by this process, accepted by the killed one: its folder goes, the live one stays.
      await outbox.start();
      await waitFor(() => delivered.find((event) => event.id === keptId), 60_000, 'delivery');
      await waitFor(async () => ((await listDir(parts)).some((name) => name.startsWith(keptKey)) ? undefined : true), 10_000, 'the delivered message’s folder removed');
      expect(await listDir(parts)).toEqual([live.slice(parts.length + 1)]);
      expect(simulator.outbound().find((m) => m.subject === 'kept across the kill')).toBeDefined();
    } finally {
      await relay.close();
    }
  });

  it('other outboxes: the temporary attachment folder of a killed relay is removed by the next relay on the host (whichever its outbox); a stopped relay removes its own', { timeout: 60_000 }, async () => {
    const { base, configPath } = await writeConfig('temporary', false);
    const temp = join(base, 'tmp');
    await mkdir(temp);
    const env = { TMPDIR: temp, TMP: temp, TEMP: temp };
    const roots = async () => (await listDir(temp)).filter((name) => name.startsWith('mailbridge-relay-parts-'));

    const first = start(configPath, { env });
    await sendHalfMessage(await first.port, { from: MAILBOX, to: 'cut@fabrikam.example', messageId: '<temp-cut@relay.test>' });
    await waitFor(async () => ((await filesIn(temp)) > 0 ? true : undefined), 10_000, 'an attachment file in the temporary folder');
    const [killedRoot] = await roots();
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(await roots()).toEqual([killedRoot]);

    const second = start(configPath, { env });
    await second.port;
    const now = await roots();
    expect(now).not.toContain(killedRoot);
    expect(now).toHaveLength(1);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await roots()).toEqual([]);

    // Killed again, and the next relay on the host has a file outbox (no temporary folder of its own).
    const third = start(configPath, { env });
    await sendHalfMessage(await third.port, { from: MAILBOX, to: 'cut@fabrikam.example', messageId: '<temp-cut-2@relay.test>' });
    await waitFor(async () => ((await filesIn(temp)) > 0 ? true : undefined), 10_000, 'an attachment file in the temporary folder');
    third.child.kill('SIGKILL');
    await third.exited;
    expect(await roots()).toHaveLength(1);
    const withFileOutbox = start((await writeConfig('temporary-then-file', true)).configPath, { env });
    await withFileOutbox.port;
    expect(await roots()).toEqual([]);
    withFileOutbox.child.kill('SIGTERM');
    expect(await withFileOutbox.exited).toBe(0);
  });

  it('two kept messages with one Message-ID (accepted by two relays on one spool): delivering one removes its folder only', { timeout: 60_000 }, async () => {
    const { spool, json } = await writeConfig('same-id', true);
    const parts = join(spool, 'relay-parts');
    const config = parseConfig(json).config;
    // Both relays read the outbox before either message arrives: neither knows the other's copy.
    const outboxA = await createOutbox(config, { pollIntervalMs: 20 });
    const outboxB = await createOutbox(config, { pollIntervalMs: 20 });
    const relayA = await createRelay(config, { outbox: outboxA, startOutbox: false, rawMimeLimitBytes: 0 });
    const relayB = await createRelay(config, { outbox: outboxB, startOutbox: false, rawMimeLimitBytes: 0 });
    const ids: string[] = [];
    for (const relay of [relayA, relayB]) {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: relay.listeners[0]!.port, secure: false, ignoreTLS: true });
      const info = await transport.sendMail({ from: MAILBOX, to: 'twice@fabrikam.example', subject: 'same id', messageId: '<same-id@relay.test>', text: 'x', attachments: [{ filename: 'a.bin', content: randomBytes(10_000) }] });
      transport.close();
      ids.push(/accepted as (\S+)/.exec(info.response)![1]!);
    }
    await relayA.close();
    await relayB.close();
    expect(await listDir(parts)).toHaveLength(2);

    // A third relay delivers one of them (one message per hour): the other keeps its files.
    const outbox = await createOutbox(config, { pollIntervalMs: 20, limits: { messages: 1, windowMs: 3_600_000 } });
    const relay = await createRelay(config, { outbox, startOutbox: false });
    const delivered: RelayDeliveredEvent[] = [];
    relay.on('delivered', (event) => delivered.push(event));
    try {
      await outbox.start();
      const [first] = await waitFor(() => (delivered.length > 0 ? delivered : undefined), 30_000, 'one delivery');
      const waiting = ids.find((id) => id !== first!.id)!;
      await waitFor(async () => ((await listDir(parts)).length === 1 ? true : undefined), 10_000, 'the delivered message’s folder removed');
      await new Promise((r) => setTimeout(r, 300));
      const [left] = await listDir(parts);
      expect(await listDir(join(parts, left!))).toContain(`.accepted-${waiting}`);
      expect((await outbox.get(waiting))?.state).toBe('queued');
    } finally {
      await relay.close();
    }
  });

  it('a relay stopped with SIGTERM while a message is in DATA removes its files before it exits', { timeout: 60_000 }, async () => {
    const base = join(dir, 'sigterm');
    await mkdir(base, { recursive: true });
    const spool = join(base, 'spool');
    const configPath = join(base, 'mailbridge.json');
    await writeFile(
      configPath,
      JSON.stringify({
        ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
        outbox: { store: { type: 'file', dir: spool } },
        // The stopping relay waits this long for sessions in progress before it closes them.
        relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }], idleTimeoutSeconds: 1 },
      }),
      { mode: 0o600 },
    );
    const relay = start(configPath);
    const smtp = await sendHalfMessage(await relay.port, { from: MAILBOX, to: 'cut@fabrikam.example', messageId: '<sigterm@relay.test>' });
    await waitFor(async () => ((await filesIn(join(spool, 'relay-parts'))) > 0 ? true : undefined), 10_000, 'an attachment file');
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    expect(smtp.closed).toBe(true);
    expect(await listDir(join(spool, 'relay-parts'))).toEqual([]);
    expect(await listDir(join(spool, 'queued'))).toEqual([]);
  });
});
