import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailbridgeError } from '../errors/index.js';
import type { MailTransport, ReceivedMessage, ReceiveOptions } from '../transport/index.js';
import type { ConformanceHarness, ConformanceOptions } from './conformance-harness.js';
import { createTempDir, eventually, generateFile, sha256 } from './fixtures.js';

const MB = 1024 * 1024;
const DEFAULT_SIZES = [0, Math.round(2.9 * MB), Math.round(3.1 * MB), 60 * MB];

/** Finds a message by Internet Message-ID in a folder through the transport itself. */
async function findReceived(transport: MailTransport, internetMessageId: string, options: ReceiveOptions = {}): Promise<ReceivedMessage | undefined> {
  for await (const message of transport.receive({ limit: 500, ...options })) {
    if (message.internetMessageId === internetMessageId) return message;
  }
  return undefined;
}

async function collect(iterable: AsyncIterable<ReceivedMessage>, keep: (message: ReceivedMessage) => boolean = () => true): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  for await (const message of iterable) if (keep(message)) out.push(message);
  return out;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<MailbridgeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(MailbridgeError.isInstance(error), `expected a MailbridgeError ${code}, got ${String(error)}`).toBe(true);
  expect((error as MailbridgeError).code).toBe(code);
  return error as MailbridgeError;
}

function sizeLabel(bytes: number): string {
  return bytes === 0 ? '0 B' : bytes < MB ? `${bytes} B` : `${(bytes / MB).toFixed(1)} MB`;
}

/**
 * Registers the MailTransport conformance tests (vitest) for one adapter: everything the `v1`
 * contract promises, run against a real service (the simulator) that the factory starts. Each
 * adapter's conformance test file is a call to this. Tests can be skipped by id with a reason;
 * capabilities the transport declares absent (`sendMime`, `incrementalSync`, attachment limits)
 * are skipped with the capability as reason.
 */
export function describeTransportConformance(options: ConformanceOptions): void {
  const skip = options.skip ?? {};
  const sizes = options.attachmentSizes ?? DEFAULT_SIZES;
  const pagingCount = options.pagingMessages ?? 10_000;
  /** Registers one test; `body` may skip itself at run time (a capability the transport lacks) with a reason. */
  const test = (id: string, title: string, body: (skipBecause: (reason: string) => never) => Promise<void>, timeout?: number): void => {
    const reason = skip[id];
    if (reason !== undefined) {
      it.skip(`${title} [${id}] — skipped: ${reason}`, () => undefined);
      return;
    }
    it(
      `${title} [${id}]`,
      async (context) => {
        await body((why) => {
          context.skip(why);
          throw new Error('unreachable: vitest skips by throwing');
        });
      },
      timeout,
    );
  };

  describe(`MailTransport conformance: ${options.name}`, () => {
    let harness: ConformanceHarness;
    let transport: MailTransport;
    const run = randomUUID().slice(0, 8);
    const subject = (what: string): string => `conformance ${run} ${what}`;

    beforeAll(async () => {
      harness = await options.createTransport();
      transport = harness.transport;
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    test('shape', 'declares the v1 contract and its capabilities', async () => {
      expect(transport.specificationVersion).toBe('v1');
      expect(typeof transport.name).toBe('string');
      expect(transport.mailbox.toLowerCase()).toBe(harness.mailbox.toLowerCase());
      expect(transport.capabilities.maxAttachmentBytes).toBeGreaterThan(0);
      expect(transport.capabilities.maxMessageBytes).toBeGreaterThan(0);
      if (transport.capabilities.sendMime) expect(typeof transport.sendMime).toBe('function');
      if (transport.capabilities.incrementalSync) expect(typeof transport.sync).toBe('function');
    });

    test('send-text', 'sends a text message that arrives once, with a copy in Sent Items', async () => {
      const result = await transport.send({ to: [harness.recipient], subject: subject('text'), text: 'plain text body' });
      expect(result.internetMessageId).toMatch(/^<[^<>\s]+@[^<>\s]+>$/);
      expect(result.mailbox.toLowerCase()).toBe(harness.mailbox.toLowerCase());
      const copies = await eventually(() => {
        const found = harness.deliveries(result.internetMessageId);
        return found.mailboxes.length >= 2 ? found : undefined;
      }, 'delivery and Sent Items copy');
      const folders = copies.mailboxes.map((copy) => `${copy.mailbox.toLowerCase()}/${copy.folder}`).sort();
      expect(folders).toEqual([`${harness.mailbox.toLowerCase()}/sentitems`, `${harness.recipient.toLowerCase()}/inbox`].sort());
      const stored = harness.messages(harness.recipient, 'inbox').find((message) => message.internetMessageId === result.internetMessageId);
      expect(stored?.subject).toBe(subject('text'));
      expect(stored?.bodyText ?? stored?.bodyHtml).toContain('plain text body');
    });

    test('send-html-unicode', 'sends HTML with unicode subject and body, found again by internetMessageId', async () => {
      const title = subject('Ünïcödé ✓ 日本語 🚀 — Grüße');
      const html = '<p>Température: <b>42 °C</b> — 警告 🔥</p>';
      const result = await transport.send({ to: [harness.mailbox], subject: title, html });
      const received = await eventually(() => findReceived(transport, result.internetMessageId), 'the message in the Inbox');
      expect(received.subject).toBe(title);
      expect(received.body?.html ?? received.body?.text ?? '').toContain('警告 🔥');
      expect(received.body?.html ?? '').toContain('<b>42 °C</b>');
      expect(received.isRead).toBe(false);
      expect(received.folder).toBe('inbox');
      expect(received.from?.address.toLowerCase()).toBe(harness.mailbox.toLowerCase());
    });

    test('recipients', 'sends to, cc, bcc and reply-to', async () => {
      const result = await transport.send({
        to: [{ address: harness.recipient, name: 'Recipient Ünicode' }],
        cc: [harness.mailbox],
        bcc: ['hidden@external.example'],
        replyTo: ['replies@external.example'],
        subject: subject('recipients'),
        text: 'to cc bcc',
      });
      const sent = await eventually(() => harness.messages(harness.mailbox, 'sentitems').find((message) => message.internetMessageId === result.internetMessageId), 'the Sent Items copy');
      expect(sent.to.map((a) => a.toLowerCase())).toEqual([harness.recipient.toLowerCase()]);
      expect(sent.cc.map((a) => a.toLowerCase())).toEqual([harness.mailbox.toLowerCase()]);
      expect(sent.bcc).toEqual(['hidden@external.example']);
      const copies = harness.deliveries(result.internetMessageId);
      expect(copies.outbound).toBe(1);
      const inboxCopy = harness.messages(harness.recipient, 'inbox').find((message) => message.internetMessageId === result.internetMessageId);
      expect(inboxCopy?.bcc ?? []).toEqual([]);
      const mime = new TextDecoder().decode(await transport.getMime(sent.id));
      expect(mime).toMatch(/^reply-to:.*replies@external\.example/im);
    });

    test('importance', 'sends with high importance', async () => {
      const result = await transport.send({ to: [harness.mailbox], subject: subject('importance'), text: 'urgent', importance: 'high' });
      const received = await eventually(() => findReceived(transport, result.internetMessageId), 'the message');
      const mime = new TextDecoder().decode(await transport.getMime(received.id));
      expect(mime).toMatch(/^(importance:\s*high|x-priority:\s*1)/im);
    });

    test('headers', 'sends custom X- headers', async () => {
      const result = await transport.send({
        to: [harness.recipient],
        subject: subject('headers'),
        text: 'headers',
        headers: { 'X-Alert-Id': 'alert-42', 'X-Mailbridge-Test': 'yes' },
      });
      const stored = await eventually(() => harness.messages(harness.recipient, 'inbox').find((message) => message.internetMessageId === result.internetMessageId), 'the delivered message');
      const headers = Object.fromEntries(Object.entries(stored.headers).map(([key, value]) => [key.toLowerCase(), value]));
      expect(headers['x-alert-id']).toBe('alert-42');
      expect(headers['x-mailbridge-test']).toBe('yes');
    });

    test('invalid-message', 'refuses invalid messages before any request (INVALID_MESSAGE)', async () => {
      const before = harness.requestCount?.();
      await expectCode(transport.send({ to: ['not-an-address'], subject: 'x', text: 'x' }), 'INVALID_MESSAGE');
      await expectCode(transport.send({ to: [harness.recipient], subject: 'injected\r\nBcc: victim@example.com', text: 'x' }), 'INVALID_MESSAGE');
      await expectCode(transport.send({ to: [harness.recipient], subject: 'x', text: 'x', headers: { Bcc: 'victim@example.com' } }), 'INVALID_MESSAGE');
      await expectCode(transport.send({ to: [harness.recipient], subject: 'x', text: 'x', headers: { 'X-Ok': 'a\r\nBcc: victim@example.com' } }), 'INVALID_MESSAGE');
      await expectCode(transport.send({ to: [], subject: 'x', text: 'x' }), 'INVALID_MESSAGE');
      await expectCode(transport.send({ to: [harness.recipient], subject: 'no body' }), 'INVALID_MESSAGE');
      if (before !== undefined) expect(harness.requestCount?.()).toBe(before);
    });

    test('save-to-sent-items-off', 'does not keep a Sent Items copy when saveToSentItems is false', async () => {
      const result = await transport.send({ to: [harness.recipient], subject: subject('no copy'), text: 'x', saveToSentItems: false });
      const copies = await eventually(() => {
        const found = harness.deliveries(result.internetMessageId);
        return found.mailboxes.length >= 1 ? found : undefined;
      }, 'the delivery');
      expect(copies.mailboxes.map((copy) => copy.folder)).toEqual(['inbox']);
    });

    test('send-as', 'sends as a shared mailbox (from)', async (skipBecause) => {
      if (!harness.sendAsMailbox) return skipBecause('the harness has no sendAsMailbox');
      const result = await transport.send({ from: harness.sendAsMailbox, to: [harness.recipient], subject: subject('send as'), text: 'x' });
      const stored = await eventually(() => harness.messages(harness.recipient, 'inbox').find((message) => message.internetMessageId === result.internetMessageId), 'the delivered message');
      expect(stored.from.toLowerCase()).toBe(harness.sendAsMailbox.toLowerCase());
    });

    describe('attachments', () => {
      let temp: { dir: string; remove: () => Promise<void> };
      beforeAll(async () => {
        temp = await createTempDir();
      });
      afterAll(async () => {
        await temp?.remove();
      });

      for (const size of sizes) {
        const id = `attachment-${sizeLabel(size).replace(/\s/g, '').replace('.', '_')}`;
        test(
          id,
          `sends a ${sizeLabel(size)} attachment streamed from disk, received byte for byte`,
          async (skipBecause) => {
            if (size > transport.capabilities.maxAttachmentBytes) return skipBecause(`larger than capabilities.maxAttachmentBytes (${transport.capabilities.maxAttachmentBytes})`);
            const file = await generateFile(temp.dir, `file-${size}.bin`, size);
            const result = await transport.send({
              to: [harness.mailbox],
              subject: subject(`attachment ${sizeLabel(size)}`),
              text: 'see attachment',
              attachments: [{ filename: `report-${size}.bin`, contentType: 'application/octet-stream', content: { path: file.path } }],
            });
            const received = await eventually(() => findReceived(transport, result.internetMessageId, { includeBody: false }), 'the message with its attachment');
            expect(received.hasAttachments).toBe(true);
            expect(received.attachments).toHaveLength(1);
            const attachment = received.attachments[0]!;
            expect(attachment.filename).toBe(`report-${size}.bin`);
            expect(attachment.size).toBeGreaterThanOrEqual(size);
            expect(attachment.isInline).toBe(false);
            const bytes = await attachment.content();
            expect(bytes.byteLength).toBe(size);
            expect(sha256(bytes)).toBe(file.sha256);
            expect(harness.deliveries(result.internetMessageId).mailboxes.filter((copy) => copy.folder === 'inbox')).toHaveLength(1);
          },
          180_000,
        );
      }

      test(
        'attachment-mixed',
        'sends small and large attachments together, from bytes, text and a stream',
        async () => {
          const file = await generateFile(temp.dir, 'mixed.bin', Math.round(3.5 * MB));
          const { createReadStream } = await import('node:fs');
          const result = await transport.send({
            to: [harness.recipient],
            subject: subject('mixed attachments'),
            text: 'mixed',
            attachments: [
              { filename: 'notes.txt', content: 'hello attachment ✓' },
              { filename: 'bytes.bin', content: new Uint8Array([0, 1, 2, 3, 255]) },
              { filename: 'stream.bin', content: { stream: () => createReadStream(file.path) }, size: file.size },
            ],
          });
          const stored = await eventually(() => harness.messages(harness.recipient, 'inbox').find((message) => message.internetMessageId === result.internetMessageId), 'the delivered message');
          const bySize = Object.fromEntries(stored.attachments.map((attachment) => [attachment.name, attachment.size]));
          expect(bySize['notes.txt']).toBe(Buffer.byteLength('hello attachment ✓'));
          expect(bySize['bytes.bin']).toBe(5);
          expect(bySize['stream.bin']).toBe(file.size);
        },
        120_000,
      );

      test('inline-image', 'sends an inline image referenced by content id', async () => {
        const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
        const result = await transport.send({
          to: [harness.recipient],
          subject: subject('inline image'),
          html: '<p>Logo: <img src="cid:logo-1"></p>',
          attachments: [{ filename: 'logo.png', contentType: 'image/png', content: png, contentId: 'logo-1' }],
        });
        const stored = await eventually(() => harness.messages(harness.recipient, 'inbox').find((message) => message.internetMessageId === result.internetMessageId), 'the delivered message');
        expect(stored.attachments).toHaveLength(1);
        expect(stored.attachments[0]).toMatchObject({ name: 'logo.png', isInline: true, contentId: 'logo-1', size: png.length });
        expect(stored.bodyHtml).toContain('cid:logo-1');
      });
    });

    test('send-mime', 'sends a ready MIME message as it is', async (skipBecause) => {
      if (!transport.capabilities.sendMime || !transport.sendMime) return skipBecause('capabilities.sendMime is false');
      const messageId = `<mime-${run}@conformance.example>`;
      const mime = [
        `From: ${harness.mailbox}`,
        `To: ${harness.recipient}`,
        `Subject: ${subject('mime')}`,
        `Message-ID: ${messageId}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Sent as MIME ✓',
        '',
      ].join('\r\n');
      const result = await transport.sendMime(new TextEncoder().encode(mime));
      expect(result.internetMessageId).toBe(messageId);
      const stored = await eventually(() => harness.messages(harness.recipient, 'inbox').find((message) => message.internetMessageId === messageId), 'the delivered MIME message');
      expect(stored.subject).toBe(subject('mime'));
      expect(harness.deliveries(messageId).mailboxes.filter((copy) => copy.folder === 'inbox')).toHaveLength(1);
    });

    test('reply-threading', 'a reply carries inReplyTo, references, replyTo and the conversation of the message it answers', async (skipBecause) => {
      if (!transport.capabilities.sendMime || !transport.sendMime) return skipBecause('capabilities.sendMime is false (the reply is sent as MIME to carry In-Reply-To)');
      const alert = await transport.send({ to: [harness.mailbox], subject: subject('alert'), text: 'disk 97% on db-01', replyTo: ['oncall@external.example'] });
      const receivedAlert = await eventually(() => findReceived(transport, alert.internetMessageId, { includeBody: false }), 'the alert in the Inbox');
      expect(receivedAlert.inReplyTo).toBeUndefined();
      expect(receivedAlert.references).toEqual([]);
      expect(receivedAlert.replyTo.map((address) => address.address.toLowerCase())).toEqual(['oncall@external.example']);
      expect(typeof receivedAlert.conversationId).toBe('string');

      // A reply as a mail client writes it: In-Reply-To the alert, References the thread so far.
      const root = `<root-${run}@conformance.example>`;
      const replyId = `<reply-${run}@conformance.example>`;
      const mime = [
        `From: ${harness.mailbox}`,
        `To: ${harness.mailbox}`,
        'Reply-To: Team <team@external.example>',
        `Subject: RE: ${subject('alert')}`,
        `Message-ID: ${replyId}`,
        `In-Reply-To: ${alert.internetMessageId}`,
        `References: ${root}\r\n ${alert.internetMessageId}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Acknowledged.',
        '',
      ].join('\r\n');
      await transport.sendMime(new TextEncoder().encode(mime));
      const reply = await eventually(() => findReceived(transport, replyId, { includeBody: false }), 'the reply in the Inbox');
      expect(reply.inReplyTo).toBe(alert.internetMessageId);
      expect(reply.references).toEqual([root, alert.internetMessageId]);
      expect(reply.replyTo).toEqual([{ address: 'team@external.example', name: 'Team' }]);
      expect(reply.conversationId).toBe(receivedAlert.conversationId);
      // An unrelated message is another conversation.
      const other = await transport.send({ to: [harness.mailbox], subject: subject('unrelated'), text: 'x' });
      const receivedOther = await eventually(() => findReceived(transport, other.internetMessageId, { includeBody: false }), 'the unrelated message');
      expect(receivedOther.conversationId).not.toBe(receivedAlert.conversationId);
    });

    test('get-message', 'gets one message by id in one request: fields, body and attachment metadata', async () => {
      const result = await transport.send({
        to: [harness.mailbox],
        cc: [harness.recipient],
        subject: subject('get one'),
        html: '<p>Disk <b>97%</b> on db-01</p>',
        attachments: [{ filename: 'df.txt', content: 'Filesystem Use%\n/var 97%' }],
      });
      const listed = await eventually(() => findReceived(transport, result.internetMessageId, { includeBody: false }), 'the message in the Inbox');
      const before = harness.requestCount?.();
      const message = await transport.getMessage(listed.id);
      // One request (and at most one token request).
      if (before !== undefined) expect(harness.requestCount!() - before).toBeLessThanOrEqual(2);
      expect(message.id).toBe(listed.id);
      expect(message.internetMessageId).toBe(result.internetMessageId);
      expect(message.subject).toBe(subject('get one'));
      expect(message.from?.address.toLowerCase()).toBe(harness.mailbox.toLowerCase());
      expect(message.to.map((address) => address.address.toLowerCase())).toEqual([harness.mailbox.toLowerCase()]);
      expect(message.cc.map((address) => address.address.toLowerCase())).toEqual([harness.recipient.toLowerCase()]);
      expect(message.receivedAt.getTime()).toBe(listed.receivedAt.getTime());
      expect(message.body?.html ?? '').toContain('<b>97%</b>');
      expect(typeof message.folder).toBe('string');
      expect(message.folder).not.toBe('');
      expect(message.attachments.map((attachment) => [attachment.filename, attachment.isInline])).toEqual([['df.txt', false]]);
      expect(Buffer.from(await message.attachments[0]!.content()).toString('utf8')).toBe('Filesystem Use%\n/var 97%');
      const bare = await transport.getMessage(listed.id, { includeBody: false });
      expect(bare.body).toBeUndefined();
      await expectCode(transport.getMessage('AAMkAGNvbmZvcm1hbmNlLW5vdC1hLXJlYWwtaWQ='), 'ITEM_NOT_FOUND');
    });

    test('receive-filters', 'receives newest first with unread, since and limit', async () => {
      const prefix = subject('filters');
      const base = Date.now() - 60 * 60 * 1000;
      await harness.seedMessages(6, {
        folder: 'junkemail',
        subjectPrefix: prefix,
        isRead: (index) => index % 2 === 0,
        receivedAt: (index) => new Date(base + index * 60_000),
      });
      const mine = (message: ReceivedMessage): boolean => message.subject.startsWith(prefix);
      const all = await collect(transport.receive({ folder: 'junkemail', pageSize: 2 }), mine);
      expect(all.map((message) => message.subject)).toEqual([5, 4, 3, 2, 1, 0].map((index) => `${prefix} ${index}`));
      expect(all.every((message) => message.folder === 'junkemail')).toBe(true);
      const unread = await collect(transport.receive({ folder: 'junkemail', unreadOnly: true }), mine);
      expect(unread.map((message) => message.subject)).toEqual([5, 3, 1].map((index) => `${prefix} ${index}`));
      expect(unread.every((message) => !message.isRead)).toBe(true);
      const since = await collect(transport.receive({ folder: 'junkemail', since: new Date(base + 3 * 60_000) }), mine);
      expect(since.map((message) => message.subject)).toEqual([5, 4, 3].map((index) => `${prefix} ${index}`));
      const limited = await collect(transport.receive({ folder: 'junkemail', since: new Date(base), limit: 2 }));
      expect(limited).toHaveLength(2);
      const noBody = await collect(transport.receive({ folder: 'junkemail', includeBody: false, limit: 1 }));
      expect(noBody[0]?.body).toBeUndefined();
    });

    test('mark-read', 'marks one and many messages read and unread', async () => {
      const prefix = subject('mark read');
      await harness.seedMessages(25, { folder: 'inbox', subjectPrefix: prefix });
      const messages = await collect(transport.receive({ unreadOnly: true, includeBody: false, pageSize: 100 }), (m) => m.subject.startsWith(prefix));
      expect(messages).toHaveLength(25);
      const stored = (): Map<string, boolean> =>
        new Map(
          harness
            .messages(harness.mailbox, 'inbox')
            .filter((m) => m.subject.startsWith(prefix))
            .map((m) => [m.id, m.isRead]),
        );
      await transport.markRead(messages.map((message) => message.id));
      expect([...stored().values()].every(Boolean)).toBe(true);
      await transport.markRead(messages[0]!.id, { isRead: false });
      expect(stored().get(messages[0]!.id)).toBe(false);
      expect([...stored().values()].filter((isRead) => !isRead)).toHaveLength(1);
      await transport.markRead([]);
    });

    test('move', 'moves a message to a well-known folder and back, returning the new id', async () => {
      const prefix = subject('move');
      await harness.seedMessages(1, { folder: 'inbox', subjectPrefix: prefix });
      const [message] = await collect(transport.receive({ includeBody: false }), (m) => m.subject.startsWith(prefix));
      expect(message).toBeDefined();
      const moved = await transport.move(message!.id, 'archive');
      expect(typeof moved.id).toBe('string');
      expect(harness.messages(harness.mailbox, 'archive').some((m) => m.id === moved.id && m.subject === message!.subject)).toBe(true);
      expect(harness.messages(harness.mailbox, 'inbox').some((m) => m.subject === message!.subject)).toBe(false);
      const back = await transport.move(moved.id, 'inbox');
      expect(harness.messages(harness.mailbox, 'inbox').some((m) => m.id === back.id)).toBe(true);
      await expectCode(transport.move('AAMkAGNvbmZvcm1hbmNlLW5vdC1hLXJlYWwtaWQ=', 'archive'), 'ITEM_NOT_FOUND');
    });

    test('get-mime', 'returns a message as MIME', async () => {
      const result = await transport.send({ to: [harness.mailbox], subject: subject('mime out'), text: 'mime body' });
      const received = await eventually(() => findReceived(transport, result.internetMessageId, { includeBody: false }), 'the message');
      const mime = new TextDecoder().decode(await transport.getMime(received.id));
      expect(mime).toMatch(/^subject:/im);
      expect(mime).toContain(result.internetMessageId);
      expect(mime).toContain('mime body');
    });

    test('attachments-on-demand', 'lists attachment metadata and fetches the bytes only when asked', async () => {
      const prefix = subject('on demand');
      const content = new TextEncoder().encode('attachment bytes ✓');
      await harness.seedMessages(1, { subjectPrefix: prefix, attachment: { filename: 'data.txt', contentType: 'text/plain', content } });
      const [message] = await collect(transport.receive({ includeBody: false }), (m) => m.subject.startsWith(prefix));
      expect(message?.hasAttachments).toBe(true);
      expect(message?.attachments.map((a) => [a.filename, a.size, a.isInline])).toEqual([['data.txt', content.byteLength, false]]);
      const before = harness.requestCount?.();
      const bytes = await message!.attachments[0]!.content();
      if (before !== undefined) expect(harness.requestCount?.()).toBe(before + 1);
      expect(Buffer.from(bytes).toString('utf8')).toBe('attachment bytes ✓');
    });

    test('sync', 'syncs a folder incrementally: full first round, then only changes, with removals', async (skipBecause) => {
      if (!transport.capabilities.incrementalSync || !transport.sync) return skipBecause('capabilities.incrementalSync is false');
      const prefix = subject('sync');
      await harness.seedMessages(5, { folder: 'deleteditems', subjectPrefix: prefix });
      const seen = new Map<string, string>();
      let cursor: string | undefined;
      for (let round = 0; round < 1000; round += 1) {
        const page = await transport.sync(cursor === undefined ? { folder: 'deleteditems', pageSize: 2 } : { cursor, pageSize: 2 });
        for (const change of page.changes) if (change.type === 'upsert') seen.set(change.message.id, change.message.subject);
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      const mine = [...seen.entries()].filter(([, title]) => title.startsWith(prefix));
      expect(mine).toHaveLength(5);
      expect(typeof cursor).toBe('string');

      // Nothing changed: an empty round.
      const quiet = await transport.sync({ cursor: cursor! });
      expect(quiet.changes.filter((change) => change.type === 'removed' || change.message.subject.startsWith(prefix))).toEqual([]);

      // One leaves the folder, one is added.
      const leaving = mine[0]![0];
      await transport.move(leaving, 'archive');
      await harness.seedMessages(1, { folder: 'deleteditems', subjectPrefix: `${prefix} late` });
      const changes = [];
      cursor = quiet.cursor;
      for (let round = 0; round < 100; round += 1) {
        const page = await transport.sync({ cursor });
        changes.push(...page.changes);
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      expect(changes).toContainEqual({ type: 'removed', id: leaving });
      const added = changes.filter((change) => change.type === 'upsert' && change.message.subject.startsWith(`${prefix} late`));
      expect(added).toHaveLength(1);
      await expectCode(transport.sync({ cursor: 'not-a-cursor' }), 'USAGE');
    });

    test('probe', 'probes the mailbox and reports Inbox counts', async () => {
      const probe = await transport.probe();
      expect(probe.mailbox.toLowerCase()).toBe(harness.mailbox.toLowerCase());
      if (probe.inbox?.total !== undefined) expect(probe.inbox.total).toBeGreaterThan(0);
      if (probe.inbox?.unread !== undefined) expect(probe.inbox.unread).toBeGreaterThanOrEqual(0);
    });

    test('close', 'closes: idempotent, and unusable afterwards', async () => {
      await transport.close();
      await transport.close();
      await expect(transport.probe()).rejects.toSatisfy((error: unknown) => MailbridgeError.isInstance(error));
    });
  });

  describe(`MailTransport conformance: ${options.name} — paging`, () => {
    let harness: ConformanceHarness;
    const prefix = `paging ${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      harness = await options.createTransport();
      await harness.seedMessages(pagingCount, { folder: 'archive', subjectPrefix: prefix });
    }, 120_000);
    afterAll(async () => {
      await harness?.cleanup();
    });

    test(
      'receive-paging',
      `receives all ${pagingCount} messages of a folder, page after page`,
      async () => {
        let count = 0;
        let previous = Number.POSITIVE_INFINITY;
        const ids = new Set<string>();
        for await (const message of harness.transport.receive({ folder: 'archive', includeBody: false, pageSize: 1000 })) {
          if (!message.subject.startsWith(prefix)) continue;
          count += 1;
          ids.add(message.id);
          expect(message.receivedAt.getTime()).toBeLessThanOrEqual(previous);
          previous = message.receivedAt.getTime();
        }
        expect(count).toBe(pagingCount);
        expect(ids.size).toBe(pagingCount);
      },
      120_000,
    );

    test('receive-lazy', 'pages lazily: stopping early fetches no further pages', async () => {
      const before = harness.requestCount?.();
      const taken: ReceivedMessage[] = [];
      for await (const message of harness.transport.receive({ folder: 'archive', includeBody: false, pageSize: 50 })) {
        taken.push(message);
        if (taken.length === 5) break;
      }
      expect(taken).toHaveLength(5);
      // One page, plus at most one token request.
      if (before !== undefined) expect(harness.requestCount!() - before).toBeLessThanOrEqual(2);
      const limited = await collect(harness.transport.receive({ folder: 'archive', includeBody: false, limit: 120, pageSize: 50 }));
      expect(limited).toHaveLength(120);
    });
  });
}
