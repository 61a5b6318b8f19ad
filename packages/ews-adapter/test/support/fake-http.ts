import type { AccessToken, BufferedHttpResponse, BufferedRequestInit, HttpClient, TokenProvider } from '@mailbridge/core';

/** One request the fake HTTP client received. */
export interface CapturedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * An HttpClient for unit tests of the layers above HTTP: it records requests and answers with what
 * `respond` returns. Integration tests use the simulator over real HTTPS instead.
 */
export function fakeHttp(respond: (request: CapturedRequest, index: number) => Response | Promise<Response>): HttpClient & { requests: CapturedRequest[]; inFlight: number; maxInFlight: number } {
  const answer = async (input: string | URL, headersInit: RequestInit['headers'], body: string): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(headersInit).forEach((value, key) => {
      headers[key] = value;
    });
    const request = { url: String(input), headers, body };
    const index = client.requests.push(request) - 1;
    client.inFlight++;
    client.maxInFlight = Math.max(client.maxInFlight, client.inFlight);
    try {
      return await respond(request, index);
    } finally {
      client.inFlight--;
    }
  };
  const client = {
    requests: [] as CapturedRequest[],
    inFlight: 0,
    maxInFlight: 0,
    userAgent: 'mailbridge-test/1.0',
    async fetch(input: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response> {
      const body = typeof init?.body === 'string' ? init.body : init?.body ? await new Response(init.body).text() : '';
      return answer(input, init?.headers, body);
    },
    async request(input: string | URL, init: BufferedRequestInit = {}): Promise<BufferedHttpResponse> {
      const body = typeof init.body === 'string' ? init.body : init.body ? new TextDecoder().decode(init.body) : '';
      const response = await answer(input, init.headers, body);
      return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()), url: String(input) };
    },
    async close() {},
  };
  return client;
}

/** A token provider that hands out a fixed fake token and records which resource was asked for. */
export function fakeTokenProvider(kind: 'app-only' | 'delegated' = 'app-only'): TokenProvider & { resources: string[] } {
  const resources: string[] = [];
  return {
    kind,
    resources,
    async getToken(resource): Promise<AccessToken> {
      resources.push(resource);
      return { token: `fake-${resource}-token`, expiresAt: new Date(Date.now() + 3600_000), claims: { aud: resource, iss: 'test', tid: 't', exp: 0 } };
    },
  };
}

const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const T = 'http://schemas.microsoft.com/exchange/services/2006/types';

/** A SOAP 200 response around `body`. */
export function soapResponse(body: string, status = 200): Response {
  return new Response(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>`, { status, headers: { 'content-type': 'text/xml; charset=utf-8' } });
}

/** A successful response of `operation` with no items (CreateItem with SendAndSaveCopy, UpdateItem...). */
export function emptySuccess(operation: string): Response {
  return soapResponse(
    `<m:${operation}Response xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:${operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items/></m:${operation}ResponseMessage></m:ResponseMessages></m:${operation}Response>`,
  );
}

/** ErrorServerBusy as Exchange sends it: a SOAP fault (HTTP 500) with BackOffMilliseconds. */
export function serverBusyFault(backOffMs: number): Response {
  return new Response(
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
      `<faultcode xmlns:a="${T}">a:ErrorServerBusy</faultcode><faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>` +
      `<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>` +
      `<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>` +
      `<t:MessageXml xmlns:t="${T}"><t:Value Name="BackOffMilliseconds">${backOffMs}</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>`,
    { status: 500, headers: { 'content-type': 'text/xml; charset=utf-8' } },
  );
}

/** A ResponseMessage with ResponseClass="Error" inside a 200. */
export function errorResponse(operation: string, code: string, text = 'error'): Response {
  return soapResponse(
    `<m:${operation}Response xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:${operation}ResponseMessage ResponseClass="Error"><m:MessageText>${text}</m:MessageText><m:ResponseCode>${code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:${operation}ResponseMessage></m:ResponseMessages></m:${operation}Response>`,
  );
}
