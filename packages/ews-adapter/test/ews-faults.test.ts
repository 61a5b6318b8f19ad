import { isOutcomeUnknown } from '@mailbridge/core';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EwsTestBed, invalidEwsRequests, startEwsTestBed } from './support/ews-test-bed.js';

const MB = 1024 * 1024;

describe('EWS faults: every message is delivered exactly once', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('oauth', { retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 10_000 } });
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  const sendOnce = async (subject: string, extra: { attachments?: Array<{ filename: string; content: Uint8Array }>; saveToSentItems?: boolean } = {}) => {
    const result = await bed.transport.send({ to: [DEMO.secondMailbox], subject, text: 'fault test', ...extra });
    const deliveries = bed.simulator.deliveries(result.internetMessageId);
    const inRecipient = deliveries.mailboxes.filter((copy) => copy.mailbox === DEMO.secondMailbox);
    const inSent = deliveries.mailboxes.filter((copy) => copy.mailbox === DEMO.mailbox && copy.folder === 'sentitems');
    return { result, inRecipient: inRecipient.length, inSent: inSent.length };
  };
  /** The EWS operations the simulator logged, in order. */
  const ewsOperations = () =>
    bed.simulator
      .requests()
      .filter((request) => request.api === 'ews')
      .map((request) => request.ewsOperation);

  it('ErrorServerBusy: waits BackOffMilliseconds and delivers once', async () => {
    bed.simulator.clearRequests();
    bed.simulator.inject({ kind: 'ews-server-busy', count: 2, backOffMs: 300 });
    const started = Date.now();
    const { inRecipient, inSent } = await sendOnce('busy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect([inRecipient, inSent]).toEqual([1, 1]);
    const creates = bed.simulator.requests().filter((request) => request.ewsOperation === 'CreateItem');
    expect(creates.map((request) => request.status)).toEqual([500, 500, 200]);
  });

  // Issue 14, item 2: a cut-off send whose Sent Items check failed too was SERVICE_ERROR / THROTTLED
  // (not outcome-unknown), and resending the same message delivered it twice.
  it('a cut-off send whose Sent Items check fails too (ErrorInternalServerError): SEND_UNCONFIRMED; a resend delivers nothing twice', async () => {
    const id = '<ews-unconfirmed-check-down@contoso.onmicrosoft.com>';
    bed.simulator.clearFaults();
    bed.simulator.inject({ kind: 'reset-after', api: 'ews', count: 1 });
    bed.simulator.inject({ kind: 'ews-error', responseCode: 'ErrorInternalServerError', operation: 'FindItem', count: 1000 });
    const error = (await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'check down', text: 'x', internetMessageId: id }).catch((caught: unknown) => caught)) as {
      code?: string;
      details?: Record<string, unknown>;
    };
    bed.simulator.clearFaults();
    expect(error.code).toBe('SEND_UNCONFIRMED');
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(error.details?.internetMessageId).toBe(id);
    const again = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'check down', text: 'x', internetMessageId: id });
    expect(again.id).toEqual(expect.any(String));
    expect(bed.simulator.deliveries(id).mailboxes.filter((copy) => copy.mailbox === DEMO.secondMailbox)).toHaveLength(1);
  });

  it('503: retried and delivered once', async () => {
    bed.simulator.inject({ kind: 'status', status: 503, api: 'ews', count: 2, retryAfterSeconds: 0 });
    expect(await sendOnce('503')).toMatchObject({ inRecipient: 1, inSent: 1 });
  });

  it('connection reset before the request is processed: resent, delivered once', async () => {
    bed.simulator.inject({ kind: 'reset-before', api: 'ews', count: 1 });
    expect(await sendOnce('reset before')).toMatchObject({ inRecipient: 1, inSent: 1 });
  });

  it('connection reset after the send took effect: found in Sent Items, not resent', async () => {
    bed.simulator.clearRequests();
    bed.simulator.inject({ kind: 'reset-after', api: 'ews', count: 1 });
    const { result, inRecipient, inSent } = await sendOnce('reset after');
    expect([inRecipient, inSent]).toEqual([1, 1]);
    expect(result.id).toBeTruthy();
    const operations = ewsOperations();
    expect(operations.filter((operation) => operation === 'CreateItem')).toHaveLength(1);
    expect(operations).toContain('FindItem');
  });

  it('reset after a send whose copy Exchange files late: a later look in Sent Items finds it, not resent', async () => {
    // The copy is filed 2 s after the send: the first look (at once) misses it, the second (3 s later) finds it.
    const transport = bed.newTransport({ confirmDelaysMs: [0, 3000] });
    const removeDelay = bed.simulator.inject({ kind: 'late-sent-copy', ms: 2000 });
    bed.simulator.inject({ kind: 'reset-after', api: 'ews', count: 1 });
    bed.simulator.clearRequests();
    try {
      const result = await transport.send({ to: [DEMO.secondMailbox], subject: 'reset after, filed late', text: 'fault test' });
      const copies = bed.simulator.deliveries(result.internetMessageId).mailboxes;
      expect(copies.filter((copy) => copy.mailbox === DEMO.secondMailbox)).toHaveLength(1);
      expect(copies.filter((copy) => copy.mailbox === DEMO.mailbox).map((copy) => copy.folder)).toEqual(['sentitems']);
      expect(result.id).toBeTruthy();
      const operations = ewsOperations();
      expect(operations.filter((operation) => operation === 'CreateItem')).toHaveLength(1);
      expect(operations.filter((operation) => operation === 'FindItem')).toHaveLength(2);
    } finally {
      removeDelay();
    }
  });

  it('reset after the first step of a large message (draft, then streamed CreateAttachment, SendItem): delivered once', async () => {
    const big = new Uint8Array(6 * MB).fill(7);
    bed.simulator.inject({ kind: 'reset-after', api: 'ews', count: 1, pathIncludes: 'EWS' });
    expect(await sendOnce('reset after big', { attachments: [{ filename: 'big.bin', content: big }] })).toMatchObject({ inRecipient: 1, inSent: 1 });
  });

  it('reset after a send without a Sent Items copy: the draft being gone proves it was sent', async () => {
    // With SaveItemToFolder=false the message goes through a draft, whose disappearance is checked.
    bed.simulator.inject({ kind: 'reset-after', api: 'ews', count: 1 });
    const draftStep = await sendOnce('no copy, reset on draft', { saveToSentItems: false });
    expect(draftStep).toMatchObject({ inRecipient: 1, inSent: 0 });
  });

  it('sent only XSD-valid requests throughout', () => {
    expect(invalidEwsRequests(bed.simulator)).toEqual([]);
  });
});

// Issue 14, items 1 and 7: EWS answering 302/307 was "failed: unknown"; the credential (bearer token,
// Basic password, NTLM handshake) must never follow it to another host.
describe.each(['oauth', 'basic', 'ntlm'] as const)('EWS %s: a redirect is refused, naming its host, and nothing reaches it', (mode) => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed(mode, { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 100 } });
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it.each([
    [302, 'probe', () => bed.transport.probe()],
    [307, 'send', () => bed.transport.send({ to: [DEMO.secondMailbox], subject: 'redirected', text: 'x' })],
  ] as const)('%i on %s', async (status, _what, call) => {
    bed.simulator.clearFaults();
    bed.simulator.clearCaughtRedirects();
    bed.simulator.inject({ kind: 'hostile', api: 'ews', count: 10, body: 'redirect', status });
    const error = await call().then(
      () => undefined,
      (caught: unknown) => caught as { code?: string; message?: string },
    );
    bed.simulator.clearFaults();
    expect(error?.code).toBe('REDIRECT_REFUSED');
    expect(error?.message).toMatch(new RegExp(`HTTP ${status}, a redirect to 127\\.0\\.0\\.1:\\d+`));
    expect(bed.simulator.caughtRedirects()).toEqual([]);
  });
});

// Issue 14, item 7: hostile answers that crashed inside the SOAP library or hung it.
describe('EWS: deeply nested and trickled answers get their own codes', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('oauth', { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 50 }, transport: { timeoutMs: 3000 } });
    await bed.transport.probe();
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('a SOAP answer 100,000 elements deep is INVALID_RESPONSE, not a stack overflow', async () => {
    bed.simulator.clearFaults();
    bed.simulator.inject({ kind: 'hostile', api: 'ews', count: 10, body: 'deep-nesting' });
    const error = await bed.transport.probe().then(
      () => undefined,
      (caught: unknown) => caught as { code?: string; message?: string; hint?: string },
    );
    bed.simulator.clearFaults();
    expect(error?.code).toBe('INVALID_RESPONSE');
    expect(error?.message).toMatch(/nested/);
    expect(error?.message).not.toMatch(/call stack/);
    expect(error?.hint).toBeTruthy();
  });

  it("the XML parser's complaints about a malformed answer go to the logger at debug level, not to the console", async () => {
    const records: Array<{ level: string; message: string }> = [];
    const record = (level: string) => (message: string) => void records.push({ level, message });
    const transport = bed.newTransport({ logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } });
    const printed: unknown[] = [];
    const spies = [vi.spyOn(console, 'error').mockImplementation((...args) => void printed.push(args)), vi.spyOn(console, 'warn').mockImplementation((...args) => void printed.push(args))];
    bed.simulator.clearFaults();
    bed.simulator.inject({ kind: 'hostile', api: 'ews', count: 10, body: 'truncated-xml' });
    try {
      const error = await transport.probe().then(
        () => undefined,
        (caught: unknown) => caught as { code?: string },
      );
      expect(error?.code).toBe('INVALID_RESPONSE');
    } finally {
      bed.simulator.clearFaults();
      for (const spy of spies) spy.mockRestore();
      await transport.close();
    }
    expect(printed).toEqual([]);
    const parser = records.filter((entry) => entry.message.startsWith('EWS answer: XML parser'));
    expect(parser.length).toBeGreaterThan(0);
    expect(parser.every((entry) => entry.level === 'debug')).toBe(true);
  });

  it('an answer trickled one byte every 2 s ends in NETWORK_TIMEOUT near timeoutMs', async () => {
    bed.simulator.clearFaults();
    bed.simulator.inject({ kind: 'hostile', api: 'ews', count: 10, body: 'trickle', intervalMs: 2000 });
    const started = Date.now();
    const error = await bed.transport.probe().then(
      () => undefined,
      (caught: unknown) => caught as { code?: string; message?: string },
    );
    bed.simulator.clearFaults();
    expect(error?.code).toBe('NETWORK_TIMEOUT');
    expect(error?.message).not.toMatch(/Cannot read properties/);
    // Two attempts of 3 s at most, plus the retry's wait.
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
