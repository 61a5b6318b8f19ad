import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../server/http-types.js';

/** A Graph error to answer with: thrown anywhere in a handler, turned into Graph's error shape. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Graph's `innerError.date`: ISO 8601 without fraction or zone, as Graph prints it. */
function innerDate(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 19);
}

/** Per-response identifiers Graph sends on every answer: request-id, client-request-id echo, diagnostics. */
export function graphResponseHeaders(request: SimRequest, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {
    'request-id': requestId,
    'client-request-id': (request.headers['client-request-id'] as string | undefined) ?? requestId,
    'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Simulator","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"SIM"}}',
    'cache-control': 'no-cache',
  };
  return headers;
}

/**
 * Graph's error body: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`
 * with the same ids in the headers.
 */
export function graphErrorResponse(request: SimRequest, nowMs: number, status: number, code: string, message: string, extraHeaders: Record<string, string> = {}): SimResponse {
  const requestId = randomUUID();
  const headers: Record<string, string> = { ...graphResponseHeaders(request, requestId), 'content-type': 'application/json', ...extraHeaders };
  const body = {
    error: {
      code,
      message,
      innerError: { date: innerDate(nowMs), 'request-id': requestId, 'client-request-id': headers['client-request-id'] },
    },
  };
  return { status, headers, body: JSON.stringify(body) };
}

/** Graph's TooManyRequests body (concepts/throttling.md), which also carries code/status in innerError. */
export function tooManyRequestsResponse(request: SimRequest, nowMs: number, retryAfterSeconds: number): SimResponse {
  const requestId = randomUUID();
  const headers: Record<string, string> = { ...graphResponseHeaders(request, requestId), 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds) };
  const body = {
    error: {
      code: 'TooManyRequests',
      innerError: {
        code: '429',
        date: innerDate(nowMs),
        message: 'Please retry after',
        'request-id': requestId,
        status: '429',
        'client-request-id': headers['client-request-id'],
      },
      message: 'Please retry again later.',
    },
  };
  return { status: 429, headers, body: JSON.stringify(body) };
}

/** The status-fault answers in Graph's shape (injected 429/5xx). */
export function graphStatusResponse(request: SimRequest, nowMs: number, status: number, options: { retryAfterSeconds?: number; message?: string }): SimResponse {
  const retry: Record<string, string> = options.retryAfterSeconds !== undefined ? { 'retry-after': String(options.retryAfterSeconds) } : {};
  switch (status) {
    case 429:
      return tooManyRequestsResponse(request, nowMs, options.retryAfterSeconds ?? 1);
    case 503:
      return graphErrorResponse(request, nowMs, 503, 'ServiceUnavailable', options.message ?? 'Service Unavailable', retry);
    case 504:
      return graphErrorResponse(request, nowMs, 504, 'GatewayTimeout', options.message ?? 'Gateway Timeout', retry);
    case 502:
      return graphErrorResponse(request, nowMs, 502, 'BadGateway', options.message ?? 'Bad Gateway', retry);
    case 413:
      return graphErrorResponse(request, nowMs, 413, 'RequestEntityTooLarge', options.message ?? 'The request is too large.', retry);
    default:
      return graphErrorResponse(request, nowMs, status, status >= 500 ? 'InternalServerError' : 'BadRequest', options.message ?? 'An internal server error occurred. The operation failed.', retry);
  }
}
