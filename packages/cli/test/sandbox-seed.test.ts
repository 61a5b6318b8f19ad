import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';
import { type RunningSandbox, startSandbox } from './support/sandbox-process.js';

// Issue 15, item 16: `mailbridge sandbox --seed FILE` and `--fault` rehearse the failures an admin
// meets, and doctor's answers to them are asserted here through the real CLI against the sandbox.

const dir = tempDir();
afterAll(() => dir.cleanup());

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  hint?: string;
  code?: string;
}

async function doctor(config: string, ...args: string[]): Promise<{ ok: boolean; checks: Map<string, Check>; stdout: string }> {
  const run = await runCli(['--json', '--config', config, 'doctor', ...args], { cwd: dir.path, timeoutMs: 90_000 });
  const body = run.json<{ ok: boolean; checks: Check[] }>();
  expect(run.code, run.stdout + run.stderr).toBe(body.ok ? 0 : 1);
  return { ok: body.ok, checks: new Map(body.checks.map((check) => [check.id, check])), stdout: run.stdout };
}

const REHEARSAL_YAML = `# apps and mailboxes added to the sandbox's demo tenant
mailboxes:
  - address: shared@contoso.onmicrosoft.com
  - address: gone@contoso.onmicrosoft.com
    enabled: false
apps:
  - name: send-only
    permissions: [Mail.Send]
  - name: no-consent
    permissions: [Mail.Send, Mail.ReadWrite]
    adminConsent: false
  - name: expired-secret
    secretExpiresAt: 2026-01-31
  - name: wrong-expiry
    secretExpiresAt: 2026-02-28
    configSecretExpiresAt: 2099-12-31
  - name: scoped
    permissions: [Mail.Send, Mail.ReadWrite]
    mailboxScope: [shared@contoso.onmicrosoft.com]
  - name: ews-permission-only
    transport: graph
    permissions: [full_access_as_app]
  - name: graph-permissions-only
    transport: ews
    permissions: [Mail.Send, Mail.ReadWrite]
  - name: gone-mailbox
    mailbox: gone@contoso.onmicrosoft.com
`;

describe('mailbridge sandbox --seed: doctor answers the rehearsed set-ups', () => {
  let sandbox: RunningSandbox;
  const config = (name: string) => `mailbridge.sandbox.${name}.json`;

  beforeAll(async () => {
    dir.write('rehearsal.yaml', REHEARSAL_YAML);
    sandbox = await startSandbox(['--seed', 'rehearsal.yaml'], { cwd: dir.path });
  }, 90_000);
  afterAll(async () => {
    expect(await sandbox?.stop()).toBe(0);
  });

  it('writes a config per seeded app and names each with its doctor command', () => {
    for (const name of ['send-only', 'no-consent', 'expired-secret', 'wrong-expiry', 'scoped', 'ews-permission-only', 'graph-permissions-only', 'gone-mailbox']) {
      expect(existsSync(join(dir.path, config(name))), name).toBe(true);
      expect(sandbox.output()).toContain(`mailbridge --config ${config(name)} doctor`);
    }
    const written = JSON.parse(readFileSync(join(dir.path, config('graph-permissions-only')), 'utf8'));
    expect(written.transport).toBe('ews');
    expect(written.auth.clientSecret).toEqual({ file: './mailbridge.sandbox.graph-permissions-only.secret' });
    // The secret is in the 0600 file, never in the output.
    const secret = readFileSync(join(dir.path, 'mailbridge.sandbox.send-only.secret'), 'utf8').trim();
    expect(sandbox.output()).not.toContain(secret);
  });

  it('a Mail.Send-only app passes with warnings that receive needs Mail.Read/Mail.ReadWrite', { timeout: 90_000 }, async () => {
    const result = await doctor(config('send-only'), '--send-test', 'oncall@contoso.onmicrosoft.com');
    expect(result.ok).toBe(true);
    expect(result.checks.get('permissions')).toMatchObject({ status: 'warn', code: 'AUTH_MISSING_PERMISSION' });
    expect(result.checks.get('permissions')?.message).toMatch(/Mail\.ReadWrite/);
    expect(result.checks.get('mailbox')?.status).toBe('warn');
    expect(result.checks.get('send')?.status).not.toBe('fail');
  });

  it('an app without admin consent gets the consent hint', { timeout: 90_000 }, async () => {
    const result = await doctor(config('no-consent'));
    expect(result.ok).toBe(false);
    const permissions = result.checks.get('permissions');
    expect(permissions).toMatchObject({ status: 'fail', code: 'AUTH_MISSING_PERMISSION' });
    expect(permissions?.message).toMatch(/holds no permissions/);
    expect(permissions?.hint).toMatch(/Grant admin consent/);
  });

  it('an expired secret is reported as expired, by Entra and by the date', { timeout: 90_000 }, async () => {
    const result = await doctor(config('expired-secret'));
    expect(result.checks.get('token')).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
    expect(result.checks.get('token')?.message).toMatch(/expired/);
    expect(result.stdout).toMatch(/AADSTS7000222|7000222/);
    expect(result.checks.get('secret-expiry')).toMatchObject({ status: 'fail', message: 'The client secret expired on 2026-01-31.' });
  });

  it('a config whose secretExpiresAt is wrong is told so', { timeout: 90_000 }, async () => {
    const result = await doctor(config('wrong-expiry'));
    expect(result.checks.get('token')).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
    expect(result.checks.get('secret-expiry')?.message).toMatch(/auth\.secretExpiresAt says 2099-12-31: that date is wrong/);
  });

  it('an app scoped away from the mailbox gets the RBAC for Applications hint', { timeout: 90_000 }, async () => {
    const result = await doctor(config('scoped'));
    const mailbox = result.checks.get('mailbox');
    expect(mailbox).toMatchObject({ status: 'fail', code: 'MAILBOX_ACCESS_DENIED' });
    expect(mailbox?.hint).toMatch(/Test-ServicePrincipalAuthorization/);
    expect(mailbox?.hint).toMatch(/30 minutes to 2 hours/);
  });

  it('EWS-only permissions on Graph, and Graph-only permissions on EWS, name the permission to add', { timeout: 120_000 }, async () => {
    const graph = await doctor(config('ews-permission-only'));
    expect(graph.checks.get('permissions')).toMatchObject({ status: 'fail', code: 'AUTH_MISSING_PERMISSION' });
    expect(graph.checks.get('permissions')?.hint).toMatch(/Mail\.Send/);
    const ews = await doctor(config('graph-permissions-only'));
    expect(ews.checks.get('permissions')).toMatchObject({ status: 'fail', code: 'AUTH_MISSING_PERMISSION' });
    expect(ews.checks.get('permissions')?.hint).toMatch(/full_access_as_app/);
  });

  it('a disabled mailbox is reported as not enabled', { timeout: 90_000 }, async () => {
    const result = await doctor(config('gone-mailbox'));
    expect(result.checks.get('mailbox')).toMatchObject({ status: 'fail', code: 'MAILBOX_NOT_ENABLED_FOR_REST' });
  });
});

describe('mailbridge sandbox: injected faults (seed file "faults" and --fault)', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    dir.write('faults.json', {
      mailboxes: [{ address: 'busy@contoso.onmicrosoft.com' }, { address: 'down@contoso.onmicrosoft.com' }],
      apps: [
        { name: 'flaky', permissions: ['Mail.Send', 'Mail.ReadWrite'] },
        { name: 'flaky-ews', transport: 'ews', permissions: ['full_access_as_app'] },
        { name: 'throttled', mailbox: 'busy@contoso.onmicrosoft.com' },
        { name: 'down', mailbox: 'down@contoso.onmicrosoft.com' },
      ],
      faults: [
        // Transient: doctor retries them and passes.
        { kind: 'status', status: 503, api: 'graph', count: 2, pathIncludes: 'alerts' },
        { kind: 'ews-server-busy', count: 1, backOffMs: 100 },
        // Lasting: the retry budget runs out and doctor explains.
        { kind: 'status', status: 429, api: 'graph', count: 100, retryAfterSeconds: 1, pathIncludes: 'busy' },
      ],
    });
    sandbox = await startSandbox(['--seed', 'faults.json', '--write-config', 'faults/sandbox.json', '--fault', 'status:status=503,api=graph,count=100,pathIncludes=down'], { cwd: dir.path });
  }, 90_000);
  afterAll(async () => {
    expect(await sandbox?.stop()).toBe(0);
  });

  it('lists the faults it injected', () => {
    expect(sandbox.output()).toMatch(/fault +2× HTTP 503 on graph \(paths with "alerts"\)/);
    expect(sandbox.output()).toMatch(/fault +1× EWS ErrorServerBusy/);
    expect(sandbox.output()).toMatch(/fault +100× HTTP 503 on graph \(paths with "down"\)/);
  });

  it('transient 503s and ErrorServerBusy are retried: doctor passes', { timeout: 120_000 }, async () => {
    expect((await doctor('faults/sandbox.flaky.json')).ok).toBe(true);
    expect((await doctor('faults/sandbox.flaky-ews.json')).ok).toBe(true);
  });

  it('lasting throttling and a lasting outage are explained once the retries run out', { timeout: 180_000 }, async () => {
    const throttled = await doctor('faults/sandbox.throttled.json');
    expect(throttled.checks.get('mailbox')).toMatchObject({ status: 'fail', code: 'THROTTLED' });
    expect(throttled.checks.get('mailbox')?.hint).toBeTruthy();
    const down = await doctor('faults/sandbox.down.json');
    expect(down.checks.get('mailbox')).toMatchObject({ status: 'fail', code: 'SERVICE_UNAVAILABLE' });
    expect(down.checks.get('mailbox')?.message).toMatch(/503/);
  });
});

describe('mailbridge sandbox: bad seed files and --fault flags', () => {
  it('lists every problem of a seed file with its path, a stable code and a hint, and writes nothing', async () => {
    const seed = dir.write(
      'bad.yaml',
      ['apps:', '  - name: Send Only', '    permissons: [Mail.Send]', '  - name: x', '    permissions: [Mail.Sned]', '    secretExpiresAt: 2026-13-01', 'faults:', '  - kind: staus', '    count: 2', ''].join('\n'),
    );
    const run = await runCli(['--json', 'sandbox', '--seed', seed, '--write-config', join(dir.path, 'bad', 'sandbox.json')]);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    const error = run.json().error;
    expect(error.code).toBe('SANDBOX_SEED_INVALID');
    expect(error.message).toContain('apps[0].name: expected a short name');
    expect(error.message).toContain('apps[0].permissons: unknown key; did you mean "permissions"?');
    expect(error.message).toContain('apps[1].permissions[0]: expected one of "Mail.Send"');
    expect(error.message).toContain('apps[1].secretExpiresAt: is not a real date');
    expect(error.message).toContain('faults[0].kind: expected one of "status"');
    expect(error.hint).toMatch(/Rehearse failures in the sandbox/);
    expect(existsSync(join(dir.path, 'bad'))).toBe(false);
  });

  it('says where YAML is broken, that a file is missing, and what is wrong with a --fault', async () => {
    const broken = dir.write('broken.yaml', 'apps:\n  - name: a\n   permissions: [Mail.Send\n');
    const syntax = await runCli(['--json', 'sandbox', '--seed', broken]);
    expect(syntax.code).toBe(2);
    expect(syntax.json().error).toMatchObject({ code: 'SANDBOX_SEED_INVALID', message: expect.stringMatching(/is not valid YAML at line \d+, column \d+/) });

    const missing = await runCli(['--json', 'sandbox', '--seed', join(dir.path, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.json().error).toMatchObject({ code: 'SANDBOX_SEED_INVALID', message: expect.stringMatching(/does not exist/) });

    const outside = dir.write('outside.json', { mailboxes: [{ address: 'x@fabrikam.com' }] });
    const domain = await runCli(['--json', 'sandbox', '--seed', outside]);
    expect(domain.json().error.message).toMatch(/mailboxes\[0\]\.address: must be in the sandbox tenant's domain contoso\.onmicrosoft\.com/);

    const fault = await runCli(['sandbox', '--fault', 'status:status=404', '--write-config', join(dir.path, 'bad-fault', 'sandbox.json')]);
    expect(fault.code).toBe(2);
    expect(fault.stderr).toMatch(/SANDBOX_SEED_INVALID/);
    // One problem per line, as written (not an escaped "\n").
    expect(fault.stderr).toMatch(/has 2 problems:\n {2}- status: expected one of 429, 500, 502, 503, 504\n/);
    expect(fault.stderr).toMatch(/count: is required/);
    expect(existsSync(join(dir.path, 'bad-fault'))).toBe(false);
  });
});
