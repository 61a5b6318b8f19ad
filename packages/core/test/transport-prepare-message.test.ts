import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attachmentChunks, MailbridgeError, mimeTypeOf, prepareMimeMessage, prepareOutgoingMessage, readAttachment, type SizedAttachment, type TransportCapabilities } from '../src/index.js';
import { mailbridgeFailure } from '../src/testing/index.js';

const capabilities: TransportCapabilities = { maxAttachmentBytes: 100, maxMessageBytes: 300, incrementalSync: true, sendMime: true, batch: true };
const ok = { to: ['a@contoso.com'], subject: 's', text: 't' };

describe('prepareOutgoingMessage', () => {
  it('generates a Message-ID in the mailbox domain, sizes attachments and types them from one table', async () => {
    const prepared = await prepareOutgoingMessage({ ...ok, from: { address: 'ops@contoso.com' }, attachments: [{ filename: 'r.CSV', content: 'abc' }] }, { mailbox: 'alerts@contoso.com', capabilities });
    expect(prepared.internetMessageId).toMatch(/^<[\w-]+@contoso\.com>$/);
    expect(prepared.attachments).toMatchObject([{ index: 0, size: 3, contentType: 'text/csv' }]);
    expect(prepared).toMatchObject({ attachmentBytes: 3, saveToSentItems: true, from: 'ops@contoso.com' });
    expect((await prepareOutgoingMessage({ ...ok, internetMessageId: '<given@x.example>' }, { mailbox: 'a@b.c', capabilities })).internetMessageId).toBe('<given@x.example>');
  });

  it('checks the declared sizes in one place: per attachment, and all together times the encoding ratio', async () => {
    const big = await mailbridgeFailure(
      prepareOutgoingMessage(
        {
          ...ok,
          attachments: [
            { filename: 'a', content: 'x' },
            { filename: 'b', content: new Uint8Array(101) },
          ],
        },
        { mailbox: 'a@b.c', capabilities },
      ),
    );
    expect(big).toMatchObject({ code: 'MESSAGE_TOO_LARGE', details: { path: 'attachments[1]' } });
    const three = { ...ok, attachments: [0, 1, 2].map((i) => ({ filename: `${i}`, content: new Uint8Array(90) })) };
    await expect(prepareOutgoingMessage(three, { mailbox: 'a@b.c', capabilities })).resolves.toMatchObject({ attachmentBytes: 270 });
    const encoded = await mailbridgeFailure(prepareOutgoingMessage(three, { mailbox: 'a@b.c', capabilities: { ...capabilities, encodedSizeRatio: 1.37 }, tooLargeHint: 'Raise it.' }));
    expect(encoded).toMatchObject({ code: 'MESSAGE_TOO_LARGE', hint: 'Raise it.', details: { path: 'attachments' } });
  });

  it('checks the declared custom header limit', async () => {
    const headers = { 'X-1': '1', 'X-2': '2' };
    await expect(prepareOutgoingMessage({ ...ok, headers }, { mailbox: 'a@b.c', capabilities })).resolves.toBeDefined();
    expect(await mailbridgeFailure(prepareOutgoingMessage({ ...ok, headers }, { mailbox: 'a@b.c', capabilities: { ...capabilities, maxCustomHeaders: 1 } }))).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: 'headers' } });
  });
});

describe('mimeTypeOf', () => {
  it('knows the types of both former tables, in any case, and falls back to octet-stream', () => {
    expect(mimeTypeOf('a.xls')).toBe('application/vnd.ms-excel');
    expect(mimeTypeOf('A.PDF')).toBe('application/pdf');
    expect(mimeTypeOf('noextension')).toBe('application/octet-stream');
    expect(mimeTypeOf('x.constructor')).toBe('application/octet-stream');
  });
});

describe('attachment streams against their declared size', () => {
  const sized = (chunks: Buffer[], size: number): SizedAttachment => ({ attachment: { filename: 'a', content: { stream: () => Readable.from(chunks) }, size }, index: 2, size, contentType: 'application/octet-stream' });
  it('stops a longer stream as soon as it passes the size, and refuses a shorter one at its end', async () => {
    const seen: number[] = [];
    const longer = await mailbridgeFailure(async () => {
      for await (const chunk of attachmentChunks(sized([Buffer.alloc(5), Buffer.alloc(5), Buffer.alloc(5)], 5))) seen.push(chunk.byteLength);
    });
    expect(longer).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: 'attachments[2].size' } });
    expect(longer.message).toContain('more than the 5 bytes');
    expect(seen).toEqual([5]);
    expect(await mailbridgeFailure(readAttachment(sized([Buffer.alloc(3)], 5)))).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: 'attachments[2].size' } });
    expect((await readAttachment(sized([Buffer.alloc(2), Buffer.alloc(3)], 5))).byteLength).toBe(5);
  });
});

describe('prepareMimeMessage', () => {
  it('keeps a well-formed Message-ID (folded or not) and the bytes as they are', () => {
    const mime = 'Subject: x\r\nMessage-ID:\r\n <abc@contoso.com>\r\n\r\nbody \xe9';
    const prepared = prepareMimeMessage(mime, 'alerts@contoso.com');
    expect(prepared.internetMessageId).toBe('<abc@contoso.com>');
    expect(prepared.bytes.toString('latin1')).toBe(mime);
  });

  it('adds a Message-ID in the mailbox domain when there is none', () => {
    const prepared = prepareMimeMessage(Buffer.from('Subject: x\r\n\r\nbody', 'latin1'), 'alerts@contoso.com');
    expect(prepared.internetMessageId).toMatch(/^<[\w-]+@contoso\.com>$/);
    expect(prepared.bytes.toString('latin1')).toBe(`Message-ID: ${prepared.internetMessageId}\r\nSubject: x\r\n\r\nbody`);
  });

  it('refuses a message without a header section, and a malformed Message-ID', () => {
    expect(() => prepareMimeMessage('just a body', 'a@b.c')).toThrow(MailbridgeError);
    try {
      prepareMimeMessage('Message-ID: not-an-id\r\n\r\nbody', 'a@b.c');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: 'mime.Message-ID' } });
    }
  });
});
