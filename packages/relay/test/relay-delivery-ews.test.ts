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
import { createRelay, type Relay, type RelayDeliveredEvent } from '../src/index.js';
import { waitFor } from './support/relay-test-bed.js';

// The same relay as relay-delivery.test.ts, delivering over EWS instead of Graph: what the relay
// accepted (the RCPT TO list, the MIME parts) must arrive the same whichever transport sends it.

const MAILBOX = DEMO.mailbox;
const ONCALL = DEMO.secondMailbox;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('relay → outbox → simulator over EWS', () => {
  let simulator: Simulator;
  let dir: string;
  let outbox: Outbox;
  let relay: Relay;
  let port: number;
  const delivered: RelayDeliveredEvent[] = [];

  beforeAll(async () => {
    simulator = await startSimulator();
    dir = await mkdtemp(join(tmpdir(), 'relay-ews-'));
    const config = parseConfig({
      ...(simulator.config({ transport: 'ews' }) as Record<string, unknown>),
      retry: { maxAttempts: 2, maxDelayMs: 500 },
      outbox: { store: { type: 'file', dir: join(dir, 'spool') } },
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }] },
    }).config;
    expect(config.transport).toBe('ews');
    outbox = await createOutbox(config, { pollIntervalMs: 20 });
    relay = await createRelay(config, { outbox });
    relay.on('delivered', (event) => delivered.push(event));
    port = relay.listeners[0]!.port;
  });
  afterAll(async () => {
    await relay?.close();
    await simulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('multipart/alternative + inline image + attachment with Bcc: delivered to exactly the envelope, parts identical, Bcc hidden', async () => {
    const png = randomBytes(30_000);
    const report = randomBytes(120_000);
    const subject = 'EWS-Relay – Prüfung ✓';
    simulator.clearRequests();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({
      // Envelope: the To and Cc people, an envelope-only recipient (Bcc), a duplicate in other case;
      // the header names one more address that is not in the envelope and must not be mailed.
      envelope: { from: MAILBOX, to: [ONCALL, 'cc-ews@fabrikam.example', 'bcc-ews@fabrikam.example', ONCALL.toUpperCase()] },
      from: `Zoë Alerts <${MAILBOX}>`,
      to: [`On call <${ONCALL}>`, 'header-only-ews@fabrikam.example'],
      cc: 'cc-ews@fabrikam.example',
      subject,
      text: 'plain part ü',
      html: '<p>html part ü <img src="cid:chart@relay"></p>',
      attachments: [
        { filename: 'chart.png', content: png, cid: 'chart@relay', contentType: 'image/png' },
        { filename: 'Bericht.bin', content: report, contentType: 'application/octet-stream' },
      ],
      headers: { 'X-Ticket': 'INC-EWS-7' },
    });
    transport.close();
    const id = /accepted as (\S+)/.exec(info.response)?.[1];
    expect(id).toBeDefined();
    await waitFor(() => delivered.find((e) => e.id === id), 30_000, 'delivery');

    // It went out over EWS (CreateItem with SendAndSaveCopy), not over Graph.
    const requests = simulator.requests();
    expect(requests.some((r) => r.api === 'ews' && r.ewsOperation === 'CreateItem' && r.status === 200)).toBe(true);
    expect(requests.filter((r) => r.api === 'graph')).toEqual([]);
    expect(requests.filter((r) => r.api === 'ews').every((r) => r.schemaValid !== false)).toBe(true);

    // Envelope = delivery: one outbound copy, to exactly the RCPT TO list, de-duplicated.
    const outbound = simulator.outbound().filter((m) => m.subject === subject);
    expect(outbound).toHaveLength(1);
    expect([...outbound[0]!.to].map((a) => a.toLowerCase()).sort()).toEqual(['bcc-ews@fabrikam.example', 'cc-ews@fabrikam.example']);
    expect(outbound[0]!.mime).not.toContain('header-only-ews');
    expect(outbound[0]!.mime).not.toMatch(/^bcc:/im);
    const inbox = simulator.messages(ONCALL, 'inbox').filter((m) => m.subject === subject);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.bcc).toEqual([]);
    const sent = simulator.messages(MAILBOX, 'sentitems').filter((m) => m.subject === subject);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual([ONCALL]);
    expect(sent[0]!.cc).toEqual(['cc-ews@fabrikam.example']);
    expect(sent[0]!.bcc).toEqual(['bcc-ews@fabrikam.example']);
    expect(simulator.deliveries(outbound[0]!.internetMessageId).outbound).toBe(1);

    // Content: both alternatives, the inline image (same bytes, same Content-ID), the attachment.
    const parsed = await simpleParser(outbound[0]!.mime, { keepCidLinks: true });
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value[0]).toEqual({ address: MAILBOX, name: 'Zoë Alerts' });
    expect(parsed.text?.trim()).toBe('plain part ü');
    expect(parsed.html).toContain('cid:chart@relay');
    expect(parsed.headers.get('x-ticket')).toBe('INC-EWS-7');
    const byName = new Map(parsed.attachments.map((a) => [a.filename, a]));
    expect(sha256(byName.get('chart.png')!.content)).toBe(sha256(png));
    expect(byName.get('chart.png')!.cid).toBe('chart@relay');
    expect(sha256(byName.get('Bericht.bin')!.content)).toBe(sha256(report));
  });
});
