/** Units below the HTTP layer of the Entra module: authority resolution, scope parsing, ids and formats. */
import { describe, expect, it } from 'vitest';
import { CONSUMERS_TENANT_ID, resolveAuthority } from '../src/entra/authority.js';
import { normaliseUserCode } from '../src/entra/device-codes.js';
import { EntraError, entraErrorBody, entraTimestamp } from '../src/entra/entra-error.js';
import { matchResource, v1Issuer } from '../src/entra/resources.js';
import { parseAppOnlyScope, parseDelegatedScopes } from '../src/entra/scopes.js';
import { isGuid, stableGuid } from '../src/entra/stable-guid.js';
import { TestDirectory } from './support/entra-harness.js';

const directory = new TestDirectory({
  tenants: [
    { id: '11111111-2222-3333-4444-555555555555', domains: ['contoso.onmicrosoft.com', 'Contoso.com'] },
    { id: '22222222-2222-3333-4444-555555555555', domains: ['live.example'], consumers: true },
  ],
  apps: [],
  users: [],
});

function aadsts(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof EntraError) return err.aadsts;
    throw err;
  }
  return undefined;
}

describe('resolveAuthority', () => {
  it('knows the special segments, GUIDs and verified domains (case-insensitive)', () => {
    expect(resolveAuthority('Common', directory)).toEqual({ kind: 'common', segment: 'common' });
    expect(resolveAuthority('organizations', directory).kind).toBe('organizations');
    expect(resolveAuthority('consumers', directory)).toMatchObject({ kind: 'consumers', tenant: { id: '22222222-2222-3333-4444-555555555555' } });
    expect(resolveAuthority('CONTOSO.COM', directory)).toMatchObject({ kind: 'tenant', tenant: { id: '11111111-2222-3333-4444-555555555555' } });
    expect(resolveAuthority('live.example', directory).kind).toBe('consumers');
  });

  it("without a seeded consumers tenant, `consumers` and Microsoft's MSA tenant id still resolve", () => {
    const bare = new TestDirectory({ tenants: [], apps: [], users: [] });
    expect(resolveAuthority('consumers', bare)).toMatchObject({ kind: 'consumers', tenant: { id: CONSUMERS_TENANT_ID } });
    expect(resolveAuthority(CONSUMERS_TENANT_ID, bare).kind).toBe('consumers');
  });

  it('answers 90002 for unknown (even odd-looking) names and 900023 for malformed ones', () => {
    expect(aadsts(() => resolveAuthority('99999999-2222-3333-4444-555555555555', directory))).toBe(90002);
    expect(aadsts(() => resolveAuthority('tenant_id', directory))).toBe(90002);
    expect(aadsts(() => resolveAuthority('fabrikam.com', directory))).toBe(90002);
    expect(aadsts(() => resolveAuthority('not a tenant', directory))).toBe(900023);
    expect(aadsts(() => resolveAuthority('a..b', directory))).toBe(900023);
  });
});

describe('scopes', () => {
  it('app-only: {resource}/.default by URI or app id, per cloud', () => {
    expect(parseAppOnlyScope('https://graph.microsoft.com/.default', 'global', 'x')).toEqual({ api: 'graph', uri: 'https://graph.microsoft.com' });
    expect(parseAppOnlyScope('00000003-0000-0000-c000-000000000000/.default', 'china', 'x')).toEqual({ api: 'graph', uri: 'https://microsoftgraph.chinacloudapi.cn' });
    expect(parseAppOnlyScope('https://outlook-dod.office365.us/.default', 'usgov-dod', 'x')).toEqual({ api: 'ews', uri: 'https://outlook-dod.office365.us' });
    expect(parseAppOnlyScope('https://graph.microsoft.com//.default', 'global', 'x').uri).toBe('https://graph.microsoft.com');
    expect(aadsts(() => parseAppOnlyScope('Mail.Send', 'global', 'x'))).toBe(1002012);
    expect(aadsts(() => parseAppOnlyScope('https://graph.microsoft.com/.default https://outlook.office365.com/.default', 'global', 'x'))).toBe(70011);
    expect(aadsts(() => parseAppOnlyScope('https://partner.outlook.cn/.default', 'global', 'x'))).toBe(500011);
    expect(aadsts(() => parseAppOnlyScope(null, 'global', 'x'))).toBe(900144);
  });

  it('delegated: short names are Graph, one resource per request, OpenID scopes apart', () => {
    const parsed = parseDelegatedScopes('Mail.Send User.Read openid offline_access', 'global', 'x');
    expect(parsed).toMatchObject({ resource: { api: 'graph' }, permissions: ['Mail.Send', 'User.Read'], oidc: ['openid', 'offline_access'], wantsDefault: false });
    expect(parseDelegatedScopes('https://outlook.office365.us/EWS.AccessAsUser.All', 'usgov', 'x').resource).toEqual({ api: 'ews', uri: 'https://outlook.office365.us' });
    expect(parseDelegatedScopes('https://graph.microsoft.com/.default', 'global', 'x').wantsDefault).toBe(true);
    expect(parseDelegatedScopes('openid profile', 'global', 'x').resource.api).toBe('graph');
    expect(aadsts(() => parseDelegatedScopes('Mail.Send https://outlook.office365.com/EWS.AccessAsUser.All', 'global', 'x'))).toBe(28000);
  });

  it("resources and v1 issuers follow the tenant's cloud", () => {
    expect(matchResource('https://graph.microsoft.us', 'usgov')).toEqual({ api: 'graph', uri: 'https://graph.microsoft.us' });
    expect(matchResource('https://graph.microsoft.us', 'global')).toBeUndefined();
    expect(v1Issuer('china', 't')).toBe('https://sts.chinacloudapi.cn/t/');
    expect(v1Issuer('usgov-dod', 't')).toBe('https://login.microsoftonline.us/t/');
  });
});

describe('formats', () => {
  it('stable GUIDs are well-formed and deterministic', () => {
    const a = stableGuid('service-principal', 'app', 'tenant');
    expect(isGuid(a)).toBe(true);
    expect(a).toBe(stableGuid('service-principal', 'app', 'tenant'));
    expect(a).not.toBe(stableGuid('service-principal', 'app', 'other'));
  });

  it("timestamps and error bodies are in Entra's format", () => {
    expect(entraTimestamp(Date.UTC(2022, 5, 18, 3, 16, 39, 123))).toBe('2022-06-18 03:16:39Z');
    const body = entraErrorBody(new EntraError(400, 'invalid_grant', 65001, 'text', 'consent_required'), { traceId: 't', correlationId: 'c', now: 0 }, 'https://h');
    expect(body).toEqual({
      error: 'invalid_grant',
      suberror: 'consent_required',
      error_description: 'AADSTS65001: text\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 1970-01-01 00:00:00Z',
      error_codes: [65001],
      timestamp: '1970-01-01 00:00:00Z',
      trace_id: 't',
      correlation_id: 'c',
      error_uri: 'https://h/error?code=65001',
    });
  });

  it('user codes are matched the way people type them', () => {
    expect(normaliseUserCode(' abc-def 123 ')).toBe('ABCDEF123');
  });
});
