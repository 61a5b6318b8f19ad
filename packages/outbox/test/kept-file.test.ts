import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCHANGE_ONLINE_LIMITS, isKeptFile, keptFileAttachment, prepareMessage } from '../src/index.js';
import { storedToOutgoing } from '../src/message/prepare-message.js';

describe('keptFileAttachment', () => {
  let dir: string;
  let file: string;
  const options = { mailbox: 'alerts@contoso.example', limits: EXCHANGE_ONLINE_LIMITS, now: Date.now() };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kept-file-'));
    file = join(dir, 'part');
    await writeFile(file, Buffer.alloc(5000, 7));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a file store keeps the path and size, not the bytes; the message sent again names the file', async () => {
    const attachment = keptFileAttachment({ filename: 'scan.pdf', contentType: 'application/pdf', contentId: 'c1', content: { path: file } });
    expect(isKeptFile(attachment)).toBe(true);
    expect(JSON.stringify(attachment)).not.toContain('keptFile'); // the mark is not data
    const entry = await prepareMessage({ to: ['a@contoso.example'], subject: 's', text: 't', attachments: [attachment] }, { ...options, fileReferences: true });
    if (entry.payload?.kind !== 'message') throw new Error('expected a message payload');
    expect(entry.payload.message.attachments).toEqual([{ filename: 'scan.pdf', contentType: 'application/pdf', contentId: 'c1', contentPath: file, size: 5000 }]);
    const outgoing = storedToOutgoing(JSON.parse(JSON.stringify(entry.payload)));
    expect(outgoing.attachments).toEqual([{ filename: 'scan.pdf', contentType: 'application/pdf', contentId: 'c1', content: { path: file }, size: 5000 }]);
  });

  it('any other store, or an unmarked file, gets the bytes', async () => {
    for (const [attachment, fileReferences] of [
      [keptFileAttachment({ filename: 'a.bin', content: { path: file } }), false],
      [{ filename: 'a.bin', content: { path: file } }, true],
    ] as const) {
      const entry = await prepareMessage({ to: ['a@contoso.example'], subject: 's', text: 't', attachments: [attachment] }, { ...options, fileReferences });
      if (entry.payload?.kind !== 'message') throw new Error('expected a message payload');
      expect(entry.payload.message.attachments).toEqual([{ filename: 'a.bin', contentBase64: Buffer.alloc(5000, 7).toString('base64') }]);
    }
  });

  it('a kept file that is missing is INVALID_MESSAGE at enqueue, naming the attachment', async () => {
    const attachment = keptFileAttachment({ filename: 'gone.bin', content: { path: join(dir, 'missing') } });
    await expect(prepareMessage({ to: ['a@contoso.example'], subject: 's', text: 't', attachments: [attachment] }, { ...options, fileReferences: true })).rejects.toMatchObject({
      code: 'INVALID_MESSAGE',
      details: { path: 'attachments[0].content' },
    });
  });
});
