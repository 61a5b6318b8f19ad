import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../src/types.js';
import { T } from './support/seeds.js';
import type { SimClient } from './support/sim-client.js';
import { startTestSimulator, stopTestSimulator } from './support/test-simulator.js';

const MB = 1024 * 1024;

describe('Graph: attachment upload sessions', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;
  const alice = `/v1.0/users/${T.alice}`;

  beforeAll(async () => {
    ({ sim, client, token } = await startTestSimulator());
  });
  afterAll(() => stopTestSimulator({ sim, client }));

  async function draft(subject: string): Promise<string> {
    const response = await client.send('POST', `${alice}/messages`, { subject, toRecipients: [{ emailAddress: { address: T.bob } }] }, { token });
    return response.json().id;
  }

  async function session(messageId: string, size: number, extra: Record<string, unknown> = {}) {
    const response = await client.send('POST', `${alice}/messages/${messageId}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'file', name: 'big.bin', size, ...extra } }, { token });
    return response;
  }

  function put(uploadUrl: string, data: Buffer, start: number, total: number, headers: Record<string, string> = {}) {
    return client.request('PUT', uploadUrl, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${start + data.length - 1}/${total}`, ...headers },
      body: data,
    });
  }

  it('uploads a 7 MB file in ordered ranges: 201 session, 200 with NextExpectedRanges, then 201 with Location', async () => {
    const id = await draft('upload ok');
    const content = randomBytes(7 * MB + 123);
    const created = await session(id, content.length, { contentType: 'application/pdf' });
    expect(created.status).toBe(201);
    const body = created.json();
    expect(body['@odata.context']).toMatch(/\$metadata#microsoft\.graph\.uploadSession$/);
    expect(body.nextExpectedRanges).toEqual(['0-']);
    expect(Date.parse(body.expirationDateTime)).toBeGreaterThan(Date.now());
    const uploadUrl = new URL(body.uploadUrl);
    // Outlook's upload host is not Graph's: clients must not send their Graph token there.
    expect(uploadUrl.hostname).toBe('localhost');
    expect(uploadUrl.searchParams.get('authtoken')).toBeTruthy();

    const chunk = 3 * MB;
    let last;
    for (let start = 0; start < content.length; start += chunk) {
      last = await put(body.uploadUrl, content.subarray(start, start + chunk), start, content.length);
      if (start + chunk < content.length) {
        expect(last.status).toBe(200);
        expect(last.json()).toMatchObject({ NextExpectedRanges: [String(start + chunk)], ExpirationDateTime: expect.any(String) });
      }
    }
    expect(last!.status).toBe(201);
    const location = String(last!.headers['location']);
    expect(location).toMatch(/\/Attachments\('.+'\)$/);

    const attachments = (await client.get(`${alice}/messages/${id}/attachments?$select=id,name,size,contentType`, { token })).json().value;
    expect(attachments).toEqual([expect.objectContaining({ name: 'big.bin', size: content.length, contentType: 'application/pdf' })]);
    expect(location).toContain(encodeURIComponent(attachments[0].id));
    const raw = await client.get(`${alice}/messages/${id}/attachments/${attachments[0].id}/$value`, { token });
    expect(raw.body.equals(content)).toBe(true);

    // The session is gone once complete.
    expect((await put(body.uploadUrl, content.subarray(0, 10), 0, content.length)).status).toBe(401);
  });

  it('rejects a PUT with an Authorization header, a range of 4 MB or more, and ranges out of order', async () => {
    const id = await draft('upload rules');
    const size = 9 * MB;
    const { uploadUrl } = (await session(id, size)).json();
    const data = randomBytes(MB);

    const withAuth = await put(uploadUrl, data, 0, size, { authorization: `Bearer ${token}` });
    expect(withAuth.status).toBe(401);

    const tooLarge = await put(uploadUrl, randomBytes(4 * MB), 0, size);
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.json().error.message).toContain('smaller than 4 MB');
    const justUnder = await put(uploadUrl, randomBytes(4 * MB - 1), 0, size);
    expect(justUnder.status).toBe(200);
    expect(justUnder.json().NextExpectedRanges).toEqual([String(4 * MB - 1)]);

    const skipped = await put(uploadUrl, data, 5 * MB, size);
    expect(skipped.status).toBe(416);
    const repeated = await put(uploadUrl, data, 0, size);
    expect(repeated.status).toBe(416);

    const wrongTotal = await put(uploadUrl, data, 4 * MB - 1, size + 1);
    expect(wrongTotal.status).toBe(400);
    const badRange = await client.request('PUT', uploadUrl, { headers: { 'content-range': 'bytes=0-1' }, body: Buffer.alloc(2) });
    expect(badRange.status).toBe(400);

    const wrongToken = new URL(uploadUrl);
    wrongToken.searchParams.set('authtoken', 'forged');
    expect((await put(wrongToken.toString(), data, 4 * MB - 1, size)).status).toBe(401);

    // Status and cancel, as the SDK's upload task uses them.
    const status = await client.get(uploadUrl);
    expect(status.json().NextExpectedRanges).toEqual([String(4 * MB - 1)]);
    expect((await client.request('DELETE', uploadUrl)).status).toBe(204);
    expect((await client.get(uploadUrl)).status).toBe(401);
    expect(
      sim
        .requests()
        .filter((r) => r.api === 'upload')
        .every((r) => !r.url.includes(new URL(uploadUrl).searchParams.get('authtoken')!)),
    ).toBe(true);
  });

  it('refuses sessions under 3 MB and over 150 MB, and requires Mail.ReadWrite', async () => {
    const id = await draft('upload limits');
    const small = await session(id, 3 * MB - 1);
    expect(small.status).toBe(400);
    expect(small.json().error.code).toBe('ErrorAttachmentSizeShouldNotBeLessThanMinimumSize');
    const huge = await session(id, 150 * MB + 1);
    expect(huge.status).toBe(400);
    expect(huge.json().error.code).toBe('ErrorMessageSizeExceeded');
    const sendOnly = await client.token({ tenant: T.tenant, clientId: T.sendOnlyApp, secret: T.secret });
    const denied = await client.send('POST', `${alice}/messages/${id}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'file', name: 'x', size: 4 * MB } }, { token: sendOnly });
    expect(denied.status).toBe(403);
  });

  it('sends a draft with an uploaded attachment, delivering the full content', async () => {
    const id = await draft('upload then send');
    const content = randomBytes(3 * MB + 5);
    const { uploadUrl } = (await session(id, content.length)).json();
    expect((await put(uploadUrl, content.subarray(0, 2 * MB), 0, content.length)).status).toBe(200);
    expect((await put(uploadUrl, content.subarray(2 * MB), 2 * MB, content.length)).status).toBe(201);
    expect((await client.request('POST', `${alice}/messages/${id}/send`, { token })).status).toBe(202);
    const received = sim.messages(T.bob, 'inbox').find((m) => m.subject === 'upload then send')!;
    expect(received.attachments).toEqual([{ name: 'big.bin', size: content.length, contentType: 'application/octet-stream', isInline: false }]);
  });
});
