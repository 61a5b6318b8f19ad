import { randomUUID } from 'node:crypto';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

let sim: Simulator;
const dir = tempDir();
const OTHER_TENANT = '5a9c3e1f-8b2d-4c6e-9f1a-3b5d7e9f1a2c';
const apps = {
  sendOnly: randomUUID(),
  noConsent: randomUUID(),
  expired: randomUUID(),
  scoped: randomUUID(),
  scopedSendOnly: randomUUID(),
  ewsBlocked: randomUUID(),
};
const SECRET = 'sim~CliTestSecret.abcdefghijklmnopqrstuvwx';

beforeAll(async () => {
  sim = await startSimulator();
  const secret = (id: string, expiresAt = '2099-01-01T00:00:00Z') => [{ id: randomUUID(), value: SECRET, expiresAt }];
  sim.seed({
    tenants: [{ id: OTHER_TENANT, domains: ['fabrikam.onmicrosoft.com'], ews: { enabled: false } }],
    apps: [
      { clientId: apps.sendOnly, tenantId: DEMO.tenantId, secrets: secret(apps.sendOnly), permissions: [{ resource: 'graph', role: 'Mail.Send' }] },
      {
        clientId: apps.noConsent,
        tenantId: DEMO.tenantId,
        secrets: secret(apps.noConsent),
        permissions: [
          { resource: 'graph', role: 'Mail.Send', adminConsent: false },
          { resource: 'graph', role: 'Mail.ReadWrite', adminConsent: false },
        ],
      },
      { clientId: apps.expired, tenantId: DEMO.tenantId, secrets: secret(apps.expired, '2024-01-01T00:00:00Z'), permissions: [{ resource: 'graph', role: 'Mail.Send' }] },
      {
        clientId: apps.scoped,
        tenantId: DEMO.tenantId,
        secrets: secret(apps.scoped),
        permissions: [
          { resource: 'graph', role: 'Mail.Send' },
          { resource: 'graph', role: 'Mail.ReadWrite' },
        ],
        mailboxScope: [DEMO.secondMailbox],
      },
      { clientId: apps.scopedSendOnly, tenantId: DEMO.tenantId, secrets: secret(apps.scopedSendOnly), permissions: [{ resource: 'graph', role: 'Mail.Send' }], mailboxScope: [DEMO.secondMailbox] },
      { clientId: apps.ewsBlocked, tenantId: OTHER_TENANT, secrets: secret(apps.ewsBlocked), permissions: [{ resource: 'ews', role: 'full_access_as_app' }] },
    ],
    users: [{ tenantId: OTHER_TENANT, mail: 'alerts@fabrikam.onmicrosoft.com' }],
  });
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});

type Check = { id: string; status: string; message: string; hint?: string; code?: string };
type Doctor = { ok: boolean; checks: Check[] };

/** Writes a config derived from the simulator's and runs `doctor --json` on it. */
async function doctor(change: (config: any) => void = () => {}, extra: string[] = []) {
  const config = structuredClone(sim.config({ transport: 'graph' })) as any;
  change(config);
  const file = dir.write(`config-${randomUUID()}.json`, config);
  const run = await runCli(['--json', '--config', file, 'doctor', ...extra]);
  return { run, result: run.json<Doctor>() };
}

const check = (result: Doctor, id: string) => result.checks.find((item) => item.id === id);

describe('mailbridge doctor --json', () => {
  it('passes every check on a good config, in the documented order and shape', async () => {
    const { run, result } = await doctor((config) => (config.auth.secretExpiresAt = '2099-01-01'));
    expect(run.code).toBe(0);
    expect(result.ok).toBe(true);
    expect(result.checks.map((item) => item.id)).toEqual(['config', 'authority', 'token', 'permissions', 'secret-expiry', 'mailbox']);
    for (const item of result.checks) {
      expect(Object.keys(item).every((key) => ['id', 'status', 'message', 'hint', 'code'].includes(key))).toBe(true);
      expect(item.status === 'pass' || item.status === 'warn').toBe(true);
    }
    expect(check(result, 'token')?.status).toBe('pass');
    expect(check(result, 'mailbox')?.status).toBe('pass');
  });

  it('--send-test to the configured mailbox waits until the message arrives', async () => {
    const { run, result } = await doctor((config) => (config.auth.secretExpiresAt = '2099-01-01'), ['--send-test', DEMO.mailbox]);
    expect(run.code).toBe(0);
    const send = check(result, 'send');
    expect(send?.status).toBe('pass');
    expect(send?.message).toMatch(/arrive/);
  });

  it('a wrong secret fails the token check with AUTH_INVALID_SECRET', async () => {
    const { run, result } = await doctor((config) => (config.auth.clientSecret = 'not-the-right-secret-value-1234'));
    expect(run.code).toBe(1);
    expect(check(result, 'token')).toMatchObject({ status: 'fail', code: 'AUTH_INVALID_SECRET' });
    expect(check(result, 'mailbox')?.status).toBe('skip');
  });

  it('the secret ID instead of its Value is called out', async () => {
    const { result } = await doctor((config) => (config.auth.clientSecret = DEMO.clientSecretId));
    expect(check(result, 'config')?.status).toBe('warn');
    const token = check(result, 'token');
    expect(token).toMatchObject({ status: 'fail', code: 'AUTH_INVALID_SECRET' });
    expect(`${token?.message} ${token?.hint}`).toMatch(/secret ID/i);
  });

  it('an expired secret fails with AUTH_SECRET_EXPIRED and says how to renew', async () => {
    const { result } = await doctor((config) => {
      config.auth.clientId = apps.expired;
      config.auth.clientSecret = SECRET;
    });
    const token = check(result, 'token');
    expect(token).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
    expect(token?.hint).toMatch(/new client secret/i);
  });

  it('secretExpiresAt in the past fails, within 30 days warns', async () => {
    const past = await doctor((config) => (config.auth.secretExpiresAt = '2020-01-01'));
    expect(check(past.result, 'secret-expiry')).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const near = await doctor((config) => (config.auth.secretExpiresAt = soon));
    expect(check(near.result, 'secret-expiry')?.status).toBe('warn');
    expect(check(near.result, 'secret-expiry')?.message).toContain('in 10 days');
    expect(check(near.result, 'secret-expiry')?.hint).toMatch(/New client secret/);
    // Said once, by its own check, not again as a config warning.
    for (const run of [past, near]) expect(check(run.result, 'config')?.message).not.toMatch(/secretExpiresAt|expire/);
    // Even when the tenant cannot be reached, the expiry (which needs no network) is still checked.
    const offline = await doctor((config) => {
      config.auth.secretExpiresAt = '2020-01-01';
      config.auth.tenant = randomUUID();
    });
    expect(check(offline.result, 'authority')?.status).toBe('fail');
    expect(check(offline.result, 'secret-expiry')).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
  });

  it('an unknown tenant fails the authority check', async () => {
    const { run, result } = await doctor((config) => (config.auth.tenant = randomUUID()));
    expect(run.code).toBe(1);
    expect(check(result, 'authority')).toMatchObject({ status: 'fail', code: 'AUTH_TENANT_NOT_FOUND' });
    expect(check(result, 'token')?.status).toBe('skip');
  });

  it('an app that is not in the tenant fails with AUTH_APP_NOT_FOUND', async () => {
    const { result } = await doctor((config) => (config.auth.clientId = randomUUID()));
    expect(check(result, 'token')).toMatchObject({ status: 'fail', code: 'AUTH_APP_NOT_FOUND' });
  });

  it('"common" with client credentials is a config error (exit 2)', async () => {
    const { run, result } = await doctor((config) => (config.auth.tenant = 'common'));
    expect(run.code).toBe(2);
    expect(check(result, 'config')).toMatchObject({ status: 'fail', code: 'CONFIG_INVALID' });
    expect(check(result, 'config')?.message).toMatch(/auth\.tenant/);
    expect(check(result, 'authority')?.status).toBe('skip');
  });

  it('a send-only app (Mail.Send, least privilege) passes with warnings; mailbox and --send-test still run', async () => {
    const sendOnly = (config: any) => {
      config.auth.clientId = apps.sendOnly;
      config.auth.clientSecret = SECRET;
      config.auth.secretExpiresAt = '2099-01-01';
    };
    const { run, result } = await doctor(sendOnly, ['--send-test', DEMO.mailbox]);
    expect(run.code).toBe(0);
    expect(result.ok).toBe(true);
    const permissions = check(result, 'permissions');
    expect(permissions).toMatchObject({ status: 'warn', code: 'AUTH_MISSING_PERMISSION' });
    expect(permissions?.message).toMatch(/Mail\.Send/);
    expect(permissions?.message).toMatch(/receive/);
    expect(permissions?.hint).toMatch(/Grant admin consent/);
    const mailbox = check(result, 'mailbox');
    expect(mailbox?.status).toBe('warn');
    expect(mailbox?.message).toMatch(/may not read/);
    const send = check(result, 'send');
    expect(send?.status).toBe('warn');
    expect(send?.message).toMatch(/arrival cannot be confirmed.*Mail\.Read/);
    // Human output: the closing line counts the warnings (the literal secret in the config is the third).
    const file = dir.write(
      `send-only-${randomUUID()}.json`,
      (() => {
        const config = structuredClone(sim.config({ transport: 'graph' })) as any;
        sendOnly(config);
        return config;
      })(),
    );
    const human = await runCli(['--config', file, 'doctor']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/All checks passed with 3 warnings/);
  });

  it('a secret Entra calls expired while secretExpiresAt says 2099: the date is called wrong', async () => {
    const { result } = await doctor((config) => {
      config.auth.clientId = apps.expired;
      config.auth.clientSecret = SECRET;
      config.auth.secretExpiresAt = '2099-12-31';
    });
    expect(check(result, 'token')).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
    const expiry = check(result, 'secret-expiry');
    expect(expiry).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
    expect(expiry?.message).toMatch(/2099-12-31.*wrong/);
    expect(expiry?.message).toMatch(/24 months/);
    expect(expiry?.hint).toMatch(/Expires column/);
    // Printed in the documented order even though the token failed.
    expect(result.checks.map((item) => item.id)).toEqual(['config', 'authority', 'token', 'permissions', 'secret-expiry', 'mailbox']);
  });

  it('token failures carry the AADSTS number, trace id and correlation id (JSON and human), and hints repeat --config', async () => {
    const { result } = await doctor((config) => (config.auth.clientSecret = 'not-the-right-secret-value-1234'));
    const token = check(result, 'token') as Check & { aadsts?: number; traceId?: string; correlationId?: string };
    expect(token.aadsts).toBe(7000215);
    expect(token.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(token.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const config = structuredClone(sim.config({ transport: 'graph' })) as any;
    config.auth.clientSecret = 'not-the-right-secret-value-1234';
    const file = dir.write('wrong secret.json', config);
    const human = await runCli(['--config', file, 'doctor']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/for support: AADSTS7000215, trace id [0-9a-f-]{36}, correlation id [0-9a-f-]{36}/);
    expect(human.stdout).toContain(`\`mailbridge --config '${file}' doctor\` again`);
  });

  it('permissions without admin consent are not in the token', async () => {
    const { result } = await doctor((config) => {
      config.auth.clientId = apps.noConsent;
      config.auth.clientSecret = SECRET;
    });
    const permissions = check(result, 'permissions');
    expect(permissions?.status).toBe('fail');
    expect(permissions?.message).toMatch(/Mail\.Send/);
    expect(permissions?.hint).toMatch(/admin consent/i);
  });

  it('the wrong cloud fails the token check', async () => {
    const { result } = await doctor((config) => (config.cloud = 'usgov'));
    const token = check(result, 'token');
    expect(token?.status).toBe('fail');
    expect(token?.code).toMatch(/^AUTH_/);
  });

  it('a mailbox outside the app scope fails the mailbox check', async () => {
    const { result } = await doctor((config) => {
      config.auth.clientId = apps.scoped;
      config.auth.clientSecret = SECRET;
    });
    const mailbox = check(result, 'mailbox');
    expect(mailbox).toMatchObject({ status: 'fail', code: 'MAILBOX_ACCESS_DENIED' });
    expect(mailbox?.hint).toMatch(/Test-(ServicePrincipalAuthorization|ApplicationAccessPolicy)/);
    expect(mailbox?.message).toMatch(/RBAC for Applications scope or an application access policy/);
    expect(mailbox?.hint).toContain(`Test-ServicePrincipalAuthorization -Identity ${apps.scoped} -Resource ${DEMO.mailbox}`);
    expect(mailbox?.hint).toContain(`Test-ApplicationAccessPolicy -Identity ${DEMO.mailbox} -AppId ${apps.scoped}`);
    expect(mailbox?.hint).toMatch(/30 minutes to 2 hours/);
    expect(mailbox?.hint).toMatch(/legacy/);
  });

  it('a scoped send-only app: --send-test names the scope, not a missing permission', async () => {
    const { result } = await doctor(
      (config) => {
        config.auth.clientId = apps.scopedSendOnly;
        config.auth.clientSecret = SECRET;
      },
      ['--send-test', DEMO.mailbox],
    );
    expect(check(result, 'permissions')?.status).toBe('warn');
    const send = check(result, 'send');
    expect(send).toMatchObject({ status: 'fail', code: 'MAILBOX_ACCESS_DENIED' });
    expect(send?.hint).toMatch(/30 minutes to 2 hours/);
  });

  it('a mailbox that does not exist fails the mailbox check', async () => {
    const { result } = await doctor((config) => (config.mailbox = 'nobody@contoso.onmicrosoft.com'));
    expect(check(result, 'mailbox')).toMatchObject({ status: 'fail', code: 'MAILBOX_NOT_FOUND' });
  });

  it('EWS blocked by tenant policy fails the mailbox check with the allow-list hint', async () => {
    const { result } = await doctor((config) => {
      Object.assign(config, structuredClone(sim.config({ transport: 'ews', clientId: apps.ewsBlocked, secret: SECRET, tenant: OTHER_TENANT, mailbox: 'alerts@fabrikam.onmicrosoft.com' })));
    });
    const mailbox = check(result, 'mailbox');
    expect(mailbox).toMatchObject({ status: 'fail', code: 'EWS_BLOCKED_BY_POLICY' });
    expect(mailbox?.hint).toMatch(/EwsAllowedAppIDs/);
  });

  it('EWS against Exchange Online warns about the 2027-04-01 retirement', async () => {
    const { result } = await doctor((config) => Object.assign(config, structuredClone(sim.config({ transport: 'ews' }))));
    expect(check(result, 'token')?.status).toBe('pass');
    const mailbox = check(result, 'mailbox');
    expect(mailbox?.status).toBe('warn');
    expect(mailbox?.message).toMatch(/2027-04-01/);
    expect(mailbox?.hint).toMatch(/"transport": "graph"/);
  });

  it('without the CA file the TLS failure names network.caFile', async () => {
    const { result } = await doctor((config) => delete config.network.caFile);
    const authority = check(result, 'authority');
    expect(authority).toMatchObject({ status: 'fail', code: 'TLS_ERROR' });
    expect(authority?.hint).toMatch(/network\.caFile/);
  });

  it("a missing or non-PEM network.caFile is the config check, in doctor's shape (exit 2)", async () => {
    const notPem = dir.write('not-a-cert.pem', 'hello');
    for (const caFile of [`${dir.path}/no-such-ca.pem`, notPem]) {
      const { run, result } = await doctor((config) => (config.network.caFile = caFile));
      expect(run.code).toBe(2);
      expect(result.ok).toBe(false);
      expect(result.checks.map((item) => item.id)).toEqual(['config', 'authority', 'token', 'permissions', 'secret-expiry', 'mailbox']);
      expect(check(result, 'config')).toMatchObject({ status: 'fail', code: 'CONFIG_INVALID' });
      expect(check(result, 'config')?.message).toMatch(/network\.caFile/);
      expect(check(result, 'authority')?.status).toBe('skip');
    }
  });

  it('an unreachable proxy fails with a proxy error naming network.proxy', async () => {
    const { result } = await doctor((config) => (config.network.proxy = 'http://127.0.0.1:9'));
    const authority = check(result, 'authority');
    expect(authority?.status).toBe('fail');
    expect(authority?.code).toBe('PROXY_ERROR');
    expect(authority?.hint).toMatch(/network\.proxy/);
  });
});
