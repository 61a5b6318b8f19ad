import {
  type HttpClient,
  isRedirectStatus,
  MAX_ANSWER_DEPTH,
  MailbridgeError,
  mapFetchFailure,
  type RetryPolicy,
  readText,
  redirectRefused,
  requestBuffered,
  type Semaphore,
  type TokenProvider,
  tooDeeplyNested,
  xmlNestsDeeperThan,
} from '@mailbridge/core';
import type { IXHRApi, IXHROptions, IXHRProgress } from 'ews-javascript-api';
import { callContext, type EwsCallContext } from './http/call-context.js';
import { NtlmAuthenticator } from './http/ntlm-authenticator.js';
import { backOffMilliseconds, faultString, isServerBusy, messageText, responseCode, soapOperation } from './http/soap-inspect.js';
import { type EwsFailure, mapEwsError } from './map-ews-error.js';

/** How requests authenticate. Secrets stay inside this object; they are never logged. */
export type EwsAuthentication =
  | { kind: 'bearer'; tokenProvider: TokenProvider }
  | { kind: 'basic'; username: string; password: PasswordSource; domain?: string }
  | { kind: 'ntlm'; username: string; password: PasswordSource; domain?: string; workstation?: string; caPem?: string | Buffer };

/** A password, or a function giving it when first needed (core resolves `{env}`/`{file}` references lazily). */
export type PasswordSource = string | (() => Promise<string>);

/** The password of a {@link PasswordSource}. */
export async function passwordOf(source: PasswordSource): Promise<string> {
  return typeof source === 'string' ? source : source();
}

type XhrResult = Awaited<ReturnType<IXHRApi['xhr']>>;

/** Options of {@link EwsXhr}. */
export interface EwsXhrOptions {
  http: HttpClient;
  authentication: EwsAuthentication;
  /** The mailbox acted on: sent as `X-AnchorMailbox` when {@link anchorMailbox}, and named in errors. */
  mailbox: string;
  /** Send `X-AnchorMailbox`: Microsoft requires it with impersonation (it routes to the mailbox's server). */
  anchorMailbox: boolean;
  /** `app-only` | `delegated` | `basic` | `ntlm`: chooses the hints of authentication errors. */
  authKind: EwsFailure['auth'];
  limiter: Semaphore;
  /** Core's retry policy: throttling, 5xx and network failures are retried within its budget. */
  retry: RetryPolicy;
  /** Per-request time limit; core's HTTP client applies it (ews-javascript-api ignores its own `Timeout`). */
  timeoutMs?: number;
  /** Told of every retry (for the logger): never given headers or bodies. */
  onRetry?: (event: { operation?: string; attempt: number; delayMs: number; code?: string }) => void;
}

/** A finished SOAP exchange: status 200 with a SOAP body that is not ErrorServerBusy. */
export interface EwsResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * The HTTP layer under ews-javascript-api (its `IXHRApi`), set per service (`service.XHRApi`), never
 * globally (`ConfigurationApi.ConfigureXHR`), so transports with different settings live side by side.
 * Every request goes through core's HTTP client (proxy, CA file, a time limit that is applied, user
 * agent), carries the identity's credentials and `X-AnchorMailbox`, takes a slot of the identity's
 * concurrency limit, and is retried by core's retry policy on ErrorServerBusy (waiting its
 * BackOffMilliseconds), 503/429 (Retry-After) and, when the operation is safe to repeat, on network
 * failures and gateway errors. Failures become MailbridgeErrors; the library only ever sees 200s.
 */
export class EwsXhr implements IXHRApi {
  readonly apiName = 'mailbridge';
  private readonly ntlm?: NtlmAuthenticator;
  /** The app's client id from the last token's claims: hints name it in PowerShell commands. */
  clientId?: string;

  constructor(private readonly options: EwsXhrOptions) {
    if (options.authentication.kind === 'ntlm') this.ntlm = new NtlmAuthenticator(options.authentication);
  }

  /** Called by ews-javascript-api for every request. */
  async xhr(request: IXHROptions, _progress?: (progress: IXHRProgress) => void): Promise<XhrResult> {
    const context: EwsCallContext = callContext.getStore() ?? { retry: 'idempotent' };
    try {
      const response = await this.post(request.url, String(request.data ?? ''), context);
      context.error = undefined;
      return toXhrLike(response) as unknown as XhrResult;
    } catch (error) {
      // The library turns a rejection into its own SoapFaultDetails and loses the error: keep it.
      context.error = error as MailbridgeError;
      throw error;
    }
  }

  /** Streaming notifications are not used by mailbridge. */
  xhrStream(_request: IXHROptions, _progress: (progress: IXHRProgress) => void): Promise<XhrResult> {
    return Promise.reject(new Error('mailbridge does not use EWS streaming notifications'));
  }

  disconnect(): void {}

  /** Closes the NTLM connections (the pooled HTTP client belongs to core and is closed there). */
  close(): void {
    this.ntlm?.close();
  }

  /**
   * Posts one SOAP request and returns the 200 response. `body` may be a factory of a stream (a
   * large attachment is streamed, never held whole): it is called once per attempt.
   */
  post(url: string, body: string | (() => ReadableStream<Uint8Array>), context: EwsCallContext, operationName?: string): Promise<EwsResponse> {
    const operation = operationName ?? (typeof body === 'string' ? soapOperation(body) : undefined);
    const signal = context.signal;
    return this.options.retry.execute(() => this.attempt(url, body, operation, signal), {
      idempotent: context.retry === 'idempotent',
      ...(signal ? { signal } : {}),
      onRetry: (info) =>
        this.options.onRetry?.({
          ...(operation ? { operation } : {}),
          attempt: info.attempt,
          delayMs: info.delayMs,
          ...(MailbridgeError.isInstance(info.error) ? { code: String(info.error.details.serviceCode ?? info.error.code) } : {}),
        }),
    });
  }

  private async attempt(url: string, body: string | (() => ReadableStream<Uint8Array>), operation: string | undefined, signal: AbortSignal | undefined): Promise<EwsResponse> {
    // A slot is held only while a request is on the wire, not while the retry policy waits.
    const release = await this.options.limiter.acquire(signal);
    try {
      let refreshed = false;
      for (;;) {
        const response = await this.send(url, body, signal, refreshed);
        const { text, status } = response;
        if (status === 200 && !isServerBusy(text)) {
          // An empty or non-XML 200 (JSON, a proxy's page) would fail deep in the SOAP parser with a JS error.
          if (!/^\s*</.test(text)) throw notSoap(url, response);
          // ews-javascript-api turns the XML into objects recursively: a hostile answer thousands of
          // levels deep would overflow the stack there and surface as a meaningless library error.
          if (xmlNestsDeeperThan(text, MAX_ANSWER_DEPTH)) throw tooDeeplyNested(`EWS at ${url.split('?')[0]}`, { status, ...(operation ? { operation } : {}) });
          return { status, headers: response.headers, text };
        }
        // NTLM's own connections do not follow redirects either; a redirect is an error naming where it pointed.
        if (isRedirectStatus(status)) throw redirectRefused(url, status, response.headers.get('location'));
        if (status === 401 && this.options.authentication.kind === 'bearer' && !refreshed) {
          // A token revoked or expired early (clock skew): one fresh token, then a 401 stands.
          refreshed = true;
          continue;
        }
        throw this.failure(response, text, operation);
      }
    } finally {
      release();
    }
  }

  /** One POST, its answer read whole (bounded: an endless body ends in INVALID_RESPONSE, not in memory). */
  private async send(url: string, body: string | (() => ReadableStream<Uint8Array>), signal: AbortSignal | undefined, forceRefresh: boolean): Promise<EwsAnswer> {
    const headers = await this.headers(signal, forceRefresh);
    try {
      if (typeof body === 'string' && !this.ntlm) {
        // The common case: a SOAP text through core's buffered request (no fetch machinery).
        const answer = await requestBuffered(this.options.http, url, {
          method: 'POST',
          headers,
          body,
          maxResponseBytes: MAX_EWS_RESPONSE_BYTES,
          ...(signal ? { signal } : {}),
          ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
        });
        return { status: answer.status, headers: answer.headers, text: new TextDecoder().decode(answer.body) };
      }
      const streamed = typeof body !== 'string';
      const init: RequestInit & { timeoutMs?: number; duplex?: 'half' } = {
        method: 'POST',
        headers,
        body: streamed ? body() : body,
        ...(streamed ? { duplex: 'half' as const } : {}),
        ...(signal ? { signal } : {}),
        ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
      };
      const response = this.ntlm ? await this.ntlm.fetch(url, init) : await this.options.http.fetch(url, init);
      const text = await readText(response, { maxBytes: MAX_EWS_RESPONSE_BYTES });
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      if (signal?.aborted || MailbridgeError.isInstance(error)) throw error;
      // Core maps what a fetch threw, as for Graph. Only the NTLM connections are ours here (their CA
      // is network.caFile's); a caller's own client's is unknown.
      const auth = this.options.authentication;
      throw mapFetchFailure(error, { url, method: 'POST', signal, ...(this.ntlm && auth.kind === 'ntlm' ? { caFileSet: auth.caPem !== undefined } : {}) });
    }
  }

  /** A non-200 (or ErrorServerBusy) answer as a MailbridgeError core's retry policy can classify. */
  private failure(response: EwsAnswer, text: string, operation: string | undefined): MailbridgeError {
    const status = response.status;
    const isSoap = status === 200 || status === 500;
    const code = isSoap ? responseCode(text) : undefined;
    const serverMessage = isSoap ? (faultString(text) ?? messageText(text)) : undefined;
    const diagnostics = response.headers.get('x-ms-diagnostics');
    const requestId = response.headers.get('request-id');
    const retryAfter = response.headers.get('retry-after');
    const backOff = code === 'ErrorServerBusy' ? backOffMilliseconds(text) : undefined;
    return mapEwsError({
      status,
      auth: this.options.authKind,
      mailbox: this.options.mailbox,
      ...(this.clientId ? { clientId: this.clientId } : {}),
      ...(operation ? { operation } : {}),
      ...(code ? { responseCode: code } : {}),
      ...(serverMessage ? { serverMessage } : {}),
      ...(diagnostics ? { diagnostics } : {}),
      ...(requestId ? { requestId } : {}),
      ...(retryAfter ? { retryAfter } : {}),
      // ErrorServerBusy (as a SOAP fault or inside a 200) maps to THROTTLED, which the policy reads as
      // a refusal (nothing took effect); BackOffMilliseconds becomes the wait it honours.
      ...(backOff !== undefined ? { retryAfterMs: backOff } : {}),
    });
  }

  private async headers(signal: AbortSignal | undefined, forceRefresh: boolean): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      'Content-Type': 'text/xml; charset=utf-8',
      Accept: 'text/xml',
      'User-Agent': this.options.http.userAgent,
    };
    if (this.options.anchorMailbox) headers['X-AnchorMailbox'] = this.options.mailbox;
    const auth = this.options.authentication;
    if (auth.kind === 'bearer') {
      // Always an EWS token: a Graph token is never sent here.
      const token = await auth.tokenProvider.getToken('ews', { ...(signal ? { signal } : {}), ...(forceRefresh ? { forceRefresh } : {}) });
      headers.Authorization = `Bearer ${token.token}`;
      this.clientId = token.claims.appid ?? token.claims.azp ?? this.clientId;
    } else if (auth.kind === 'basic') {
      const user = auth.domain ? `${auth.domain}\\${auth.username}` : auth.username;
      headers.Authorization = `Basic ${Buffer.from(`${user}:${await passwordOf(auth.password)}`, 'utf8').toString('base64')}`;
    }
    return headers;
  }
}

/** An EWS answer, read whole. */
interface EwsAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Largest EWS response read: a GetItem/GetAttachment of the largest message Exchange accepts
 * (150 MB) as base64 inside SOAP. Anything larger is not an EWS answer.
 */
const MAX_EWS_RESPONSE_BYTES = 220 * 1024 * 1024;

function notSoap(url: string, response: EwsAnswer): MailbridgeError {
  const type = response.headers.get('content-type') ?? 'none';
  return new MailbridgeError({
    code: 'INVALID_RESPONSE',
    message: `EWS at ${url.split('?')[0]} answered HTTP 200 without a SOAP XML body (content type ${type.slice(0, 100)}).`,
    hint: 'Check that endpoints.ews points at /EWS/Exchange.asmx of an Exchange server, and that no proxy in between answers instead of it.',
    details: { status: response.status },
  });
}

/** The XMLHttpRequest-shaped object ews-javascript-api reads (`status`, `responseText`, headers). */
function toXhrLike(response: EwsResponse): Record<string, unknown> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return {
    status: response.status,
    statusText: 'OK',
    response: response.text,
    responseText: response.text,
    responseType: '',
    headers,
    getResponseHeader: (name: string) => response.headers.get(name),
    getAllResponseHeaders: () =>
      Object.entries(headers)
        .map(([key, value]) => `${key}: ${value}`)
        .join('\r\n'),
  };
}
