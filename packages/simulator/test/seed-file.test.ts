import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEMO } from '../src/demo/demo-seed.js';
import { compileSeedFile } from '../src/seed/compile-seed-file.js';
import { loadSeedFile, parseFaultFlag, parseSeedFile } from '../src/seed/load-seed-file.js';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { SimClient } from './support/sim-client.js';

// The seed file of `mailbridge sandbox --seed` (issue 15, item 16): checked with zod, errors name
// the path, and what it seeds behaves as Entra, Graph and EWS do for such set-ups.

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'mailbridge-seed-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function problems(run: () => unknown): { code: string; message: string; hint: string; lines: string[] } {
  try {
    run();
  } catch (error) {
    const e = error as { code: string; message: string; hint: string };
    return { code: e.code, message: e.message, hint: e.hint, lines: e.message.split('\n').slice(1) };
  }
  throw new Error('expected the seed to be refused');
}

describe('the seed file schema', () => {
  it("accepts the root README's example as written", () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('## Rehearse failures in the sandbox'));
    const yaml = /```yaml\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const seed = parseSeedFile(parseYaml(yaml!));
    expect(seed.apps.map((app) => app.name)).toEqual(['send-only', 'no-consent', 'expired-secret', 'wrong-expiry', 'scoped', 'ews-only', 'graph-on-ews']);
    expect(seed.faults).toHaveLength(2);
    // Every --fault the README shows parses too.
    for (const flag of readme.matchAll(/--fault (\S+)/g)) if (!flag[1]!.includes('SPEC') && !flag[1]!.includes('KIND')) expect(() => parseFaultFlag(flag[1]!)).not.toThrow();
  });

  it('lists every problem with its path, a stable code and a hint', () => {
    const refused = problems(() =>
      parseSeedFile({
        apps: [
          { name: 'Send Only', permissons: ['Mail.Send'] },
          { name: 'x', permissions: ['Mail.Sned'], adminConsent: 'yes', mailboxScope: ['not-an-address'] },
        ],
        mailboxes: [{ adress: 'a@contoso.onmicrosoft.com' }],
        faults: [
          { kind: 'staus', count: 1 },
          { kind: 'status', status: 404, count: 0 },
        ],
        extra: true,
      }),
    );
    expect(refused.code).toBe('SANDBOX_SEED_INVALID');
    expect(refused.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}- apps\[0\]\.name: expected a short name/),
        '  - apps[0].permissons: unknown key; did you mean "permissions"?',
        expect.stringMatching(/^ {2}- apps\[1\]\.permissions\[0\]: expected one of "Mail.Send", .*did you mean "Mail.Send"\?$/),
        '  - apps[1].adminConsent: expected true, false, or the list of permissions an administrator consented to',
        '  - apps[1].mailboxScope[0]: expected an e-mail address such as "alerts@contoso.onmicrosoft.com"',
        '  - mailboxes[0].address: is required',
        '  - mailboxes[0].adress: unknown key; did you mean "address"?',
        expect.stringMatching(/^ {2}- faults\[0\]\.kind: expected one of "status", .*did you mean "status"\?$/),
        '  - faults[1].status: expected one of 429, 500, 502, 503, 504',
        '  - faults[1].count: must be at least 1',
        expect.stringMatching(/^ {2}- extra: unknown key/),
      ]),
    );
    expect(refused.hint).toMatch(/Rehearse failures in the sandbox/);

    const cross = problems(() => parseSeedFile({ apps: [{ name: 'a' }, { name: 'a', configSecretExpiresAt: '2099-01-01' }, { name: 'b', clientId: DEMO.clientId }], mailboxes: [{ address: 'x@fabrikam.com' }] }));
    expect(cross.lines).toEqual([
      '  - apps[1].name: "a" is already the name of apps[0]: each app needs its own name (it names the config file)',
      '  - apps[1].configSecretExpiresAt: needs secretExpiresAt beside it: configSecretExpiresAt is what the config claims, secretExpiresAt what Entra ID knows',
      '  - apps[2].clientId: is the id of a demo app: leave clientId out (a stable one is derived from the name) or pick another GUID',
      '  - mailboxes[0].address: must be in the sandbox tenant\'s domain contoso.onmicrosoft.com (e.g. "shared@contoso.onmicrosoft.com"); mail to other domains leaves the tenant',
    ]);
    expect(problems(() => parseSeedFile([])).lines).toEqual(['  - file: expected an object with "apps", "mailboxes" and/or "faults"']);
  });

  it('reads YAML and JSON files, and says where their syntax breaks', async () => {
    const yamlFile = join(folder, 'ok.yaml');
    writeFileSync(yamlFile, 'apps:\n  - name: dated\n    secretExpiresAt: 2026-01-31\n');
    expect((await loadSeedFile(yamlFile)).apps[0]).toMatchObject({ name: 'dated', secretExpiresAt: '2026-01-31', transport: 'graph', adminConsent: true });
    const brokenYaml = join(folder, 'broken.yml');
    writeFileSync(brokenYaml, 'apps:\n  - name: a\n   permissions: [Mail.Send\n');
    await expect(loadSeedFile(brokenYaml)).rejects.toMatchObject({ code: 'SANDBOX_SEED_INVALID', message: expect.stringMatching(/is not valid YAML at line 3, column \d+/) });
    const brokenJson = join(folder, 'broken.json');
    writeFileSync(brokenJson, '{"apps": [}');
    await expect(loadSeedFile(brokenJson)).rejects.toMatchObject({ code: 'SANDBOX_SEED_INVALID', message: expect.stringMatching(/is not valid JSON/) });
    await expect(loadSeedFile(join(folder, 'missing.json'))).rejects.toMatchObject({ code: 'SANDBOX_SEED_INVALID', message: expect.stringMatching(/does not exist/) });
    // Bounded: a file far larger than any seed is refused, not read whole.
    const huge = join(folder, 'huge.json');
    writeFileSync(huge, `{"apps": [], "pad": "${'x'.repeat(5 * 1024 * 1024)}"}`);
    await expect(loadSeedFile(huge)).rejects.toMatchObject({ code: 'SANDBOX_SEED_INVALID', message: expect.stringMatching(/cannot be read/) });
  });

  it('parses --fault flags (KIND:key=value,… or JSON) with the same schema', () => {
    expect(parseFaultFlag('status:status=503,api=graph,count=2')).toEqual({ kind: 'status', status: 503, api: 'graph', count: 2 });
    expect(parseFaultFlag('token-outage:count=3')).toEqual({ kind: 'token-outage', count: 3 });
    expect(parseFaultFlag('{"kind":"clock-skew","ms":-600000}')).toEqual({ kind: 'clock-skew', ms: -600000 });
    const wrong = problems(() => parseFaultFlag('status:status=404,cuont=2'));
    expect(wrong.code).toBe('SANDBOX_SEED_INVALID');
    expect(wrong.message).toMatch(/^--fault "status:status=404,cuont=2" has 3 problems:/);
    expect(wrong.lines).toEqual(expect.arrayContaining(['  - status: expected one of 429, 500, 502, 503, 504', '  - count: is required', '  - cuont: unknown key; did you mean "count"?']));
    expect(problems(() => parseFaultFlag('status:count')).lines[0]).toMatch(/"count" is not key=value/);
  });
});

describe('what a seed file seeds', () => {
  let sim: Simulator;
  let client: SimClient;
  const compiled = compileSeedFile(
    parseSeedFile({
      mailboxes: [
        { address: 'shared@contoso.onmicrosoft.com', messages: [{ from: 'x@fabrikam.com', subject: 'seeded' }] },
        { address: 'gone@contoso.onmicrosoft.com', enabled: false },
      ],
      apps: [
        { name: 'send-only', permissions: ['Mail.Send'] },
        { name: 'no-consent', adminConsent: false },
        { name: 'half-consent', permissions: ['Mail.Send', 'Mail.ReadWrite'], adminConsent: ['Mail.Send'] },
        { name: 'expired', secretExpiresAt: '2026-01-31', configSecretExpiresAt: '2099-12-31' },
        { name: 'scoped', mailboxScope: ['shared@contoso.onmicrosoft.com'] },
      ],
    }),
  );
  const app = (name: string) => compiled.apps.find((candidate) => candidate.name === name)!;

  beforeAll(async () => {
    sim = await startSimulator();
    sim.seed(compiled.data);
    client = new SimClient(sim);
  });
  afterAll(async () => {
    client?.agent.destroy();
    await sim?.close();
  });

  async function token(name: string, resource = 'https://graph.microsoft.com/.default') {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: app(name).clientId, client_secret: app(name).secret, scope: resource }).toString();
    const response = await client.request('POST', `/${DEMO.tenantId}/oauth2/v2.0/token`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: response.status, body: response.json() };
  }
  const roles = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')).roles ?? [];

  it('derives the same client id and secret from a name at every start', () => {
    const again = compileSeedFile(parseSeedFile({ apps: [{ name: 'send-only' }] }));
    expect(again.apps[0]).toMatchObject({ clientId: app('send-only').clientId, secret: app('send-only').secret });
    expect(app('expired').configSecretExpiresAt).toBe('2099-12-31');
    expect(compiled.data.apps.find((candidate) => candidate.clientId === app('expired').clientId)?.secrets?.[0]?.expiresAt).toBe('2026-01-31T23:59:59Z');
  });

  it('grants the roles that have admin consent, and no others', async () => {
    expect(roles((await token('send-only')).body.access_token)).toEqual(['Mail.Send']);
    expect(roles((await token('no-consent')).body.access_token)).toEqual([]);
    expect(roles((await token('half-consent')).body.access_token)).toEqual(['Mail.Send']);
    expect(roles((await token('no-consent', 'https://outlook.office365.com/.default')).body.access_token)).toEqual([]);
    expect(roles((await token('scoped', 'https://outlook.office365.com/.default')).body.access_token)).toEqual(['full_access_as_app']);
  });

  it('refuses an expired secret with AADSTS7000222', async () => {
    const refused = await token('expired');
    expect(refused.status).toBe(401);
    expect(refused.body.error_codes).toEqual([7000222]);
  });

  it('scopes an app to its mailboxes, and answers a disabled mailbox as Graph does', async () => {
    const scoped = (await token('scoped')).body.access_token as string;
    const outside = await client.get(`/v1.0/users/${DEMO.mailbox}/mailFolders/inbox`, { token: scoped });
    expect(outside.status).toBe(403);
    expect(outside.json().error.message).toBe('Access to OData is disabled.');
    const inside = await client.get('/v1.0/users/shared@contoso.onmicrosoft.com/messages', { token: scoped });
    expect(inside.status).toBe(200);
    expect(inside.json().value.map((message: { subject: string }) => message.subject)).toEqual(['seeded']);
    const gone = await client.get('/v1.0/users/gone@contoso.onmicrosoft.com/mailFolders/inbox', { token: (await token('send-only')).body.access_token });
    expect(gone.status).toBe(404);
    expect(gone.json().error.code).toBe('MailboxNotEnabledForRESTAPI');
  });
});
