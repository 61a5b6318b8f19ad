import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MailbridgeConfig, parseConfig } from '@mailbridge/core';
import { createFileStore, createOutbox, type Outbox, type StoredEntry } from '@mailbridge/outbox';
import { redisUnavailable, startTestRedis, type TestRedis } from '@mailbridge/outbox/testing';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, type Relay, type RelayDeliveredEvent } from '../src/index.js';
import { partsKey } from '../src/message/attachment-parts.js';
import { sendHalfMessage } from './support/relay-child.js';
import { waitFor } from './support/relay-test-bed.js';

const MAILBOX = DEMO.mailbox;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

const listDir = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** The stored entries (JSON documents) in one state folder of a file spool. */
async function storedEntries(spool: string, state: string): Promise<Array<{ raw: string; entry: StoredEntry }>> {
  const out = [];
  for (const name of await listDir(join(spool, state))) {
    const raw = await readFile(join(spool, state, name), 'utf8');
    out.push({ raw, entry: JSON.parse(raw) as StoredEntry });
  }
  return out;
}

/** Above the relay's raw-MIME limit (2.9 MB), so it goes out from its parts. */
function largeMessage(messageId: string, subject: string) {
  const big = randomBytes(6 * 1024 * 1024);
  const png = randomBytes(30_000);
  return {
    big,
    png,
    mail: {
      from: `Zoë Ångström <${MAILBOX}>`,
      to: 'big@fabrikam.example',
      subject,
      messageId,
      text: 'plain ü',
      html: '<p>html ü <img src="cid:chart@relay"></p>',
      attachments: [
        { filename: 'chart.png', content: png, cid: 'chart@relay', contentType: 'image/png' },
        { filename: 'Größe für Müller.bin', content: big, contentType: 'application/octet-stream' },
      ],
    },
  };
}

describe('large messages: attachments as files next to the file spool', () => {
  let simulator: Simulator;
  let dir: string;

  beforeAll(async () => {
    simulator = await startSimulator();
    dir = await mkdtemp(join(tmpdir(), 'relay-parts-'));
  });
  afterAll(async () => {
    await simulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const configFor = (spool: string, withOutboxSection = true, transport: 'graph' | 'ews' = 'graph'): MailbridgeConfig =>
    parseConfig({
      ...(simulator.config({ transport }) as Record<string, unknown>),
      retry: { maxAttempts: 2, maxDelayMs: 500 },
      ...(withOutboxSection ? { outbox: { store: { type: 'file', dir: spool } } } : {}),
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }] },
    }).config;

  async function open(spool: string, options: { partsSweepGraceMs?: number; withOutboxSection?: boolean; transport?: 'graph' | 'ews' } = {}): Promise<{ outbox: Outbox; relay: Relay; port: number; delivered: RelayDeliveredEvent[] }> {
    const config = configFor(spool, options.withOutboxSection ?? true, options.transport);
    const outbox = await createOutbox(config, { pollIntervalMs: 20, ...(options.withOutboxSection === false ? { store: await createFileStore({ dir: spool, leaseMs: 30_000 }) } : {}) });
    const relay = await createRelay(config, { outbox, startOutbox: false, ...(options.partsSweepGraceMs !== undefined ? { partsSweepGraceMs: options.partsSweepGraceMs } : {}) });
    const delivered: RelayDeliveredEvent[] = [];
    relay.on('delivered', (event) => delivered.push(event));
    return { outbox, relay, port: relay.listeners[0]!.port, delivered };
  }

  const send = (port: number, mail: nodemailer.SendMailOptions) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    return transport.sendMail(mail).finally(() => transport.close());
  };
  const acceptedId = (response: string) => /accepted as (\S+)/.exec(response)![1]!;

  it('every attachment is a file under relay-parts, the stored message holds only their paths; delivered intact (inline cid, non-ASCII names); the files go once delivered', async () => {
    const spool = join(dir, 'kept');
    const { outbox, relay, port, delivered } = await open(spool);
    const { big, png, mail } = largeMessage('<large-1@relay.test>', 'Großer Bericht ✓');
    const info = await send(port, mail);
    const id = acceptedId(info.response);

    // Accepted and not yet delivered: the spool entry is small and points at the part files.
    const [stored] = await storedEntries(spool, 'queued');
    expect(stored!.entry.id).toBe(id);
    expect(stored!.raw.length).toBeLessThan(64 * 1024);
    expect(stored!.raw).not.toContain('contentBase64');
    const payload = stored!.entry.payload;
    if (payload?.kind !== 'message') throw new Error('expected the message stored from its parts');
    const attachments = payload.message.attachments!;
    expect(attachments.map((a) => a.filename)).toEqual(['chart.png', 'Größe für Müller.bin']);
    expect(attachments[0]!.contentId).toBe('chart@relay');
    for (const attachment of attachments) expect(attachment.contentPath?.startsWith(join(spool, 'relay-parts'))).toBe(true);
    expect(sha256(await readFile(attachments[0]!.contentPath!))).toBe(sha256(png));
    expect(sha256(await readFile(attachments[1]!.contentPath!))).toBe(sha256(big));
    expect(attachments[1]!.size).toBe(big.length);
    const folders = await listDir(join(spool, 'relay-parts'));
    expect(folders).toHaveLength(1);
    expect(folders[0]!.startsWith(`${partsKey('<large-1@relay.test>')}-`)).toBe(true);

    await outbox.start();
    await waitFor(() => delivered.find((e) => e.id === id), 60_000, 'delivery');
    const outbound = simulator.outbound().find((m) => m.subject === 'Großer Bericht ✓')!;
    const parsed = await simpleParser(outbound.mime, { keepCidLinks: true });
    expect(parsed.from?.value[0]).toEqual({ address: MAILBOX, name: 'Zoë Ångström' });
    expect(parsed.html).toContain('cid:chart@relay');
    const byName = new Map(parsed.attachments.map((a) => [a.filename, a]));
    expect(sha256(byName.get('Größe für Müller.bin')!.content)).toBe(sha256(big));
    expect(sha256(byName.get('chart.png')!.content)).toBe(sha256(png));
    expect(byName.get('chart.png')!.cid).toBe('chart@relay');
    await waitFor(async () => ((await listDir(join(spool, 'relay-parts'))).length === 0 ? true : undefined), 5_000, 'the part files removed');
    await relay.close();
  }, 120_000);

  it('over EWS too: the large message goes out from its kept files, intact, and the files go once delivered', async () => {
    const spool = join(dir, 'ews');
    const { outbox, relay, port, delivered } = await open(spool, { transport: 'ews' });
    const { big, png, mail } = largeMessage('<large-ews@relay.test>', 'Großer Bericht über EWS');
    const id = acceptedId((await send(port, mail)).response);
    expect((await storedEntries(spool, 'queued'))[0]!.raw).toContain('contentPath');
    await outbox.start();
    await waitFor(() => delivered.find((e) => e.id === id), 60_000, 'delivery');
    const outbound = simulator.outbound().find((m) => m.subject === 'Großer Bericht über EWS')!;
    const parsed = await simpleParser(outbound.mime, { keepCidLinks: true });
    expect(parsed.html).toContain('cid:chart@relay');
    const byName = new Map(parsed.attachments.map((a) => [a.filename, a]));
    expect(sha256(byName.get('Größe für Müller.bin')!.content)).toBe(sha256(big));
    expect(sha256(byName.get('chart.png')!.content)).toBe(sha256(png));
    await waitFor(async () => ((await listDir(join(spool, 'relay-parts'))).length === 0 ? true : undefined), 5_000, 'the part files removed');
    await relay.close();
  }, 120_000);

  it('at start, parts of a dropped message and of a reception cut off before its 250 are removed; those of a queued message stay, and go once it is delivered', async () => {
    const spool = join(dir, 'sweep');
    const first = await open(spool);
    const keep = largeMessage('<keep-1@relay.test>', 'keep me');
    const drop = largeMessage('<drop-1@relay.test>', 'drop me');
    const keptId = acceptedId((await send(first.port, keep.mail)).response);
    const droppedId = acceptedId((await send(first.port, drop.mail)).response);
    expect(await first.outbox.drop(droppedId)).toBe(true);
    // What a kill -9 during DATA leaves: a folder with a part and no message in the outbox.
    const cut = join(spool, 'relay-parts', `${partsKey('<cut-1@relay.test>')}-0123456789ab`);
    await mkdir(cut);
    await writeFile(join(cut, '1'), 'partial');
    expect(await listDir(join(spool, 'relay-parts'))).toHaveLength(3);
    await first.relay.close();

    const second = await open(spool, { partsSweepGraceMs: 0 });
    const left = await waitFor(
      async () => {
        const names = await listDir(join(spool, 'relay-parts'));
        return names.length === 1 ? names : undefined;
      },
      5_000,
      'the sweep',
    );
    expect(left[0]!.startsWith(`${partsKey('<keep-1@relay.test>')}-`)).toBe(true);

    // Accepted by the previous process: found by its Message-ID when delivered.
    await second.outbox.start();
    await waitFor(() => second.delivered.find((e) => e.id === keptId), 60_000, 'delivery');
    const outbound = simulator.outbound().find((m) => m.subject === 'keep me')!;
    expect(sha256((await simpleParser(outbound.mime)).attachments.find((a) => a.filename === 'Größe für Müller.bin')!.content)).toBe(sha256(keep.big));
    await waitFor(async () => ((await listDir(join(spool, 'relay-parts'))).length === 0 ? true : undefined), 5_000, 'the part files removed');
    expect(simulator.outbound().some((m) => m.subject === 'drop me')).toBe(false);
    await second.relay.close();
  }, 120_000);

  it('a client that disconnects in the middle of DATA leaves no attachment file behind', async () => {
    const spool = join(dir, 'cut');
    const { relay, port } = await open(spool);
    const smtp = await sendHalfMessage(port, { from: MAILBOX, to: 'cut@fabrikam.example', messageId: '<cut-2@relay.test>' });
    await waitFor(async () => ((await listDir(join(spool, 'relay-parts'))).length > 0 ? true : undefined), 10_000, 'the parts being written');
    smtp.socket.destroy();
    await waitFor(async () => ((await listDir(join(spool, 'relay-parts'))).length === 0 ? true : undefined), 10_000, 'the part files removed');
    expect(await storedEntries(spool, 'queued')).toEqual([]);
    await relay.close();
  }, 60_000);

  it('when the attachment files cannot be written the client gets 451 4.3.0 and nothing is queued', async () => {
    const spool = join(dir, 'broken');
    const { relay, port } = await open(spool);
    // A file where the parts folder should be: every folder made in it fails (ENOTDIR).
    await rm(join(spool, 'relay-parts'), { recursive: true });
    await writeFile(join(spool, 'relay-parts'), '');
    const error = await send(port, largeMessage('<broken-1@relay.test>', 'broken').mail).then(
      () => undefined,
      (e: { responseCode?: number; response?: string }) => e,
    );
    expect(error?.responseCode).toBe(451);
    expect(error?.response).toMatch(/^451 4\.3\.0 /);
    expect(await storedEntries(spool, 'queued')).toEqual([]);
    await relay.close();
  }, 60_000);

  it('without a file outbox section the parts are temporary: the outbox keeps the bytes, no relay-parts folder, delivered intact', async () => {
    const spool = join(dir, 'inline');
    const { outbox, relay, port, delivered } = await open(spool, { withOutboxSection: false });
    const { big, mail } = largeMessage('<inline-1@relay.test>', 'inline copy');
    const id = acceptedId((await send(port, mail)).response);
    const [stored] = await storedEntries(spool, 'queued');
    expect(stored!.raw).toContain('contentBase64');
    expect(stored!.raw).not.toContain('contentPath');
    await expect(stat(join(spool, 'relay-parts'))).rejects.toThrow();
    await outbox.start();
    await waitFor(() => delivered.find((e) => e.id === id), 60_000, 'delivery');
    const outbound = simulator.outbound().find((m) => m.subject === 'inline copy')!;
    expect(sha256((await simpleParser(outbound.mime)).attachments.find((a) => a.filename === 'Größe für Müller.bin')!.content)).toBe(sha256(big));
    await relay.close();
  }, 120_000);
});

describe.skipIf(redisUnavailable() !== undefined)('large messages with a Redis outbox (workers elsewhere cannot read a local file)', () => {
  let simulator: Simulator;
  let redis: TestRedis;
  beforeAll(async () => {
    simulator = await startSimulator();
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    await simulator?.close();
  });

  it('the outbox keeps a copy of the bytes in Redis: the temporary files are gone before delivery, and it arrives intact', async () => {
    const config = parseConfig({
      ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
      outbox: { store: { type: 'redis', url: redis.url, prefix: 'relay-large' } },
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }] },
    }).config;
    const outbox = await createOutbox(config, { pollIntervalMs: 20 });
    const relay = await createRelay(config, { outbox, startOutbox: false });
    const delivered: RelayDeliveredEvent[] = [];
    relay.on('delivered', (event) => delivered.push(event));
    const { big, mail } = largeMessage('<large-redis@relay.test>', 'large via redis');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: relay.listeners[0]!.port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail(mail).finally(() => transport.close());
    const id = /accepted as (\S+)/.exec(info.response)![1]!;
    expect(await outbox.get(id)).toMatchObject({ state: 'queued' });
    // Delivery starts only now, after the relay removed its temporary files: the bytes must be in Redis.
    await new Promise((r) => setTimeout(r, 200));
    await outbox.start();
    await waitFor(() => delivered.find((e) => e.id === id), 60_000, 'delivery');
    const outbound = simulator.outbound().find((m) => m.subject === 'large via redis')!;
    expect(sha256((await simpleParser(outbound.mime)).attachments.find((a) => a.filename === 'Größe für Müller.bin')!.content)).toBe(sha256(big));
    await relay.close();
  }, 120_000);
});
