import { createServer } from 'node:net';
import { createRetryPolicy, type HttpClient, Semaphore } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { EwsXhr } from '../src/ews-xhr.js';
import { fakeTokenProvider } from './support/fake-http.js';

const BODY = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:FindItem/></soap:Body></soap:Envelope>';

/** A caller's own HttpClient: plain `fetch`, which throws undici's bare "fetch failed". */
const plainFetch: HttpClient = { userAgent: 'own-client/1.0', fetch: (input, init) => fetch(input, init), close: async () => undefined };

function ownClientXhr(): EwsXhr {
  return new EwsXhr({
    http: plainFetch,
    authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() },
    mailbox: 'alerts@contoso.com',
    anchorMailbox: true,
    authKind: 'app-only',
    limiter: new Semaphore(4),
    retry: createRetryPolicy({ maxAttempts: 2, sleep: async () => undefined }),
  });
}

// Issue 15, item 15: undici's bare "fetch failed" (from an HTTP client other than core's) reached
// the user without the cause it wraps. Core maps it, for EWS as for Graph.
describe('EWS through a caller’s own HTTP client', () => {
  it('names the cause a bare "fetch failed" wraps (a refused connection), with its hint; never sent, so retried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const error = await mailbridgeFailure(ownClientXhr().post(`https://127.0.0.1:${port}/EWS/Exchange.asmx`, BODY, { retry: 'once' }));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', details: { requestSent: false, attempts: 2 } });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('fetch failed');
    expect(error.hint).toContain(`Nothing accepts connections at 127.0.0.1:${port}`);
  });

  it('says what a cause without a code says (fetch refuses a blocked port), not "fetch failed"', async () => {
    const error = await mailbridgeFailure(ownClientXhr().post('https://127.0.0.1:6000/EWS/Exchange.asmx', BODY, { retry: 'idempotent' }));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toContain('blocked ports');
    expect(error.hint).toContain('6000');
  });
});
