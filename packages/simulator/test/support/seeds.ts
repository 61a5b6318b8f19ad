import type { SeedData } from '../../src/types.js';

/** Identifiers of the test tenant (fabrikam) and its apps; a second tenant (northwind) for cross-tenant cases. */
export const T = {
  tenant: '11111111-1111-4111-8111-111111111111',
  domain: 'fabrikam.example',
  otherTenant: '22222222-2222-4222-8222-222222222222',
  otherDomain: 'northwind.example',
  /** Mail.Send + Mail.ReadWrite. */
  fullApp: 'aaaaaaaa-0000-4000-8000-000000000001',
  /** Mail.Send only. */
  sendOnlyApp: 'aaaaaaaa-0000-4000-8000-000000000002',
  /** Mail.Read only. */
  readOnlyApp: 'aaaaaaaa-0000-4000-8000-000000000003',
  /** Mail.ReadWrite, scoped to alice only (RBAC for Applications). */
  scopedApp: 'aaaaaaaa-0000-4000-8000-000000000004',
  /** EWS full_access_as_app only (its tokens are for Exchange, not Graph). */
  ewsApp: 'aaaaaaaa-0000-4000-8000-000000000005',
  /** Mail.ReadWrite whose admin consent is missing. */
  noConsentApp: 'aaaaaaaa-0000-4000-8000-000000000006',
  /** An app of the other tenant with full mail permissions. */
  otherApp: 'aaaaaaaa-0000-4000-8000-000000000007',
  /** A public client (device code) with delegated Mail.ReadWrite and Mail.Send. */
  publicApp: 'aaaaaaaa-0000-4000-8000-000000000008',
  /** A public client with delegated Mail.Read only. */
  publicReadApp: 'aaaaaaaa-0000-4000-8000-000000000009',
  secret: 'test~Secret.value-0123456789',
  alice: 'alice@fabrikam.example',
  bob: 'bob@fabrikam.example',
  shared: 'shared@fabrikam.example',
  disabled: 'legacy@fabrikam.example',
  carol: 'carol@northwind.example',
} as const;

function app(clientId: string, tenantId: string, roles: Array<{ role: string; adminConsent?: boolean }>, extra: Record<string, unknown> = {}): SeedData['apps'][number] {
  return {
    clientId,
    tenantId,
    secrets: [{ id: `${clientId.slice(0, 8)}-1111-4111-8111-111111111111`, value: T.secret, expiresAt: '2099-01-01T00:00:00Z' }],
    permissions: roles.map((entry) => ({ resource: clientId === T.ewsApp ? 'ews' : 'graph', role: entry.role, ...(entry.adminConsent === false ? { adminConsent: false } : {}) })),
    ...extra,
  };
}

/** A seed with two tenants, several apps of different permissions and a few users. */
export function testSeed(): SeedData {
  return {
    tenants: [
      { id: T.tenant, domains: [T.domain] },
      { id: T.otherTenant, domains: [T.otherDomain] },
    ],
    apps: [
      app(T.fullApp, T.tenant, [{ role: 'Mail.Send' }, { role: 'Mail.ReadWrite' }]),
      app(T.sendOnlyApp, T.tenant, [{ role: 'Mail.Send' }]),
      app(T.readOnlyApp, T.tenant, [{ role: 'Mail.Read' }]),
      app(T.scopedApp, T.tenant, [{ role: 'Mail.ReadWrite' }, { role: 'Mail.Send' }], { mailboxScope: [T.alice] }),
      app(T.ewsApp, T.tenant, [{ role: 'full_access_as_app' }]),
      app(T.noConsentApp, T.tenant, [{ role: 'Mail.ReadWrite', adminConsent: false }, { role: 'Mail.Send' }]),
      app(T.otherApp, T.otherTenant, [{ role: 'Mail.Send' }, { role: 'Mail.ReadWrite' }]),
      {
        clientId: T.publicApp,
        tenantId: T.tenant,
        publicClient: true,
        delegatedScopes: [
          { resource: 'graph', scope: 'Mail.ReadWrite' },
          { resource: 'graph', scope: 'Mail.Send' },
        ],
      },
      { clientId: T.publicReadApp, tenantId: T.tenant, publicClient: true, delegatedScopes: [{ resource: 'graph', scope: 'Mail.Read' }] },
    ],
    users: [
      {
        tenantId: T.tenant,
        mail: T.alice,
        displayName: 'Alice Example',
        messages: [
          { from: 'Dana <dana@contoso.example>', to: [T.alice], subject: 'first', text: 'one', receivedAt: '2026-01-01T10:00:00Z', isRead: true },
          { from: 'dana@contoso.example', to: [T.alice], subject: 'second', html: '<p>two <b>bold</b></p>', receivedAt: '2026-01-02T10:00:00Z' },
          {
            from: 'dana@contoso.example',
            to: [T.alice],
            cc: [T.bob],
            subject: 'third',
            text: 'three',
            receivedAt: '2026-01-03T10:00:00Z',
            attachments: [{ filename: 'a.txt', contentType: 'text/plain', contentBase64: Buffer.from('hello').toString('base64') }],
          },
          { folder: 'archive', from: 'dana@contoso.example', to: [T.alice], subject: 'archived', text: 'old', receivedAt: '2025-06-01T10:00:00Z', isRead: true },
        ],
      },
      { tenantId: T.tenant, mail: T.bob, displayName: 'Bob Example' },
      { tenantId: T.tenant, mail: T.shared, displayName: 'Shared Alerts', sendAs: [T.alice] },
      { tenantId: T.tenant, mail: T.disabled, displayName: 'Legacy', mailboxEnabled: false },
      { tenantId: T.otherTenant, mail: T.carol, displayName: 'Carol' },
    ],
  };
}
