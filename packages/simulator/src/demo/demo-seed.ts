import type { SeedData } from '../types.js';

/**
 * The demo tenant's fixed identifiers and credentials, shared by `mailbridge sandbox`, the docs and
 * tests. The secret is a simulator-only value: it is worthless anywhere else.
 */
export const DEMO = {
  tenantId: '7d3e1f42-5b1c-4a8e-9f0d-2c6b8a4e1d35',
  domain: 'contoso.onmicrosoft.com',
  /** The confidential demo app (client credentials): Graph Mail.Send + Mail.ReadWrite, EWS full_access_as_app. */
  clientId: 'a1b2c3d4-0e1f-4a5b-8c6d-7e8f9a0b1c2d',
  clientSecret: 'sim~DemoSecret.0123456789abcdefGHIJKLmnop',
  clientSecretId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
  secretExpiresAt: '2099-12-31T00:00:00Z',
  /**
   * The subject of the demo app's federated credential (issuer: the simulator's default federation
   * issuer): `sim.writeFederatedAssertionFile(path, { subject })` writes a token file it accepts.
   */
  federatedSubject: 'system:serviceaccount:mailbridge:sandbox',
  /** A public-client demo app for device-code sign-in (delegated Mail.Send, Mail.ReadWrite, User.Read, EWS.AccessAsUser.All). */
  publicClientId: 'b2c3d4e5-1f2a-4b6c-9d7e-8f9a0b1c2d3e',
  /** The demo mailbox the config points at. */
  mailbox: 'alerts@contoso.onmicrosoft.com',
  mailboxUserId: 'c3d4e5f6-2a3b-4c7d-8e9f-0a1b2c3d4e5f',
  /** A second user, to send to and receive from. */
  secondMailbox: 'oncall@contoso.onmicrosoft.com',
  secondUserId: 'd4e5f6a7-3b4c-4d8e-9fa0-1b2c3d4e5f60',
  /** Password of the demo users (device-code approval by code, on-premises Basic/NTLM). */
  userPassword: 'Sim-Demo-Passw0rd!',
} as const;

/** A demo tenant (contoso), its apps, two users and a few messages in the demo mailbox's Inbox. */
export function demoSeed(): SeedData {
  const day = 24 * 3600_000;
  const now = Date.now();
  return {
    tenants: [{ id: DEMO.tenantId, domains: [DEMO.domain], cloud: 'global' }],
    apps: [
      {
        clientId: DEMO.clientId,
        displayName: 'mailbridge demo (alerting)',
        tenantId: DEMO.tenantId,
        secrets: [{ id: DEMO.clientSecretId, value: DEMO.clientSecret, expiresAt: DEMO.secretExpiresAt }],
        // Workload identity: a federated credential for the simulator's default issuer.
        federatedCredentials: [{ issuer: 'https://federation.mailbridge-simulator.invalid', subject: DEMO.federatedSubject }],
        permissions: [
          { resource: 'graph', role: 'Mail.Send' },
          { resource: 'graph', role: 'Mail.ReadWrite' },
          { resource: 'ews', role: 'full_access_as_app' },
        ],
      },
      {
        clientId: DEMO.publicClientId,
        displayName: 'mailbridge demo (device code)',
        tenantId: DEMO.tenantId,
        publicClient: true,
        // Browser sign-in (authorization code): a loopback URI (any port) and the nativeclient page.
        redirectUris: ['http://localhost', 'https://login.microsoftonline.com/common/oauth2/nativeclient'],
        delegatedScopes: [
          { resource: 'graph', scope: 'Mail.Send' },
          { resource: 'graph', scope: 'Mail.ReadWrite' },
          // mailbridge's device-code sign-in also asks for User.Read (Entra grants it with any user consent).
          { resource: 'graph', scope: 'User.Read' },
          { resource: 'ews', scope: 'EWS.AccessAsUser.All' },
        ],
      },
    ],
    users: [
      {
        id: DEMO.mailboxUserId,
        tenantId: DEMO.tenantId,
        mail: DEMO.mailbox,
        displayName: 'Alerts',
        password: DEMO.userPassword,
        messages: [
          {
            from: `On-call <${DEMO.secondMailbox}>`,
            to: [DEMO.mailbox],
            subject: 'Re: [ALERT] disk usage 91% on db-01',
            text: 'Acknowledged, I am looking into it.\r\n',
            receivedAt: new Date(now - 2 * day).toISOString(),
            isRead: true,
          },
          {
            from: 'Monitoring <monitoring@fabrikam.com>',
            to: [DEMO.mailbox],
            subject: 'Weekly availability report',
            html: '<html><body><p>Availability last week: <b>99.97%</b></p></body></html>',
            receivedAt: new Date(now - day).toISOString(),
          },
          {
            from: `On-call <${DEMO.secondMailbox}>`,
            to: [DEMO.mailbox],
            subject: 'Maintenance window tonight',
            text: 'Reminder: maintenance window 22:00-23:00 UTC.\r\n',
            receivedAt: new Date(now - 3600_000).toISOString(),
            attachments: [{ filename: 'runbook.txt', contentType: 'text/plain', contentBase64: Buffer.from('1. drain\r\n2. patch\r\n3. undrain\r\n').toString('base64') }],
          },
        ],
      },
      {
        id: DEMO.secondUserId,
        tenantId: DEMO.tenantId,
        mail: DEMO.secondMailbox,
        displayName: 'On-call',
        password: DEMO.userPassword,
      },
    ],
  };
}
