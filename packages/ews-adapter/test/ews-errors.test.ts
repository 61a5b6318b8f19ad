import { mailboxScopeHint } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EwsTestBed, startEwsTestBed } from './support/ews-test-bed.js';

const secret = (value: string) => [{ id: '0f0f0f0f-0000-4000-8000-000000000001', value, expiresAt: '2099-01-01T00:00:00Z' }];
const NO_CONSENT = { clientId: 'e1e1e1e1-0000-4000-8000-000000000001', secret: 'sim~no-consent-secret-0001' };
const SCOPED = { clientId: 'e1e1e1e1-0000-4000-8000-000000000002', secret: 'sim~scoped-secret-0002' };

describe('EWS errors become core codes with hints (against the simulator)', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('oauth', { retry: { maxAttempts: 2, baseDelayMs: 5 } });
    bed.simulator.seed({
      apps: [
        { clientId: NO_CONSENT.clientId, tenantId: DEMO.tenantId, secrets: secret(NO_CONSENT.secret), permissions: [{ resource: 'ews', role: 'full_access_as_app', adminConsent: false }] },
        { clientId: SCOPED.clientId, tenantId: DEMO.tenantId, secrets: secret(SCOPED.secret), permissions: [{ resource: 'ews', role: 'full_access_as_app' }], mailboxScope: [DEMO.secondMailbox] },
      ],
    });
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('a token without full_access_as_app: AUTH_MISSING_PERMISSION, naming the permission and admin consent', async () => {
    const error = await mailbridgeFailure(bed.newTransport({ clientId: NO_CONSENT.clientId, secret: NO_CONSENT.secret }).probe());
    expect(error.code).toBe('AUTH_MISSING_PERMISSION');
    expect(error.hint).toContain('full_access_as_app');
    expect(error.hint).toContain('Grant admin consent');
  });

  it("a mailbox outside the app's scope: MAILBOX_ACCESS_DENIED with the hint Graph gives for the same cause", async () => {
    const error = await mailbridgeFailure(bed.newTransport({ clientId: SCOPED.clientId, secret: SCOPED.secret }).probe());
    // Graph's 403 "Access to OData is disabled" maps to the same code and core's one hint.
    expect(error.code).toBe('MAILBOX_ACCESS_DENIED');
    expect(error.details.serviceCode).toBe('ErrorImpersonateUserDenied');
    expect(error.hint).toBe(mailboxScopeHint({ mailbox: DEMO.mailbox, clientId: SCOPED.clientId }));
    expect(error.hint).toMatch(/scope/i);
    // RBAC for Applications first (application access policies are legacy), and how long changes take.
    expect(error.hint).toMatch(/Test-ServicePrincipalAuthorization -Identity \S+ -Resource /);
    expect(error.hint).toMatch(/Test-ApplicationAccessPolicy -Identity /);
    expect(error.hint).toMatch(/legacy/);
    expect(error.hint).toMatch(/30 minutes to 2 hours/);
  });

  it('a mailbox that does not exist: MAILBOX_NOT_FOUND', async () => {
    const error = await mailbridgeFailure(bed.newTransport({ mailbox: `nobody@${DEMO.domain}` }).probe());
    expect(error.code).toBe('MAILBOX_NOT_FOUND');
  });

  it('sending as a mailbox without Send As: SEND_AS_DENIED', async () => {
    const error = await mailbridgeFailure(bed.transport.send({ from: DEMO.secondMailbox, to: [DEMO.secondMailbox], subject: 'send as', text: 'x' }));
    expect(error.code).toBe('SEND_AS_DENIED');
  });

  it('an id that does not exist: ITEM_NOT_FOUND', async () => {
    expect((await mailbridgeFailure(bed.transport.getMime('AAMkAGNvbmZvcm1hbmNlLW5vdC1hLXJlYWwtaWQ='))).code).toBe('ITEM_NOT_FOUND');
  });

  it('EWS switched off for the tenant (EwsEnabled false): EWS_BLOCKED_BY_POLICY, naming the allow list and Graph', async () => {
    bed.simulator.seed({ tenants: [{ id: DEMO.tenantId, domains: [DEMO.domain], ews: { enabled: true, allowedAppIds: ['00000000-0000-4000-8000-000000000000'] } }] });
    try {
      const error = await mailbridgeFailure(bed.newTransport().probe());
      expect(error.code).toBe('EWS_BLOCKED_BY_POLICY');
      expect(error.hint).toContain('Set-OrganizationConfig -EwsAllowedAppIDs');
      expect(error.hint).toMatch(/graph/i);
    } finally {
      bed.simulator.seed({ tenants: [{ id: DEMO.tenantId, domains: [DEMO.domain] }] });
    }
  });
});
