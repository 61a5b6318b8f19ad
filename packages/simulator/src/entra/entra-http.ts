import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../server/http-types.js';
import { EntraError, type EntraTrace, entraErrorBody } from './entra-error.js';
import { isGuid } from './stable-guid.js';

/** The trace ids of one request: Entra uses the caller's `client-request-id` as the correlation id. */
export function traceFor(request: SimRequest, now: number): EntraTrace & { echo: string | undefined } {
  const header = request.headers['client-request-id'];
  const echo = typeof header === 'string' && header.length > 0 && header.length <= 64 ? header : undefined;
  return { traceId: randomUUID(), correlationId: echo && isGuid(echo) ? echo : randomUUID(), now, echo };
}

/** Headers Entra sends on every answer; token-endpoint answers are never cached, discovery documents are (a day). */
export function entraHeaders(trace: EntraTrace & { echo: string | undefined }, cache: 'no-store' | 'discovery', contentType = 'application/json; charset=utf-8'): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-ms-request-id': trace.traceId,
    'x-ms-ests-server': '2.1.21000.5 - mailbridge-simulator',
    'x-content-type-options': 'nosniff',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
  };
  if (cache === 'no-store') {
    headers['cache-control'] = 'no-store, no-cache';
    headers.pragma = 'no-cache';
    headers.expires = '-1';
  } else {
    headers['cache-control'] = 'max-age=86400, private';
    headers['access-control-allow-origin'] = '*';
    headers['access-control-allow-methods'] = 'GET, OPTIONS';
  }
  if (trace.echo !== undefined) headers['client-request-id'] = trace.echo;
  return headers;
}

/** A JSON answer. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string>): SimResponse {
  return { status, headers, body: JSON.stringify(body) };
}

/** An {@link EntraError} as Entra sends it. */
export function errorResponse(err: EntraError, trace: EntraTrace & { echo: string | undefined }, baseUrl: string): SimResponse {
  return jsonResponse(err.status, entraErrorBody(err, trace, baseUrl), entraHeaders(trace, 'no-store'));
}

/** The form body of a token-endpoint POST. */
export function readForm(request: SimRequest): URLSearchParams {
  return new URLSearchParams(request.body.toString('utf8'));
}

/** AADSTS900561: token and device-code endpoints answer only POST. */
export function postOnly(method: string): EntraError {
  return new EntraError(400, 'invalid_request', 900561, `The endpoint only accepts POST, OPTIONS requests. Received a ${method} request.`);
}
