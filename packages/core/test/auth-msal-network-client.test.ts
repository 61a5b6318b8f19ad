import { describe, expect, it } from 'vitest';
import { MsalNetworkClient } from '../src/auth/msal-network-client.js';
import { MailbridgeError } from '../src/errors/index.js';
import type { HttpClient } from '../src/http/http-client.js';

/** An HttpClient answering from a function (the unit under test is the msal adapter, not HTTP). */
function client(answer: (url: string, init: RequestInit & { timeoutMs?: number }) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit & { timeoutMs?: number } }> = [];
  const http: HttpClient = {
    userAgent: 'test',
    close: async () => undefined,
    request: async () => {
      throw new Error('msal never uploads');
    },
    fetch: async (input, init = {}) => {
      calls.push({ url: String(input), init });
      return answer(String(input), init);
    },
  };
  return { http, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('MsalNetworkClient', () => {
  it('sends msal requests through the HttpClient with headers, body and the configured timeout', async () => {
    const { http, calls } = client(() => json(200, { access_token: 'a', expires_in: 3599 }, { 'x-ms-request-id': 'r1' }));
    const network = new MsalNetworkClient(http, 12_000);
    const response = await network.sendPostRequestAsync<{ access_token: string }>('https://login.example/t/oauth2/v2.0/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      correlationId: 'c1',
    });
    expect(response).toMatchObject({ status: 200, body: { access_token: 'a' }, headers: { 'x-ms-request-id': 'r1' } });
    expect(calls[0]).toMatchObject({ url: 'https://login.example/t/oauth2/v2.0/token', init: { method: 'POST', body: 'grant_type=client_credentials', timeoutMs: 12_000 } });
    expect(network.takeFailure('c1')).toBeUndefined();
  });

  it('gives Entra 4xx answers to msal and keeps the raw body for the error mapping', async () => {
    const body = { error: 'invalid_client', error_codes: [7000215], trace_id: 't', correlation_id: 'c2' };
    const network = new MsalNetworkClient(client(() => json(401, body)).http);
    const response = await network.sendPostRequestAsync('https://login.example/t/oauth2/v2.0/token', { correlationId: 'c2' });
    expect(response.status).toBe(401);
    expect(network.takeFailure('c2')).toEqual({ status: 401, body });
    expect(network.takeFailure('c2')).toBeUndefined(); // taken once
  });

  it('turns 429 and 5xx into retryable errors itself, so msal never caches a throttle', async () => {
    const network = new MsalNetworkClient(client(() => json(429, { error: 'temporarily_unavailable' }, { 'retry-after': '7' })).http);
    const error = await network.sendPostRequestAsync('https://login.example/t/token', { correlationId: 'c3' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'THROTTLED', retryable: true, details: { status: 429, retryAfterMs: 7000 } });
    expect(network.takeFailure('c3')?.error).toBe(error);

    const outage = new MsalNetworkClient(client(() => json(503, { error: 'temporarily_unavailable', error_codes: [90033] })).http);
    await expect(outage.sendPostRequestAsync('https://login.example/t/token')).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryable: true,
      details: { aadsts: 90033 },
    });
  });

  it('reports a non-JSON answer (a proxy page) as INVALID_RESPONSE naming endpoints.authorityHost', async () => {
    const network = new MsalNetworkClient(client(() => new Response('<html>blocked</html>', { status: 403, headers: { 'content-type': 'text/html' } })).http);
    await expect(network.sendGetRequestAsync('https://login.example/t/v2.0/.well-known/openid-configuration')).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
      hint: expect.stringContaining('endpoints.authorityHost'),
    });
  });

  it("records the HttpClient's own errors (network, TLS) as they are", async () => {
    const tls = new MailbridgeError({ code: 'TLS_ERROR', message: 'untrusted', hint: 'set network.caFile' });
    const network = new MsalNetworkClient(client(() => Promise.reject(tls)).http);
    await expect(network.sendPostRequestAsync('https://login.example/t/token', { correlationId: 'c4' })).rejects.toBe(tls);
    expect(network.takeFailure('c4')).toEqual({ error: tls });

    const plain = new MsalNetworkClient(client(() => Promise.reject(new TypeError('fetch failed'))).http);
    await expect(plain.sendPostRequestAsync('https://login.example/t/token')).rejects.toMatchObject({ code: 'NETWORK_ERROR', retryable: true });

    // Another HttpClient's bare "fetch failed": the cause it wraps is what the message and hint say.
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4431'), { code: 'ECONNREFUSED' });
    const wrapped = new MsalNetworkClient(client(() => Promise.reject(new TypeError('fetch failed', { cause: refused }))).http);
    const error = await wrapped.sendPostRequestAsync('https://127.0.0.1:4431/t/token').catch((caught: MailbridgeError) => caught);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', message: 'Could not reach Entra ID at https://127.0.0.1:4431: connect ECONNREFUSED 127.0.0.1:4431 (ECONNREFUSED).' });
    expect((error as MailbridgeError).hint).toContain('Nothing accepts connections at 127.0.0.1:4431');
  });
});
