import { createRetryPolicy, isOutcomeUnknown, MailbridgeError, Semaphore, sharedSemaphore } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { EwsXhr, type EwsXhrOptions } from '../src/ews-xhr.js';
import { emptySuccess, errorResponse, fakeHttp, fakeTokenProvider, serverBusyFault, soapResponse } from './support/fake-http.js';

const URL_ = 'https://ews.test/EWS/Exchange.asmx';
const BODY = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:FindItem/></soap:Body></soap:Envelope>';

function setup(respond: Parameters<typeof fakeHttp>[0], overrides: Partial<EwsXhrOptions> = {}, maxAttempts = 4) {
  const http = fakeHttp(respond);
  const waits: number[] = [];
  const tokens = fakeTokenProvider();
  const retry = createRetryPolicy({
    maxAttempts,
    maxDelayMs: 600_000,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  const xhr = new EwsXhr({
    http,
    authentication: { kind: 'bearer', tokenProvider: tokens },
    mailbox: 'alerts@contoso.com',
    anchorMailbox: true,
    authKind: 'app-only',
    limiter: new Semaphore(10),
    retry,
    ...overrides,
  });
  return { http, waits, tokens, xhr };
}

describe('EwsXhr: the HTTP layer under ews-javascript-api', () => {
  it('sends an EWS bearer token (never a Graph one), X-AnchorMailbox and the user agent', async () => {
    const { http, tokens, xhr } = setup(() => emptySuccess('FindItem'));
    await xhr.post(URL_, BODY, { retry: 'idempotent' });
    expect(tokens.resources).toEqual(['ews']);
    expect(http.requests[0]!.headers.authorization).toBe('Bearer fake-ews-token');
    expect(http.requests[0]!.headers['x-anchormailbox']).toBe('alerts@contoso.com');
    expect(http.requests[0]!.headers['user-agent']).toBe('mailbridge-test/1.0');
    expect(http.requests[0]!.headers['content-type']).toBe('text/xml; charset=utf-8');
  });

  it('honours ErrorServerBusy BackOffMilliseconds (SOAP fault), then succeeds', async () => {
    const { http, waits, xhr } = setup((_, index) => (index < 2 ? serverBusyFault(1234) : emptySuccess('FindItem')));
    const response = await xhr.post(URL_, BODY, { retry: 'idempotent' });
    expect(response.status).toBe(200);
    expect(http.requests).toHaveLength(3);
    expect(waits).toEqual([1234, 1234]);
  });

  it('retries ErrorServerBusy even for a send (nothing took effect) and ErrorServerBusy inside a 200', async () => {
    const busyIn200 = () => errorResponse('CreateItem', 'ErrorServerBusy', 'busy');
    const { http, xhr } = setup((_, index) => (index === 0 ? busyIn200() : index === 1 ? serverBusyFault(10) : emptySuccess('CreateItem')));
    await xhr.post(URL_, BODY, { retry: 'once' });
    expect(http.requests).toHaveLength(3);
  });

  it('gives up as THROTTLED when the server asks for a back-off longer than the budget', async () => {
    const { http, xhr } = setup(() => serverBusyFault(297_749), {
      retry: createRetryPolicy({ maxAttempts: 6, maxDelayMs: 120_000, sleep: async () => {} }),
    });
    const error = await mailbridgeFailure(xhr.post(URL_, BODY, { retry: 'idempotent' }));
    expect(error.code).toBe('THROTTLED');
    expect(error.details.serviceCode).toBe('ErrorServerBusy');
    expect(http.requests).toHaveLength(1);
  });

  it('retries 503 with Retry-After for any operation, and reports SERVICE_UNAVAILABLE after the budget', async () => {
    const unavailable = () => new Response('', { status: 503, headers: { 'retry-after': '2' } });
    const ok = setup((_, index) => (index === 0 ? unavailable() : emptySuccess('CreateItem')));
    await ok.xhr.post(URL_, BODY, { retry: 'once' });
    expect(ok.waits).toEqual([2000]);
    const down = setup(() => unavailable(), {}, 3);
    const error = await mailbridgeFailure(down.xhr.post(URL_, BODY, { retry: 'idempotent' }));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(down.http.requests).toHaveLength(3);
  });

  it('repeats reads after a connection reset, but reports a send reset as of unknown outcome', async () => {
    const reset = () => Promise.reject(new MailbridgeError({ code: 'NETWORK_ERROR', message: 'socket hang up', hint: 'x', retryable: true }));
    const read = setup((_, index) => (index === 0 ? reset() : emptySuccess('FindItem')));
    await read.xhr.post(URL_, BODY, { retry: 'idempotent' });
    expect(read.http.requests).toHaveLength(2);
    const send = setup(() => reset());
    const error = await mailbridgeFailure(send.xhr.post(URL_, BODY, { retry: 'once' }));
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(send.http.requests).toHaveLength(1);
  });

  it('repeats a send refused before it was sent (connection refused)', async () => {
    const refused = () => Promise.reject(new MailbridgeError({ code: 'NETWORK_ERROR', message: 'refused', hint: 'x', retryable: true, details: { requestSent: false } }));
    const { http, xhr } = setup((_, index) => (index === 0 ? refused() : emptySuccess('CreateItem')));
    await xhr.post(URL_, BODY, { retry: 'once' });
    expect(http.requests).toHaveLength(2);
  });

  it('renews the token once on 401, then maps x-ms-diagnostics "no permissions" to AUTH_MISSING_PERMISSION', async () => {
    const denied = () => new Response('', { status: 401, headers: { 'x-ms-diagnostics': '2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"' } });
    const { http, xhr } = setup(() => denied());
    const error = await mailbridgeFailure(xhr.post(URL_, BODY, { retry: 'idempotent' }));
    expect(http.requests).toHaveLength(2);
    expect(error.code).toBe('AUTH_MISSING_PERMISSION');
    expect(error.hint).toContain('full_access_as_app');
    expect(error.hint).toContain('Grant admin consent');
  });

  it('maps a 403 to EWS_BLOCKED_BY_POLICY naming the allow list and Graph', async () => {
    const { xhr } = setup(() => new Response('Forbidden', { status: 403 }));
    const error = await mailbridgeFailure(xhr.post(URL_, BODY, { retry: 'idempotent' }));
    expect(error.code).toBe('EWS_BLOCKED_BY_POLICY');
    expect(error.hint).toContain('Set-OrganizationConfig -EwsAllowedAppIDs');
    expect(error.hint).toContain('"transport": "graph"');
    // A bare 403 (no x-ms-diagnostics) to an app can also be an access policy / RBAC scope.
    expect(error.hint).toContain('Test-ServicePrincipalAuthorization');
    expect(error.hint).toMatch(/30 minutes to 2 hours/);
  });

  it('maps SOAP faults by response code (ErrorImpersonateUserDenied, ErrorNonExistentMailbox)', async () => {
    const fault = (code: string) =>
      new Response(
        `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>a:${code}</faultcode><faultstring>denied</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${code}</e:ResponseCode></detail></s:Fault></s:Body></s:Envelope>`,
        { status: 500 },
      );
    // An app refused a mailbox: its RBAC for Applications scope (or access policy) leaves it out, as Graph's 403 says.
    expect((await mailbridgeFailure(setup(() => fault('ErrorImpersonateUserDenied')).xhr.post(URL_, BODY, { retry: 'idempotent' }))).code).toBe('MAILBOX_ACCESS_DENIED');
    // An account refused: it lacks the ApplicationImpersonation role.
    const account = await mailbridgeFailure(setup(() => fault('ErrorImpersonateUserDenied'), { authKind: 'basic' }).xhr.post(URL_, BODY, { retry: 'idempotent' }));
    expect(account.code).toBe('EWS_IMPERSONATION_DENIED');
    expect(account.hint).toContain('ApplicationImpersonation');
    expect((await mailbridgeFailure(setup(() => fault('ErrorNonExistentMailbox')).xhr.post(URL_, BODY, { retry: 'idempotent' }))).code).toBe('MAILBOX_NOT_FOUND');
  });

  it('keeps at most 10 requests in flight per identity, across transports sharing it', async () => {
    const shared = sharedSemaphore('https://ews.test|app|alerts@contoso.com', 10);
    const again = sharedSemaphore('https://ews.test|app|alerts@contoso.com', 10);
    expect(again.semaphore).toBe(shared.semaphore);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const http = fakeHttp(async () => {
      await gate;
      return emptySuccess('FindItem');
    });
    const make = () =>
      new EwsXhr({
        http,
        authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() },
        mailbox: 'alerts@contoso.com',
        anchorMailbox: true,
        authKind: 'app-only',
        limiter: shared.semaphore,
        retry: createRetryPolicy({ maxAttempts: 1 }),
      });
    const first = make();
    const second = make();
    const calls = Array.from({ length: 25 }, (_, index) => (index % 2 ? first : second).post(URL_, BODY, { retry: 'idempotent' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(http.inFlight).toBe(10);
    release();
    await Promise.all(calls);
    expect(http.maxInFlight).toBe(10);
    expect(http.requests).toHaveLength(25);
    shared.release();
    again.release();
  });

  it('hands the library an XMLHttpRequest-like object and keeps the real error for the adapter', async () => {
    const { xhr } = setup(() => soapResponse('<x/>'));
    const response = (await xhr.xhr({ url: URL_, type: 'POST', data: BODY })) as unknown as { status: number; responseText: string; getResponseHeader(name: string): string | null };
    expect(response.status).toBe(200);
    expect(response.responseText).toContain('<x/>');
    expect(response.getResponseHeader('content-type')).toContain('text/xml');
  });
});
