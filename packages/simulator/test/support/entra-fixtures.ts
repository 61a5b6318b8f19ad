/** Seed data shared by the Entra tests: tenants in two clouds, a consumers tenant, apps of every kind. */
import type { SeedData } from '../../src/types.js';
import { makeCertificate, type TestCertificate } from './entra-harness.js';

export const CONTOSO = '11111111-2222-3333-4444-555555555555';
export const FABRIKAM = '22222222-3333-4444-5555-666666666666';
export const GOV = '33333333-4444-5555-6666-777777777777';
export const CONSUMERS = '9188040d-6c67-4c5b-b112-36a304b66dad';

export const MAILER = '66666666-7777-8888-9999-000000000001';
export const MULTI = '66666666-7777-8888-9999-000000000002';
export const NO_ROLES = '66666666-7777-8888-9999-000000000003';
export const GOV_APP = '66666666-7777-8888-9999-000000000004';
export const PUBLIC_APP = '66666666-7777-8888-9999-000000000005';
export const WORK_ONLY_PUBLIC = '66666666-7777-8888-9999-000000000006';
export const MSA_ONLY = '66666666-7777-8888-9999-000000000007';
export const SINGLE_PUBLIC = '66666666-7777-8888-9999-000000000008';

export const SECRET = 'sim~Secret.Value_0123456789abcdefghij';
export const SECRET_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const EXPIRED_SECRET = 'sim~Expired.Value_9876543210zyxwvuts';
export const FIC_SUBJECT = 'system:serviceaccount:alerts:mailer';

export interface EntraFixtures {
  seed: SeedData;
  certificate: TestCertificate;
  /** A key pair whose certificate is NOT registered on any app. */
  stranger: TestCertificate;
}

/** Builds the seed (certificates are generated, so each call gives fresh ones). */
export function entraFixtures(): EntraFixtures {
  const certificate = makeCertificate({ commonName: 'mailer-app' });
  const stranger = makeCertificate({ commonName: 'not-registered' });
  const seed: SeedData = {
    tenants: [
      { id: CONTOSO, domains: ['contoso.onmicrosoft.com', 'contoso.com'] },
      { id: FABRIKAM, domains: ['fabrikam.onmicrosoft.com'] },
      { id: GOV, domains: ['agency.onmicrosoft.us'], cloud: 'usgov' },
      { id: CONSUMERS, domains: ['outlook.com', 'hotmail.com'], consumers: true },
    ],
    apps: [
      {
        clientId: MAILER,
        displayName: 'Alert Mailer',
        tenantId: CONTOSO,
        secrets: [
          { id: SECRET_ID, value: SECRET, expiresAt: '2099-01-01T00:00:00Z' },
          { id: 'bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee', value: EXPIRED_SECRET, expiresAt: '2020-01-01T00:00:00Z' },
        ],
        certificates: [certificate.certPem],
        federatedCredentials: [{ issuer: 'https://federation.mailbridge-simulator.invalid', subject: FIC_SUBJECT }],
        permissions: [
          { resource: 'graph', role: 'Mail.Send' },
          { resource: 'graph', role: 'Mail.ReadWrite' },
          { resource: 'graph', role: 'User.Read.All', adminConsent: false },
          { resource: 'ews', role: 'full_access_as_app' },
        ],
      },
      {
        clientId: MULTI,
        displayName: 'Multi Tenant Mailer',
        tenantId: CONTOSO,
        multiTenant: true,
        consentedTenants: [FABRIKAM],
        secrets: [{ id: 'cccccccc-bbbb-cccc-dddd-eeeeeeeeeeee', value: SECRET, expiresAt: '2099-01-01T00:00:00Z' }],
        permissions: [{ resource: 'graph', role: 'Mail.Send' }],
      },
      {
        clientId: NO_ROLES,
        displayName: 'Unconsented',
        tenantId: CONTOSO,
        secrets: [{ id: 'dddddddd-bbbb-cccc-dddd-eeeeeeeeeeee', value: SECRET, expiresAt: '2099-01-01T00:00:00Z' }],
        permissions: [{ resource: 'graph', role: 'Mail.Send', adminConsent: false }],
      },
      {
        clientId: GOV_APP,
        displayName: 'Gov Mailer',
        tenantId: GOV,
        secrets: [{ id: 'eeeeeeee-bbbb-cccc-dddd-eeeeeeeeeeee', value: SECRET, expiresAt: '2099-01-01T00:00:00Z' }],
        permissions: [{ resource: 'graph', role: 'Mail.Send' }],
      },
      {
        clientId: PUBLIC_APP,
        displayName: 'Mailbridge CLI',
        tenantId: CONTOSO,
        multiTenant: true,
        publicClient: true,
        allowPersonalAccounts: true,
        delegatedScopes: [
          { resource: 'graph', scope: 'Mail.Send' },
          { resource: 'graph', scope: 'Mail.ReadWrite' },
          { resource: 'graph', scope: 'User.Read' },
          { resource: 'ews', scope: 'EWS.AccessAsUser.All' },
        ],
      },
      {
        clientId: WORK_ONLY_PUBLIC,
        displayName: 'Work Only CLI',
        tenantId: CONTOSO,
        multiTenant: true,
        publicClient: true,
        delegatedScopes: [{ resource: 'graph', scope: 'Mail.Send' }],
      },
      {
        clientId: MSA_ONLY,
        displayName: 'Personal Only',
        tenantId: CONSUMERS,
        publicClient: true,
        allowPersonalAccounts: true,
        delegatedScopes: [{ resource: 'graph', scope: 'Mail.Send' }],
      },
      {
        clientId: SINGLE_PUBLIC,
        displayName: 'Contoso Only CLI',
        tenantId: CONTOSO,
        publicClient: true,
        delegatedScopes: [{ resource: 'graph', scope: 'Mail.Send' }],
      },
    ],
    users: [
      { id: 'a0000000-0000-0000-0000-000000000001', tenantId: CONTOSO, mail: 'alerts@contoso.com', displayName: 'Alerts Mailbox' },
      { id: 'a0000000-0000-0000-0000-000000000002', tenantId: CONTOSO, mail: 'adele@contoso.com', displayName: 'Adele Vance', password: 'P@ssw0rd!' },
      { id: 'a0000000-0000-0000-0000-000000000003', tenantId: FABRIKAM, mail: 'bob@fabrikam.onmicrosoft.com', displayName: 'Bob Fabrikam' },
      { id: '00000000-0000-0000-4a4e-000000000004', tenantId: CONSUMERS, mail: 'pat@outlook.com', displayName: 'Pat Personal' },
    ],
  };
  return { seed, certificate, stranger };
}
