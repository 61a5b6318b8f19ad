import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@mailbridge/core';
import { createOutbox, type Outbox } from '@mailbridge/outbox';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, type Relay, type RelayDeliveredEvent, type RelayFailedEvent } from '../src/index.js';
import { waitFor } from './support/relay-test-bed.js';

const MAILBOX = DEMO.mailbox;
const ONCALL = DEMO.secondMailbox;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('relay → outbox → simulator (Graph), end to end', () => {
  let simulator: Simulator;
  let dir: string;
  let outbox: Outbox;
  let relay: Relay;
  let port: number;
  const delivered: RelayDeliveredEvent[] = [];
  const failed: RelayFailedEvent[] = [];

  beforeAll(async () => {
    simulator = await startSimulator();
    dir = await mkdtemp(join(tmpdir(), 'relay-e2e-'));
    const config = parseConfig({
      ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
      retry: { maxAttempts: 2, maxDelayMs: 500 },
      outbox: { store: { type: 'file', dir: join(dir, 'spool') } },
      relay: {
        listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }],
        sendAs: ['ghost@contoso.onmicrosoft.com'],
        otherSenders: 'rewrite',
        bounceTo: ONCALL,
      },
    }).config;
    outbox = await createOutbox(config, { pollIntervalMs: 20 });
    relay = await createRelay(config, { outbox });
    relay.on('delivered', (event) => delivered.push(event));
    relay.on('failed', (event) => failed.push(event));
    port = relay.listeners[0]!.port;
  });
  afterAll(async () => {
    await relay?.close();
    await simulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const smtp = () => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const acceptedId = (response: string) => /accepted as (\S+)/.exec(response)?.[1];

  it('delivers to exactly the RCPT TO list: header-only address not mailed, envelope-only (Bcc) delivered and hidden, duplicates once', async () => {
    const transport = smtp();
    const info = await transport.sendMail({
      envelope: { from: MAILBOX, to: [ONCALL, 'cc1@fabrikam.example', 'bcc1@fabrikam.example', ONCALL.toUpperCase(), 'bcc1@fabrikam.example'] },
      from: `Alerts <${MAILBOX}>`,
      to: [`On call <${ONCALL}>`, 'not-in-envelope@fabrikam.example'],
      cc: 'cc1@fabrikam.example',
      subject: 'envelope mix',
      text: 'mix',
    });
    transport.close();
    const id = acceptedId(info.response)!;
    await waitFor(() => delivered.find((e) => e.id === id), 20_000, 'delivery');
    const sent = simulator.messages(MAILBOX, 'sentitems').find((m) => m.subject === 'envelope mix')!;
    expect(sent.to).toEqual([ONCALL]);
    expect(sent.cc).toEqual(['cc1@fabrikam.example']);
    expect(sent.bcc).toEqual(['bcc1@fabrikam.example']);
    const outbound = simulator.outbound().filter((m) => m.subject === 'envelope mix');
    expect(outbound).toHaveLength(1);
    expect([...outbound[0]!.to].sort()).toEqual(['bcc1@fabrikam.example', 'cc1@fabrikam.example']);
    expect(outbound[0]!.mime).not.toMatch(/^bcc:/im);
    expect(outbound[0]!.mime).not.toContain('not-in-envelope');
    const inbox = simulator.messages(ONCALL, 'inbox').filter((m) => m.subject === 'envelope mix');
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.bcc).toEqual([]);
  });

  it('content arrives intact: multipart/alternative + inline image + 3 attachments (hashes), non-ASCII subject and names', async () => {
    const png = randomBytes(40_000);
    const files = [randomBytes(150_000), Buffer.from('naïve café ☕ report\n'.repeat(500)), randomBytes(3)];
    const subject = 'Prüfbericht – 東京 ✓ 📎';
    const transport = smtp();
    const info = await transport.sendMail({
      from: `Zoë Ångström <${MAILBOX}>`,
      to: `Jürgen Groß <x1@fabrikam.example>`,
      subject,
      text: 'plain version ü',
      html: '<p>html version ü <img src="cid:logo@relay"></p>',
      attachments: [
        { filename: 'logo.png', content: png, cid: 'logo@relay', contentType: 'image/png' },
        { filename: 'data.bin', content: files[0], contentType: 'application/octet-stream' },
        { filename: 'Bericht für Müller.txt', content: files[1], contentType: 'text/plain; charset=utf-8' },
        { filename: 'tiny.dat', content: files[2], contentType: 'application/octet-stream' },
      ],
      headers: { 'X-Ticket': 'INC-42' },
    });
    transport.close();
    const id = acceptedId(info.response)!;
    await waitFor(() => delivered.find((e) => e.id === id), 20_000, 'delivery');
    const outbound = simulator.outbound().find((m) => m.to.includes('x1@fabrikam.example'))!;
    const parsed = await simpleParser(outbound.mime, { keepCidLinks: true });
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value[0]).toEqual({ address: MAILBOX, name: 'Zoë Ångström' });
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toEqual({ address: 'x1@fabrikam.example', name: 'Jürgen Groß' });
    expect(parsed.text?.trim()).toBe('plain version ü');
    expect(parsed.html).toContain('cid:logo@relay');
    expect(parsed.headers.get('x-ticket')).toBe('INC-42');
    const byName = new Map(parsed.attachments.map((a) => [a.filename, a]));
    expect(sha256(byName.get('logo.png')!.content)).toBe(sha256(png));
    expect(byName.get('logo.png')!.cid).toBe('logo@relay');
    expect(sha256(byName.get('data.bin')!.content)).toBe(sha256(files[0]!));
    expect(sha256(byName.get('Bericht für Müller.txt')!.content)).toBe(sha256(files[1]!));
    expect(sha256(byName.get('tiny.dat')!.content)).toBe(sha256(files[2]!));
  });

  it('a message too big for one MIME send (6 MB attachment) goes out through the upload path, intact', async () => {
    const big = randomBytes(6 * 1024 * 1024);
    const transport = smtp();
    const info = await transport.sendMail({ from: MAILBOX, to: 'big@fabrikam.example', subject: 'big one', text: 'see file', attachments: [{ filename: 'big.bin', content: big }] });
    transport.close();
    const id = acceptedId(info.response)!;
    await waitFor(() => delivered.find((e) => e.id === id), 60_000, 'delivery');
    const outbound = simulator.outbound().find((m) => m.subject === 'big one')!;
    const parsed = await simpleParser(outbound.mime);
    expect(sha256(parsed.attachments[0]!.content)).toBe(sha256(big));
    expect(simulator.requests().some((r) => /createUploadSession/.test(JSON.stringify(r)))).toBe(true);
  }, 90_000);

  it('a sender the relay may not send as is rewritten to the mailbox, the original in Reply-To', async () => {
    const transport = smtp();
    const info = await transport.sendMail({ from: 'Printer <printer@lan.example>', to: 'r1@fabrikam.example', subject: 'rewritten', text: 'x' });
    transport.close();
    const id = acceptedId(info.response)!;
    await waitFor(() => delivered.find((e) => e.id === id), 20_000, 'delivery');
    const parsed = await simpleParser(simulator.outbound().find((m) => m.subject === 'rewritten')!.mime);
    expect(parsed.from?.value[0]?.address).toBe(MAILBOX);
    expect(parsed.replyTo?.value[0]).toEqual({ address: 'printer@lan.example', name: 'Printer' });
  });

  it('a client that sends the same message again (same Message-ID, e.g. after a lost 250) gets 250 and no second delivery', async () => {
    const message = { from: MAILBOX, to: 'again@fabrikam.example', subject: 'sent twice', text: 'x', messageId: '<twice-1@relay.test>' };
    const first = await smtp().sendMail(message);
    const second = await smtp().sendMail(message);
    expect(second.response).toMatch(/^250 2\.6\.0 .*already received/);
    await waitFor(() => delivered.find((e) => e.id === acceptedId(first.response)), 20_000, 'delivery');
    await new Promise((r) => setTimeout(r, 500));
    expect(simulator.deliveries('<twice-1@relay.test>').outbound).toBe(1);
  });

  it('a permanent failure after acceptance: failed event, failed in the outbox, and a bounce to bounceTo', async () => {
    const transport = smtp();
    const info = await transport.sendMail({ from: 'ghost@contoso.onmicrosoft.com', to: 'f1@fabrikam.example', subject: 'will fail', text: 'x' });
    transport.close();
    const id = acceptedId(info.response)!;
    const failure = await waitFor(() => failed.find((e) => e.id === id), 20_000, 'failure');
    expect(failure.error.code).toBe('SEND_AS_DENIED');
    expect(failure.bounced).toBe(true);
    const listed = [];
    for await (const entry of outbox.list({ state: 'failed' })) listed.push(entry);
    expect(listed.map((e) => e.id)).toContain(id);
    const bounce = await waitFor(() => simulator.messages(ONCALL, 'inbox').find((m) => m.subject === 'Undeliverable: will fail'), 20_000, 'the bounce');
    expect(bounce.bodyText).toContain('SEND_AS_DENIED');
    expect(bounce.bodyText).toContain(id);
    expect(bounce.bodyText).not.toContain('clientSecret');
  });
});
