import type { TokenProvider } from '@mailbridge/core';
import { createTempDir, generateFile, mailbridgeFailure } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphTransport } from '../src/index.js';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

const SEND_ONLY_APP = '0a1b2c3d-0000-4000-8000-000000000001';
const READ_ONLY_APP = '0a1b2c3d-0000-4000-8000-000000000002';
const SCOPED_APP = '0a1b2c3d-0000-4000-8000-000000000003';
const SECRET = 'sim~TestSecret.abcdefghijklmnopqrstuvwx';
const SHARED = 'shared@contoso.onmicrosoft.com';
const DISABLED = 'gone@contoso.onmicrosoft.com';

function app(clientId: string, roles: string[], mailboxScope?: string[]) {
  return {
    clientId,
    tenantId: DEMO.tenantId,
    secrets: [{ id: clientId.replace(/^0a/, 'ff'), value: SECRET, expiresAt: '2099-01-01T00:00:00Z' }],
    permissions: roles.map((role) => ({ resource: 'graph' as const, role })),
    ...(mailboxScope ? { mailboxScope } : {}),
  };
}

describe('Graph errors become coded MailbridgeErrors with hints', () => {
  let bed: GraphTestBed;
  let temp: Awaited<ReturnType<typeof createTempDir>>;

  beforeAll(async () => {
    bed = await startGraphTestBed();
    temp = await createTempDir();
    bed.simulator.seed({
      apps: [app(SEND_ONLY_APP, ['Mail.Send']), app(READ_ONLY_APP, ['Mail.Read']), app(SCOPED_APP, ['Mail.Send', 'Mail.ReadWrite'], [DEMO.secondMailbox])],
      users: [
        { tenantId: DEMO.tenantId, mail: SHARED, displayName: 'Shared alerts', sendAs: [DEMO.mailbox] },
        { tenantId: DEMO.tenantId, mail: DISABLED, mailboxEnabled: false },
      ],
    });
  });
  afterAll(async () => {
    await temp?.remove();
    await bed?.cleanup();
  });

  it('missing Mail.Send → AUTH_MISSING_PERMISSION naming the permission and admin consent', async () => {
    const transport = bed.newTransport({ clientId: READ_ONLY_APP, secret: SECRET });
    const error = await mailbridgeFailure(transport.send({ to: [DEMO.secondMailbox], subject: 'x', text: 'x' }));
    expect(error.code).toBe('AUTH_MISSING_PERMISSION');
    expect(error.message).toContain('Mail.Send');
    expect(error.hint).toContain('Grant admin consent');
    expect(error.details.status).toBe(403);
    expect(error.details.requestId).toEqual(expect.any(String));
  });

  it('large attachment with Mail.Send only → AUTH_MISSING_PERMISSION saying Mail.ReadWrite is needed', async () => {
    const transport = bed.newTransport({ clientId: SEND_ONLY_APP, secret: SECRET });
    const file = await generateFile(temp.dir, 'large.bin', 4 * 1024 * 1024);
    const error = await mailbridgeFailure(transport.send({ to: [DEMO.secondMailbox], subject: 'x', text: 'x', attachments: [{ filename: 'large.bin', content: { path: file.path } }] }));
    expect(error.code).toBe('AUTH_MISSING_PERMISSION');
    expect(error.message).toContain('Mail.ReadWrite');
    expect(error.hint).toMatch(/Mail\.ReadWrite, not only Mail\.Send/);
    // Small messages still go with Mail.Send alone.
    const sent = await transport.send({ to: [DEMO.secondMailbox], subject: 'small is fine', text: 'x' });
    expect(bed.simulator.deliveries(sent.internetMessageId).mailboxes).toContainEqual({ mailbox: DEMO.secondMailbox, folder: 'inbox' });
  });

  it('mailbox outside the app access scope → MAILBOX_ACCESS_DENIED with the PowerShell checks', async () => {
    const transport = bed.newTransport({ clientId: SCOPED_APP, secret: SECRET });
    const error = await mailbridgeFailure(transport.probe());
    expect(error.code).toBe('MAILBOX_ACCESS_DENIED');
    expect(error.hint).toContain(`Test-ApplicationAccessPolicy -Identity ${DEMO.mailbox} -AppId ${SCOPED_APP}`);
    expect(error.hint).toContain('Test-ServicePrincipalAuthorization');
    expect(error.hint).toMatch(/30 minutes to 2 hours/);
    // In scope works.
    const inScope = bed.newTransport({ clientId: SCOPED_APP, secret: SECRET, mailbox: DEMO.secondMailbox });
    expect((await inScope.probe()).mailbox).toBe(DEMO.secondMailbox);
  });

  it('a token for another API (wrong audience) → AUTH_WRONG_AUDIENCE', async () => {
    const ewsTokens: TokenProvider = { kind: 'app-only', getToken: (_resource, options) => bed.tokenProvider.getToken('ews', options) };
    const transport = createGraphTransport({ mailbox: DEMO.mailbox, graphEndpoint: bed.simulator.graphUrl, tokenProvider: ewsTokens, http: bed.http, retry: bed.retry });
    const error = await mailbridgeFailure(transport.probe());
    expect(error.code).toBe('AUTH_WRONG_AUDIENCE');
    expect(error.hint).toMatch(/audience|aud/);
  });

  it('MailboxNotEnabledForRESTAPI → MAILBOX_NOT_ENABLED_FOR_REST', async () => {
    const error = await mailbridgeFailure(bed.newTransport({ mailbox: DISABLED }).probe());
    expect(error.code).toBe('MAILBOX_NOT_ENABLED_FOR_REST');
    expect(error.hint).toMatch(/on-premises|license/);
  });

  it('unknown mailbox → MAILBOX_NOT_FOUND', async () => {
    const error = await mailbridgeFailure(bed.newTransport({ mailbox: 'nobody@contoso.onmicrosoft.com' }).probe());
    expect(error.code).toBe('MAILBOX_NOT_FOUND');
  });

  it('sending as a mailbox without Send As → SEND_AS_DENIED; with Send As it is delivered from it', async () => {
    const denied = await mailbridgeFailure(bed.transport.send({ from: DEMO.secondMailbox, to: [DEMO.secondMailbox], subject: 'x', text: 'x' }));
    expect(denied.code).toBe('SEND_AS_DENIED');
    expect(denied.message).toContain(DEMO.secondMailbox);
    const sent = await bed.transport.send({ from: SHARED, to: [DEMO.secondMailbox], subject: 'from shared', text: 'x' });
    const stored = bed.simulator.messages(DEMO.secondMailbox, 'inbox').find((message) => message.internetMessageId === sent.internetMessageId);
    expect(stored?.from.toLowerCase()).toBe(SHARED);
  });

  it('unknown message id → ITEM_NOT_FOUND', async () => {
    const error = await mailbridgeFailure(bed.transport.getMime('AAMkAGRvZXMtbm90LWV4aXN0'));
    expect(error.code).toBe('ITEM_NOT_FOUND');
  });

  it('no token or secret ever appears in an error', async () => {
    const transport = bed.newTransport({ clientId: READ_ONLY_APP, secret: SECRET });
    const error = await mailbridgeFailure(transport.send({ to: [DEMO.secondMailbox], subject: 'x', text: 'x' }));
    const { token } = await bed.tokenProvider.getToken('graph');
    const text = JSON.stringify({ message: error.message, hint: error.hint, details: error.details, json: error.toJSON() });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
