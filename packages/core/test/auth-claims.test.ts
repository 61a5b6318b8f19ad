import { describe, expect, it } from 'vitest';
import { resolveAuthority } from '../src/auth/authority.js';
import { checkPermissions } from '../src/auth/check-permissions.js';
import { decodeClaims } from '../src/auth/decode-claims.js';
import type { TokenClaims } from '../src/auth/token-provider.js';

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

const base = { aud: 'https://graph.microsoft.com', iss: 'https://sts.windows.net/t/', tid: 't', exp: 1_900_000_000 };

describe('decodeClaims', () => {
  it('reads an app-only v1 token', () => {
    const claims = decodeClaims(jwt({ ...base, appid: 'app', roles: ['Mail.Send', 'Mail.ReadWrite'], ver: '1.0' }));
    expect(claims).toMatchObject({ ...base, appid: 'app', roles: ['Mail.Send', 'Mail.ReadWrite'], ver: '1.0' });
  });

  it('reads a delegated v2 token with an array audience', () => {
    const claims = decodeClaims(jwt({ ...base, aud: ['00000003-0000-0000-c000-000000000000'], azp: 'app', scp: 'Mail.Send Mail.Read' }));
    expect(claims.aud).toBe('00000003-0000-0000-c000-000000000000');
    expect(claims.scp).toBe('Mail.Send Mail.Read');
    expect(claims.roles).toBeUndefined();
  });

  it.each([
    ['not a JWT', 'opaque-token'],
    ['bad payload', 'a.%%%.c'],
    ['no aud', jwt({ exp: 1 })],
    ['no exp', jwt({ aud: 'x' })],
    ['array payload', `${Buffer.from('{}').toString('base64url')}.${Buffer.from('[1]').toString('base64url')}.s`],
  ])('refuses %s with INVALID_RESPONSE and never echoes the token', (_name, token) => {
    try {
      decodeClaims(token);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_RESPONSE' });
      expect(String((error as Error).message)).not.toContain(token);
    }
  });
});

describe('checkPermissions', () => {
  const appOnly = (roles: string[]): TokenClaims => ({ ...base, roles });

  it('passes Graph app-only with Mail.Send and Mail.ReadWrite', () => {
    expect(checkPermissions(appOnly(['Mail.Send', 'Mail.ReadWrite']), { transport: 'graph', operations: ['send', 'read', 'readwrite'] })).toEqual({
      ok: true,
      missing: [],
      hint: '',
    });
  });

  it('accepts Mail.Read for reading but not for readwrite', () => {
    expect(checkPermissions(appOnly(['Mail.Read']), { transport: 'graph', operations: ['read'] }).ok).toBe(true);
    const result = checkPermissions(appOnly(['Mail.Read']), { transport: 'graph', operations: ['readwrite'] });
    expect(result).toMatchObject({ ok: false, missing: ['Mail.ReadWrite'] });
  });

  it('names Mail.Send, the application permission and admin consent', () => {
    const result = checkPermissions(appOnly(['Mail.ReadWrite']), { transport: 'graph', operations: ['send', 'read'], kind: 'app-only' });
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual(['Mail.Send']);
    expect(result.hint).toContain('*application* permission');
    expect(result.hint).toContain('Microsoft Graph');
    expect(result.hint).toContain('Grant admin consent');
    expect(result.hint).toContain('API permissions');
  });

  it('EWS app-only needs full_access_as_app, whatever Graph roles the token has', () => {
    const result = checkPermissions(appOnly(['Mail.Send', 'Mail.ReadWrite']), { transport: 'ews', operations: ['send', 'read'] });
    expect(result.missing).toEqual(['full_access_as_app']);
    expect(result.hint).toContain('Office 365 Exchange Online');
    expect(checkPermissions(appOnly(['full_access_as_app']), { transport: 'ews', operations: ['send', 'readwrite'] }).ok).toBe(true);
  });

  it('reads scp for delegated tokens', () => {
    const delegated: TokenClaims = { ...base, scp: 'Mail.Send User.Read' };
    expect(checkPermissions(delegated, { transport: 'graph', operations: ['send'] }).ok).toBe(true);
    const result = checkPermissions(delegated, { transport: 'graph', operations: ['send', 'read'] });
    expect(result).toMatchObject({ ok: false, missing: ['Mail.ReadWrite'] });
    expect(result.hint).toContain('*delegated* permission');
    expect(checkPermissions({ ...base, scp: 'EWS.AccessAsUser.All' }, { transport: 'ews', operations: ['read'], kind: 'delegated' }).ok).toBe(true);
  });

  it('a token without roles lacks everything', () => {
    const result = checkPermissions({ ...base }, { transport: 'graph', operations: ['send', 'read'] });
    expect(result.missing).toEqual(['Mail.Send', 'Mail.ReadWrite']);
  });
});

describe('authority and scopes', () => {
  it('builds the authority and msal metadata for a custom host without discovery', () => {
    const info = resolveAuthority({ authorityHost: 'https://127.0.0.1:8443/', tenant: 'contoso.onmicrosoft.com' });
    expect(info.authority).toBe('https://127.0.0.1:8443/contoso.onmicrosoft.com');
    expect(info.tokenEndpoint).toBe('https://127.0.0.1:8443/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(info.knownAuthorities).toEqual(['127.0.0.1:8443']);
    expect(JSON.parse(info.authorityMetadata)).toMatchObject({ token_endpoint: info.tokenEndpoint, issuer: 'https://127.0.0.1:8443/contoso.onmicrosoft.com/v2.0' });
    expect(JSON.parse(info.cloudDiscoveryMetadata).metadata[0].aliases).toEqual(['127.0.0.1:8443']);
  });

  it('uses the national cloud authority host by default', () => {
    expect(resolveAuthority({ cloud: 'china', tenant: 't' }).authority).toBe('https://login.chinacloudapi.cn/t');
    expect(resolveAuthority({ cloud: 'usgov', tenant: 't' }).authority).toBe('https://login.microsoftonline.us/t');
  });
});
