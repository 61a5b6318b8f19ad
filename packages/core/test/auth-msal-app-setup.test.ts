import { LogLevel } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { msalAppSetup, toAccessToken } from '../src/auth/msal-app-setup.js';
import { unknownResourceError } from '../src/auth/provider-token-cache.js';
import { parseConfig } from '../src/config/parse-config.js';
import type { HttpClient } from '../src/http/http-client.js';
import { createRedactor } from '../src/redact/index.js';

// The setup never sends a request; any call would be a bug.
const http: HttpClient = {
  userAgent: 'test',
  close: async () => undefined,
  request: async () => {
    throw new Error('no upload expected');
  },
  fetch: async () => {
    throw new Error('no request expected');
  },
};

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('msalAppSetup', () => {
  const { config } = parseConfig(
    {
      transport: 'graph',
      mailbox: 'alerts@contoso.com',
      cloud: 'usgov',
      endpoints: { authorityHost: 'https://127.0.0.1:4443/' },
      auth: { tenant: 'contoso.onmicrosoft.com', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'UNSET' } },
    },
    { env: {} },
  );

  it('gives msal the configured authority with its metadata, so msal never runs instance discovery', () => {
    const setup = msalAppSetup(config, 'contoso.onmicrosoft.com', { http }, undefined, createRedactor());
    expect(setup.cloud).toBe('usgov');
    expect(setup.msalAuth.authority).toBe('https://127.0.0.1:4443/contoso.onmicrosoft.com');
    expect(setup.msalAuth.knownAuthorities).toEqual(['127.0.0.1:4443']);
    expect(JSON.parse(setup.msalAuth.authorityMetadata).token_endpoint).toBe('https://127.0.0.1:4443/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(setup.msalSystem.networkClient).toBe(setup.network);
  });

  it('sends msal warnings to the debug log with secrets redacted and no PII', () => {
    const redactor = createRedactor();
    redactor.addSecret('a-registered-secret-value');
    const records: string[] = [];
    const logger = { debug: (message: string) => records.push(message) } as never;
    const { msalSystem } = msalAppSetup(config, 'contoso.onmicrosoft.com', { http }, logger, redactor);
    expect(msalSystem.loggerOptions?.piiLoggingEnabled).toBe(false);
    expect(msalSystem.loggerOptions?.logLevel).toBe(LogLevel.Warning);
    msalSystem.loggerOptions?.loggerCallback?.(LogLevel.Warning, 'bad client a-registered-secret-value', false);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatch(/^msal: bad client /);
    expect(records[0]).not.toContain('a-registered-secret-value');
  });
});

describe('toAccessToken', () => {
  it("carries msal's wall-clock lifetime onto the provider's clock", () => {
    const accessToken = jwt({ aud: 'https://graph.microsoft.com', tid: 't', exp: 2_000_000_000 });
    const wallClockBefore = 1_700_000_000_000;
    const token = toAccessToken({ accessToken, expiresOn: new Date(wallClockBefore + 3_600_000) } as never, wallClockBefore, 5_000);
    expect(token.token).toBe(accessToken);
    expect(token.expiresAt.getTime()).toBe(5_000 + 3_600_000);
    expect(token.claims.tid).toBe('t');
  });

  it('falls back to the exp claim when msal gives no expiresOn', () => {
    const accessToken = jwt({ aud: 'https://graph.microsoft.com', tid: 't', exp: 1_700_000_600 });
    const token = toAccessToken({ accessToken, expiresOn: null } as never, 1_700_000_000_000, 0);
    expect(token.expiresAt.getTime()).toBe(600_000);
  });
});

describe('unknownResourceError', () => {
  it('accepts graph and ews and refuses anything else with USAGE', () => {
    expect(unknownResourceError('graph')).toBeUndefined();
    expect(unknownResourceError('ews')).toBeUndefined();
    expect(unknownResourceError('smtp')).toMatchObject({ code: 'USAGE', hint: 'Ask for "graph" or "ews".' });
  });
});
