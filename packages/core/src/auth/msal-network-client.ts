import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { MailbridgeError } from '../errors/index.js';
import type { HttpClient } from '../http/http-client.js';
import { describeNetworkCause } from '../http/map-network-error.js';
import { MAX_ANSWER_DEPTH, nestsDeeperThan, tooDeeplyNested } from '../http/nesting-depth.js';
import { readText } from '../http/read-body.js';
import { isRedirectStatus, redirectRefused } from '../http/redirect-refused.js';

/** What went wrong on the wire for one msal-node request, kept so we can explain it (msal keeps only a summary). */
export interface NetworkFailure {
  /** The HTTP status, when the server answered. */
  status?: number;
  /** The parsed JSON error body (Entra's `{ error, error_description, error_codes, trace_id, correlation_id }`). */
  body?: Record<string, unknown>;
  /** A mailbridge error already decided here (network, TLS, proxy, timeout, 5xx/429). */
  error?: MailbridgeError;
}

/** Entra answers more than this only when something is badly wrong (a captive portal, a proxy page). */
const MAX_BODY_CHARS = 1_000_000;

/**
 * msal-node's network module on mailbridge's {@link HttpClient}, so token requests honour
 * `network.proxy`, `network.caFile`, `network.timeoutMs` and the user agent like every other
 * request (recent msal-node majors dropped their own proxy options).
 *
 * It also keeps control of failures that msal-node would otherwise hide: msal wraps any exception
 * of a network module into a generic `network_error`, and it remembers a 429/5xx answer for up to a
 * minute, refusing further requests from its "throttling cache". So for a transport failure or a
 * 429/5xx we record a precise {@link MailbridgeError} under the request's correlation id and throw;
 * the token provider takes it back with {@link MsalNetworkClient.takeFailure} and applies its own
 * retry policy. 4xx answers (Entra's AADSTS errors) go to msal as usual, and their raw body is
 * recorded too, since msal folds trace and correlation ids into a message string.
 */
export class MsalNetworkClient implements INetworkModule {
  private readonly failures = new Map<string, NetworkFailure>();

  constructor(
    private readonly http: HttpClient,
    private readonly timeoutMs?: number,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  /** The failure recorded for a correlation id, removed from the record. */
  takeFailure(correlationId: string | undefined): NetworkFailure | undefined {
    if (correlationId === undefined) return undefined;
    const failure = this.failures.get(correlationId);
    this.failures.delete(correlationId);
    return failure;
  }

  /** Forgets a correlation id's record (after a success, or when the caller did not need it). */
  forget(correlationId: string): void {
    this.failures.delete(correlationId);
  }

  private record(correlationId: string | undefined, failure: NetworkFailure): void {
    if (correlationId === undefined) return;
    // Bounded: entries are taken back by the provider; this only guards against a leak if msal
    // fails before our code sees the error.
    if (this.failures.size > 100) this.failures.clear();
    this.failures.set(correlationId, failure);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const correlationId = options?.correlationId;
    // Token requests carry the client secret, a client assertion, a refresh token or a device code:
    // a redirect must never take them to another host (core's client refuses it too; a caller's own
    // HttpClient may not).
    const init: RequestInit & { timeoutMs?: number } = { method, headers: options?.headers ?? {}, redirect: 'manual' };
    if (method === 'POST') init.body = options?.body ?? '';
    const timeoutMs = timeout ?? this.timeoutMs;
    if (timeoutMs !== undefined) init.timeoutMs = timeoutMs;

    let response: Response;
    try {
      response = await this.http.fetch(url, init);
    } catch (cause) {
      // Core's client maps its failures itself; another HttpClient throws undici's bare "fetch
      // failed", whose cause (ECONNREFUSED, ENOTFOUND, a certificate error) is what the user needs.
      const described = MailbridgeError.isInstance(cause) ? undefined : describeNetworkCause(cause, url);
      const error = MailbridgeError.isInstance(cause)
        ? cause
        : new MailbridgeError({
            code: described!.tls ? 'TLS_ERROR' : 'NETWORK_ERROR',
            message: `Could not reach Entra ID at ${new URL(url).origin}: ${described!.reason}.`,
            hint: described!.code ? described!.hint : 'Check the network path to the authority host (endpoints.authorityHost), network.proxy and network.caFile.',
            cause,
            retryable: !described!.tls,
          });
      this.record(correlationId, { error });
      throw error;
    }

    if (isRedirectStatus(response.status) || response.type === 'opaqueredirect') {
      await response.body?.cancel().catch(() => undefined);
      const error = redirectRefused(url, response.status, response.headers.get('location'));
      this.record(correlationId, { status: response.status, error });
      throw error;
    }

    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    // Bounded: an endless body from a broken proxy or a hostile endpoint ends in INVALID_RESPONSE.
    let text: string;
    try {
      text = await readText(response, { maxBytes: MAX_BODY_CHARS * 4 });
    } catch (cause) {
      const error = MailbridgeError.isInstance(cause)
        ? cause
        : new MailbridgeError({
            code: 'NETWORK_ERROR',
            message: `The answer of Entra ID at ${new URL(url).origin} was cut off.`,
            hint: 'Check the network path to the authority host (endpoints.authorityHost) and network.proxy.',
            cause,
            retryable: true,
          });
      this.record(correlationId, { error });
      throw error;
    }
    let body: unknown;
    try {
      body = text.length > MAX_BODY_CHARS ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    // msal-node and the error mapping walk the answer recursively: refuse a hostile nesting depth here.
    if (nestsDeeperThan(body, MAX_ANSWER_DEPTH)) {
      const error = tooDeeplyNested(`Entra ID at ${new URL(url).origin}`, { status: response.status });
      this.record(correlationId, { status: response.status, error });
      throw error;
    }
    const jsonBody = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;

    if (response.status === 429 || response.status >= 500) {
      const error = serviceError(response.status, headers, jsonBody, new URL(url).origin);
      this.record(correlationId, { status: response.status, ...(jsonBody ? { body: jsonBody } : {}), error });
      throw error;
    }
    if (jsonBody === undefined) {
      const error = new MailbridgeError({
        code: 'INVALID_RESPONSE',
        message: `Entra ID at ${new URL(url).origin} answered HTTP ${response.status} with something that is not JSON.`,
        hint: 'Something between mailbridge and Entra ID (a proxy, a captive portal, a wrong endpoints.authorityHost) answered instead of Entra ID. Check endpoints.authorityHost and network.proxy.',
        details: { status: response.status },
      });
      this.record(correlationId, { status: response.status, error });
      throw error;
    }
    if (response.status >= 400) this.record(correlationId, { status: response.status, body: jsonBody });
    return { headers, body: jsonBody as T, status: response.status };
  }
}

function serviceError(status: number, headers: Record<string, string>, body: Record<string, unknown> | undefined, origin: string): MailbridgeError {
  const retryAfterSeconds = Number(headers['retry-after']);
  const codes = Array.isArray(body?.error_codes) ? (body.error_codes as unknown[]) : [];
  const aadsts = typeof codes[0] === 'number' ? codes[0] : undefined;
  const details: Record<string, unknown> = { status };
  if (aadsts !== undefined) details.aadsts = aadsts;
  if (typeof body?.correlation_id === 'string') details.correlationId = body.correlation_id;
  if (typeof body?.trace_id === 'string') details.traceId = body.trace_id;
  if (Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) details.retryAfterMs = retryAfterSeconds * 1000;
  const throttled = status === 429;
  return new MailbridgeError({
    code: throttled ? 'THROTTLED' : 'SERVICE_UNAVAILABLE',
    message: throttled ? `Entra ID at ${origin} is throttling token requests (HTTP 429).` : `Entra ID at ${origin} is unavailable (HTTP ${status})${aadsts !== undefined ? ` (AADSTS${aadsts})` : ''}.`,
    hint: throttled
      ? 'Too many token requests: mailbridge caches tokens per process, so look for many processes or restarts in a loop. It retries on its own; try again later.'
      : 'This is usually a short outage of Entra ID; mailbridge retries on its own. If it lasts, check https://status.cloud.microsoft (or your proxy).',
    details,
    retryable: true,
  });
}
