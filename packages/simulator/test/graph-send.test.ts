import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../src/types.js';
import { T } from './support/seeds.js';
import type { SimClient } from './support/sim-client.js';
import { startTestSimulator, stopTestSimulator } from './support/test-simulator.js';

// shared/ sits beside the repository (as CI lays it out), wherever that is.
const SAMPLES = fileURLToPath(new URL('../../../../shared/protocol/graph/samples', import.meta.url));

describe('Graph: sending and mail flow', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;
  const alice = `/v1.0/users/${T.alice}`;

  beforeAll(async () => {
    ({ sim, client, token } = await startTestSimulator());
  });
  afterAll(() => stopTestSimulator({ sim, client }));

  it('accepts the documented sendMail request (202, no body) and delivers it locally with the same Internet Message-ID', async () => {
    const sample = JSON.parse(readFileSync(`${SAMPLES}/sendMail.request.json`, 'utf8'));
    // The documented recipients live in contoso.onmicrosoft.com; address them to our tenant's users instead.
    sample.message.toRecipients[0].emailAddress.address = T.bob;
    sample.message.ccRecipients[0].emailAddress.address = 'danas@contoso.example';
    const sentBefore = sim.messages(T.alice, 'sentitems').length;
    const response = await client.send('POST', `${alice}/sendMail`, sample, { token });
    expect(response.status).toBe(202);
    expect(response.text).toBe('');

    const [received] = sim.messages(T.bob, 'inbox').filter((m) => m.subject === 'Meet for lunch?');
    expect(received).toBeDefined();
    expect(received).toMatchObject({ from: T.alice, isRead: false, to: [T.bob], cc: ['danas@contoso.example'], bodyText: 'The new cafeteria is open.' });
    // saveToSentItems "false" (a string in the documented sample) is honoured.
    expect(sim.messages(T.alice, 'sentitems')).toHaveLength(sentBefore);
    const deliveries = sim.deliveries(received!.internetMessageId);
    expect(deliveries).toEqual({ mailboxes: [{ mailbox: T.bob, folder: 'inbox' }], outbound: 1 });
    const outbound = sim.outbound().find((m) => m.internetMessageId === received!.internetMessageId)!;
    expect(outbound.to).toEqual(['danas@contoso.example']);
    const parsed = await simpleParser(outbound.mime);
    expect(parsed.messageId).toBe(received!.internetMessageId);
    expect(parsed.subject).toBe('Meet for lunch?');
  });

  it('keeps a copy in Sent Items, custom X- headers, importance and attachments (inline by content id)', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const response = await client.send(
      'POST',
      `${alice}/sendMail`,
      {
        message: {
          subject: 'Alarm 17',
          importance: 'High',
          body: { contentType: 'HTML', content: '<p>see <img src="cid:chart1"></p>' },
          toRecipients: [{ emailAddress: { address: T.bob, name: 'Bob' } }],
          bccRecipients: [{ emailAddress: { address: 'audit@contoso.example' } }],
          internetMessageHeaders: [{ name: 'X-Alarm-Id', value: '17' }],
          attachments: [
            { '@odata.type': '#microsoft.graph.fileAttachment', name: 'report.csv', contentType: 'text/csv', contentBytes: Buffer.from('a,b\n1,2\n').toString('base64') },
            { '@odata.type': '#microsoft.graph.fileAttachment', name: 'chart.png', contentType: 'image/png', contentBytes: png.toString('base64'), isInline: true, contentId: 'chart1' },
          ],
        },
      },
      { token },
    );
    expect(response.status).toBe(202);
    const received = sim.messages(T.bob, 'inbox').find((m) => m.subject === 'Alarm 17')!;
    expect(received.headers).toEqual({ 'X-Alarm-Id': '17' });
    expect(received.bcc).toEqual([]);
    expect(received.attachments).toEqual([
      { name: 'report.csv', size: 8, contentType: 'text/csv', isInline: false },
      { name: 'chart.png', size: png.length, contentType: 'image/png', isInline: true, contentId: 'chart1' },
    ]);
    const sent = sim.messages(T.alice, 'sentitems').find((m) => m.subject === 'Alarm 17')!;
    expect(sent.internetMessageId).toBe(received.internetMessageId);
    expect(sent.isRead).toBe(true);
    expect(sent.bcc).toEqual(['audit@contoso.example']);

    // The recipient reads it over Graph: MIME carries the header, the inline part, the priority.
    const list = await client.get(`/v1.0/users/${T.bob}/mailFolders/inbox/messages?$filter=${encodeURIComponent("subject eq 'Alarm 17'")}&$select=id,importance,hasAttachments,internetMessageHeaders`, { token });
    const message = list.json().value[0];
    expect(message.importance).toBe('high');
    expect(message.hasAttachments).toBe(true);
    expect(message.internetMessageHeaders).toContainEqual({ name: 'X-Alarm-Id', value: '17' });
    const mime = await client.get(`/v1.0/users/${T.bob}/messages/${message.id}/$value`, { token });
    const parsed = await simpleParser(mime.body);
    expect(parsed.headers.get('x-alarm-id')).toBe('17');
    expect(parsed.attachments.find((a) => a.filename === 'chart.png')?.cid).toBe('chart1');
    expect(parsed.messageId).toBe(received.internetMessageId);
  });

  it('sends MIME (base64 text/plain body) as Graph documents, keeping its Message-ID', async () => {
    const mime = await new MailComposer({
      from: T.alice,
      to: [T.bob, 'ext@contoso.example'],
      subject: 'MIME send',
      text: 'raw mime',
      messageId: '<mime-send-1@fabrikam.example>',
      headers: { 'X-Trace': 'abc' },
    })
      .compile()
      .build();
    const response = await client.request('POST', `${alice}/sendMail`, { token, headers: { 'content-type': 'text/plain' }, body: mime.toString('base64') });
    expect(response.status).toBe(202);
    const deliveries = sim.deliveries('<mime-send-1@fabrikam.example>');
    expect(deliveries.outbound).toBe(1);
    expect(deliveries.mailboxes).toHaveLength(2);
    expect(deliveries.mailboxes).toEqual(
      expect.arrayContaining([
        { mailbox: T.bob, folder: 'inbox' },
        { mailbox: T.alice, folder: 'sentitems' },
      ]),
    );
    const received = sim.messages(T.bob, 'inbox').find((m) => m.subject === 'MIME send')!;
    expect(received.headers['X-Trace']).toBe('abc');

    const invalid = await client.request('POST', `${alice}/sendMail`, { token, headers: { 'content-type': 'text/plain' }, body: '***not base64***' });
    expect(invalid.status).toBe(400);
    expect(invalid.json().error.code).toBe('ErrorMimeContentInvalidBase64String');
  });

  it('refuses bad recipients, non-X- headers and a From without SendAs; allows SendAs', async () => {
    const none = await client.send('POST', `${alice}/sendMail`, { message: { subject: 'x' } }, { token });
    expect(none.status).toBe(400);
    expect(none.json().error.code).toBe('ErrorInvalidRecipients');
    const badAddress = await client.send('POST', `${alice}/sendMail`, { message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'not-an-address' } }] } }, { token });
    expect(badAddress.json().error.code).toBe('ErrorInvalidRecipients');
    const header = await client.send('POST', `${alice}/sendMail`, { message: { subject: 'x', toRecipients: [{ emailAddress: { address: T.bob } }], internetMessageHeaders: [{ name: 'Subject', value: 'y' }] } }, { token });
    expect(header.status).toBe(400);
    expect(header.json().error.code).toBe('InvalidInternetMessageHeader');
    const notJson = await client.request('POST', `${alice}/sendMail`, { token, headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);

    const denied = await client.send('POST', `${alice}/sendMail`, { message: { subject: 'as bob', from: { emailAddress: { address: T.bob } }, toRecipients: [{ emailAddress: { address: T.bob } }] } }, { token });
    expect(denied.status).toBe(403);
    expect(denied.json().error.code).toBe('ErrorSendAsDenied');
    // shared@ lists alice in sendAs.
    const allowed = await client.send('POST', `${alice}/sendMail`, { message: { subject: 'as shared', from: { emailAddress: { address: T.shared } }, toRecipients: [{ emailAddress: { address: T.bob } }] } }, { token });
    expect(allowed.status).toBe(202);
    expect(sim.messages(T.bob, 'inbox').find((m) => m.subject === 'as shared')?.from).toBe(T.shared);
  });

  it('delivers to a mailbox of another simulated tenant locally, not to the outbound log', async () => {
    expect((await client.send('POST', `${alice}/sendMail`, { message: { subject: 'cross tenant', toRecipients: [{ emailAddress: { address: T.carol } }] } }, { token })).status).toBe(202);
    const received = sim.messages(T.carol, 'inbox').find((m) => m.subject === 'cross tenant')!;
    expect(sim.deliveries(received.internetMessageId).outbound).toBe(0);
  });

  it('bounces mail to an unknown address of a simulated domain with a non-delivery report', async () => {
    const response = await client.send('POST', `${alice}/sendMail`, { message: { subject: 'to nobody', toRecipients: [{ emailAddress: { address: `nobody@${T.domain}` } }] } }, { token });
    expect(response.status).toBe(202);
    const ndr = sim.messages(T.alice, 'inbox').find((m) => m.subject === 'Undeliverable: to nobody');
    expect(ndr?.bodyText).toContain(`nobody@${T.domain}`);
  });

  it('creates a draft, adds attachments, updates it, and sends it (202) into Sent Items', async () => {
    const created = await client.send('POST', `${alice}/messages`, { subject: 'draft 1', body: { contentType: 'Text', content: 'draft body' }, toRecipients: [{ emailAddress: { address: T.bob } }] }, { token });
    expect(created.status).toBe(201);
    const draft = created.json();
    const drafts = (await client.get(`${alice}/mailFolders/drafts`, { token })).json();
    expect(draft).toMatchObject({ isDraft: true, subject: 'draft 1', parentFolderId: drafts.id });
    expect(draft.from).toBeUndefined();

    const attachment = await client.send('POST', `${alice}/messages/${draft.id}/attachments`, { '@odata.type': '#microsoft.graph.fileAttachment', name: 'notes.txt', contentBytes: Buffer.from('notes').toString('base64') }, { token });
    expect(attachment.status).toBe(201);
    expect(attachment.json()).toMatchObject({ name: 'notes.txt', size: 5, isInline: false, contentType: 'application/octet-stream' });

    const tooBig = await client.send('POST', `${alice}/messages/${draft.id}/attachments`, { '@odata.type': '#microsoft.graph.fileAttachment', name: 'big.bin', contentBytes: Buffer.alloc(3 * 1024 * 1024 + 1).toString('base64') }, { token });
    expect(tooBig.status).toBe(413);

    const patched = await client.send('PATCH', `${alice}/messages/${draft.id}`, { subject: 'draft 1 (final)' }, { token });
    expect(patched.status).toBe(200);
    expect(patched.json().subject).toBe('draft 1 (final)');
    expect(patched.json().changeKey).not.toBe(draft.changeKey);

    const sent = await client.request('POST', `${alice}/messages/${draft.id}/send`, { token });
    expect(sent.status).toBe(202);
    expect(sim.messages(T.alice, 'drafts').find((m) => m.subject.startsWith('draft 1'))).toBeUndefined();
    const inSent = sim.messages(T.alice, 'sentitems').find((m) => m.subject === 'draft 1 (final)')!;
    const received = sim.messages(T.bob, 'inbox').find((m) => m.subject === 'draft 1 (final)')!;
    expect(received.internetMessageId).toBe(inSent.internetMessageId);
    expect(received.attachments.map((a) => a.name)).toEqual(['notes.txt']);
    expect(received.from).toBe(T.alice);

    // The draft is gone under its old id.
    expect((await client.get(`${alice}/messages/${draft.id}`, { token })).status).toBe(404);
  });

  it('honours PR_DELETE_AFTER_SUBMIT (singleValueExtendedProperties) set on a draft: no Sent Items copy', async () => {
    const created = (await client.send('POST', `${alice}/messages`, { subject: 'no copy kept', toRecipients: [{ emailAddress: { address: T.bob } }] }, { token })).json();
    const patched = await client.send('PATCH', `${alice}/messages/${created.id}`, { singleValueExtendedProperties: [{ id: 'Boolean 0x0E01', value: 'true' }] }, { token });
    expect(patched.status).toBe(200);
    expect((await client.request('POST', `${alice}/messages/${created.id}/send`, { token })).status).toBe(202);
    const received = sim.messages(T.bob, 'inbox').find((m) => m.subject === 'no copy kept')!;
    expect(sim.deliveries(received.internetMessageId)).toEqual({ mailboxes: [{ mailbox: T.bob, folder: 'inbox' }], outbound: 0 });
  });

  it('creates a draft from MIME', async () => {
    const mime = await new MailComposer({ from: T.alice, to: T.bob, subject: 'mime draft', text: 'hello' }).compile().build();
    const created = await client.request('POST', `${alice}/messages`, { token, headers: { 'content-type': 'text/plain' }, body: mime.toString('base64') });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ isDraft: true, subject: 'mime draft', toRecipients: [{ emailAddress: { address: T.bob } }] });
  });

  it('marks read with PATCH, refuses content changes of a received message, moves (201, new id) and deletes', async () => {
    const [first] = (await client.get(`${alice}/mailFolders/inbox/messages?$filter=isRead eq false&$top=1`, { token })).json().value;
    const read = await client.send('PATCH', `${alice}/messages/${first.id}`, { isRead: true }, { token });
    expect(read.status).toBe(200);
    expect(read.json().isRead).toBe(true);
    expect(sim.messages(T.alice, 'inbox').find((m) => m.id === first.id)?.isRead).toBe(true);

    const subject = await client.send('PATCH', `${alice}/messages/${first.id}`, { subject: 'changed' }, { token });
    expect(subject.status).toBe(400);
    expect(subject.json().error.code).toBe('ErrorInvalidPropertyUpdateSentMessage');

    const moved = await client.send('POST', `${alice}/messages/${first.id}/move`, { destinationId: 'archive' }, { token });
    expect(moved.status).toBe(201);
    const movedBody = moved.json();
    expect(movedBody.id).not.toBe(first.id);
    const archive = (await client.get(`${alice}/mailFolders/archive`, { token })).json();
    expect(movedBody.parentFolderId).toBe(archive.id);
    expect((await client.get(`${alice}/messages/${first.id}`, { token })).status).toBe(404);
    expect((await client.get(`${alice}/messages/${movedBody.id}`, { token })).json().subject).toBe(first.subject);

    const badDestination = await client.send('POST', `${alice}/messages/${movedBody.id}/move`, { destinationId: 'AAMkAGnosuchfolder000AAA=' }, { token });
    expect(badDestination.status).toBe(404);

    const deleted = await client.request('DELETE', `${alice}/messages/${movedBody.id}`, { token });
    expect(deleted.status).toBe(204);
    expect((await client.get(`${alice}/messages/${movedBody.id}`, { token })).status).toBe(404);
  });
});
