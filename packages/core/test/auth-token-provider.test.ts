import { describe, expect, it } from 'vitest';
import { createTokenProvider } from '../src/auth/create-token-provider.js';
import { parseConfig } from '../src/config/parse-config.js';
import type { HttpClient } from '../src/http/http-client.js';

// Token requests themselves are tested against the simulator (packages/simulator/test/token-provider*.test.ts).
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

const base = { transport: 'graph', mailbox: 'alerts@contoso.com' };

describe('createTokenProvider', () => {
  it('gives an app-only provider for client-credentials, without any request or secret lookup yet', () => {
    const { config } = parseConfig({ ...base, auth: { tenant: 'contoso.onmicrosoft.com', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'UNSET_ON_PURPOSE' } } }, { env: {} });
    expect(createTokenProvider(config, { http }).kind).toBe('app-only');
  });

  it('refuses basic/NTLM, which have no tokens', () => {
    const { config } = parseConfig({ ...base, transport: 'ews', endpoints: { ews: 'https://mail.contoso.com/EWS/Exchange.asmx' }, auth: { flow: 'ntlm', username: 'svc', password: { env: 'P' } } }, { env: {} });
    expect(() => createTokenProvider(config, { http })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('rejects an unknown resource instead of asking Entra for it', async () => {
    const { config } = parseConfig({ ...base, auth: { tenant: 'contoso.onmicrosoft.com', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: 'x~value-of-a-secret' } }, { env: {} });
    await expect(createTokenProvider(config, { http }).getToken('smtp' as never)).rejects.toMatchObject({ code: 'USAGE' });
  });
});
