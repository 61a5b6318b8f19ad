import { Agent, type Dispatcher, EnvHttpProxyAgent, Headers as UndiciHeaders, type Response as UndiciResponse, fetch as undiciFetch } from 'undici';
import { MailbridgeError } from '../errors/index.js';
import { defaultRedactor } from '../redact/default-redactor.js';
import type { BufferedHttpResponse, BufferedRequestInit, HttpClient } from './http-client.js';
import type { HttpClientOptions } from './http-client-options.js';
import { loadCaCertificates, trustAlso } from './load-ca-certificates.js';
import { type FailureContext, mapNetworkError } from './map-network-error.js';
import { readDispatcherBody } from './read-body.js';
import { isRedirectStatus, redirectRefused } from './redirect-refused.js';
import { RequestTracker } from './request-tracker.js';
import { proxyEndpoint, resolveProxy } from './resolve-proxy.js';
import { safeUrl } from './safe-url.js';
import { buildUserAgent } from './user-agent.js';

const DEFAULT_TIMEOUT_MS = 30_000;
// request() reads answers whole, up to this by default (a caller expecting more says so).
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
// A byte body goes to the socket in views of this size: undici waits for each to drain and reports
// it sent, which keeps the no-progress timer alive on a slow uplink (one write of a 3.75 MB range
// would count as one event, then silence until the whole range has left).
const BODY_SLICE_BYTES = 256 * 1024;
// The whole-request deadline (network.timeoutMs) grows by 1 ms per this many bytes moved: 64 KiB/s, so a
// large attachment on a slow but working link completes, while a server trickling a byte every few
// seconds cannot hold a request open past the deadline.
const DEADLINE_BYTES_PER_MS = 65.536;
// Statuses whose response has no body (and HEAD responses): nothing to wrap.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The HTTP client of mailbridge, on undici: one pooled keep-alive dispatcher per client, the proxy
 * of `network.proxy` or `HTTPS_PROXY`/`HTTP_PROXY` (with `NO_PROXY`), an extra CA added to Node's
 * roots, a no-progress timeout on every phase of every request combined with the caller's signal,
 * and mailbridge's user agent. Network failures reject with a {@link MailbridgeError}
 * (NETWORK_ERROR, NETWORK_TIMEOUT, TLS_ERROR, PROXY_ERROR, ABORTED) whose text is redacted and whose
 * URL has no query string or credentials; reading the response body fails the same way.
 * Redirects are never followed: a 3xx answer rejects with REDIRECT_REFUSED naming the host it
 * pointed to. Other HTTP error statuses are not errors here: the adapters map them.
 *
 * @throws MailbridgeError CONFIG_INVALID when the CA file or the proxy URL is unusable.
 */
export function createHttpClient(options: HttpClientOptions = {}): Required<HttpClient> {
  const env = options.env ?? process.env;
  const redactor = options.redactor ?? defaultRedactor;
  const defaultTimeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const userAgent = buildUserAgent(options.userAgent);
  const ca = loadCaCertificates({ ...(options.caFile ? { caFile: options.caFile } : {}), ...(options.caPem ? { caPem: options.caPem } : {}) });
  const proxy = resolveProxy(options.proxy, env);

  // One secure context per client (a `ca` option per connection would build a trust store per TLS
  // handshake): Node's default store plus the extra CA.
  const secureContext = ca ? trustAlso(ca, env) : undefined;
  // undici's own connect timeout backs up the progress timer for the TCP/TLS connect.
  const tls = { ...(secureContext ? { secureContext } : {}), ...(defaultTimeoutMs > 0 ? { timeout: defaultTimeoutMs } : {}) };
  const agentOptions = {
    connect: tls,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    headersTimeout: 0,
    bodyTimeout: defaultTimeoutMs,
  };
  const dispatcher: Dispatcher = proxy
    ? new EnvHttpProxyAgent({
        ...agentOptions,
        // Empty strings, not undefined: undici would otherwise fall back to process.env.
        httpProxy: proxy.httpProxy ?? '',
        httpsProxy: proxy.httpsProxy ?? '',
        noProxy: proxy.noProxy,
        requestTls: tls,
        proxyTls: tls,
      })
    : new Agent(agentOptions);
  const proxies = proxy ? [proxy.httpProxy, proxy.httpsProxy].filter((url): url is string => Boolean(url)).map(proxyEndpoint) : [];
  const logger = options.logger;
  let closed = false;

  /** What every request shares: the progress timer, the caller's signal, the tracker and the failure context. */
  function begin(url: string, method: string, timeoutOption: number | undefined, callerSignal: AbortSignal | undefined) {
    const timeoutMs = timeoutOption === undefined ? defaultTimeoutMs : checkTimeout(timeoutOption);
    const controller = new AbortController();
    const state = { timedOut: false, deadlineExceeded: false, deadlineMs: timeoutMs, callerAborted: false, abortReason: undefined as unknown };
    let timer: NodeJS.Timeout | undefined;
    let deadlineTimer: NodeJS.Timeout | undefined;
    const started = performance.now();

    const disarm = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    const arm = (): void => {
      if (timeoutMs <= 0) return;
      // refresh() restarts the same timer: cheaper than a new one per body chunk.
      if (timer) timer.refresh();
      else {
        timer = setTimeout(() => {
          state.timedOut = true;
          controller.abort(new Error(`no progress for ${timeoutMs} ms`));
        }, timeoutMs);
      }
    };
    const onCallerAbort = (): void => {
      state.callerAborted = true;
      state.abortReason = callerSignal?.reason;
      disarm();
      controller.abort(callerSignal?.reason);
    };
    const release = (): void => {
      disarm();
      if (deadlineTimer) clearTimeout(deadlineTimer);
      deadlineTimer = undefined;
      callerSignal?.removeEventListener('abort', onCallerAbort);
    };

    const tracker = new RequestTracker(dispatcher, timeoutMs, { onProgress: arm, onResponseStart: disarm });
    // The whole request (connect, send, wait, read the answer) must end by the deadline: the progress
    // timer alone lets a server that sends one byte every few seconds keep a request open for ever.
    const checkDeadline = (): void => {
      const allowed = timeoutMs + tracker.transferredBytes / DEADLINE_BYTES_PER_MS;
      const elapsed = performance.now() - started;
      if (elapsed >= allowed) {
        state.deadlineExceeded = true;
        state.deadlineMs = Math.round(allowed);
        deadlineTimer = undefined;
        controller.abort(new Error(`not complete within ${Math.round(allowed)} ms`));
        return;
      }
      deadlineTimer = setTimeout(checkDeadline, allowed - elapsed);
      deadlineTimer.unref?.();
    };
    const failure = (): FailureContext => ({
      url,
      method,
      progress: tracker.progress,
      timedOut: state.timedOut,
      deadlineExceeded: state.deadlineExceeded,
      deadlineMs: state.deadlineMs,
      callerAborted: state.callerAborted,
      abortReason: state.abortReason,
      timeoutMs,
      proxies,
      ...(proxy ? { proxySource: proxy.source } : {}),
      ...(options.caFile || options.caPem ? { caFileSet: true } : {}),
      redactor,
    });

    if (closed) {
      throw new MailbridgeError({ code: 'INTERNAL', message: 'The HTTP client was used after close().', hint: 'Create a new client; this is a bug in the calling code.' });
    }
    if (callerSignal?.aborted) {
      state.callerAborted = true;
      state.abortReason = callerSignal.reason;
      throw mapNetworkError(callerSignal.reason, failure());
    }
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    arm();
    if (timeoutMs > 0) {
      deadlineTimer = setTimeout(checkDeadline, timeoutMs);
      deadlineTimer.unref?.();
    }
    return { controller, tracker, failure, release, disarm };
  }

  async function fetch(input: string | URL, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    const url = String(input);
    checkUrl(url);
    const method = (init.method ?? 'GET').toUpperCase();
    const exchange = begin(url, method, init.timeoutMs, init.signal ?? undefined);

    const headers = new UndiciHeaders(init.headers as ConstructorParameters<typeof UndiciHeaders>[0]);
    if (!headers.has('user-agent')) headers.set('user-agent', userAgent);
    const { timeoutMs: _timeoutMs, signal: _signal, ...rest } = init;

    let response: UndiciResponse;
    const started = logger ? performance.now() : 0;
    try {
      response = await undiciFetch(url, {
        ...(rest as Parameters<typeof undiciFetch>[1]),
        // Never followed, whatever the caller asked: the request may carry a credential (a client
        // secret in a token request), and fetch would re-send it to wherever Location points.
        redirect: 'manual',
        headers,
        signal: exchange.controller.signal,
        dispatcher: exchange.tracker,
      } as Parameters<typeof undiciFetch>[1]);
    } catch (error) {
      exchange.release();
      const mapped = mapNetworkError(error, exchange.failure());
      logger?.debug('http request failed', { method, url: safeUrl(url), code: mapped.code, requestSent: exchange.tracker.progress.requestSent, ms: Math.round(performance.now() - started) });
      throw mapped;
    }
    logger?.debug('http response', { method, url: safeUrl(url), status: response.status, ms: Math.round(performance.now() - started) });
    // Headers are in; from here undici's body timeout (which pauses under back-pressure) applies.
    exchange.disarm();
    if (isRedirectStatus(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      exchange.release();
      throw redirectRefused(url, response.status, response.headers.get('location'));
    }
    if (!response.body || method === 'HEAD' || NULL_BODY_STATUSES.has(response.status)) {
      exchange.release();
      return response as unknown as Response;
    }
    return guardBody(response, exchange.release, (error) => mapNetworkError(error, exchange.failure())) as unknown as Response;
  }

  async function request(input: string | URL, init: BufferedRequestInit = {}): Promise<BufferedHttpResponse> {
    const url = String(input);
    const target = checkUrl(url);
    const method = (init.method ?? 'GET').toUpperCase();
    const maxResponseBytes = init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const exchange = begin(url, method, init.timeoutMs, init.signal);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
    headers['user-agent'] ??= userAgent;
    // As fetch does: compressed answers (decompressed in readWhole, the limit applying to what comes out).
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    let body: string | Uint8Array | Iterable<Uint8Array> | null = init.body ?? null;
    if (body instanceof Uint8Array && body.byteLength > BODY_SLICE_BYTES) {
      headers['content-length'] = String(body.byteLength);
      body = slices(body);
    }
    const started = logger ? performance.now() : 0;
    try {
      // undici's request API: the caller's bytes go out as they are (fetch copies a body, wraps it in
      // web streams and builds Request/Response objects around it).
      const response = await exchange.tracker.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        // An iterable is written piece by piece (undici's typings list streams only).
        body: body as string | Uint8Array | null,
        signal: exchange.controller.signal,
      });
      // Headers are in; from here undici's body timeout applies.
      exchange.disarm();
      if (isRedirectStatus(response.statusCode)) {
        // Its body is not wanted; dropping the stream errors it, and nobody listens for that.
        response.body.on('error', () => undefined);
        response.body.destroy();
        const location = response.headers.location;
        throw redirectRefused(url, response.statusCode, Array.isArray(location) ? location[0] : location);
      }
      const answer = await readDispatcherBody(response.body, response.headers, maxResponseBytes, url, response.statusCode);
      exchange.release();
      logger?.debug('http response', { method, url: safeUrl(url), status: response.statusCode, ms: Math.round(performance.now() - started) });
      const responseHeaders = toHeaders(response.headers);
      if (answer.decoded) {
        // What the caller reads is the decompressed body: the encoding and length no longer apply.
        responseHeaders.delete('content-encoding');
        responseHeaders.delete('content-length');
      }
      return { status: response.statusCode, headers: responseHeaders, body: answer.bytes, url };
    } catch (error) {
      exchange.release();
      const mapped = mapNetworkError(error, exchange.failure());
      logger?.debug('http request failed', { method, url: safeUrl(url), code: mapped.code, requestSent: exchange.tracker.progress.requestSent, ms: Math.round(performance.now() - started) });
      throw mapped;
    }
  }

  return {
    fetch,
    request,
    userAgent,
    async close() {
      if (closed) return;
      closed = true;
      await dispatcher.close();
    },
  };
}

const BODY_METHODS = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;

/**
 * Makes reading the body of `response` fail with MailbridgeErrors (reset, timeout, abort) and
 * release the request's timer and signal listener when done. The body methods (`json()`, `text()`, …)
 * are wrapped on the instance rather than rebuilding the Response around a new stream: that keeps
 * the common small-response path as cheap as bare undici. `body` is wrapped lazily, only for callers
 * that stream it (a big attachment), pull-based with no read-ahead so it goes at the reader's pace.
 */
function guardBody(response: UndiciResponse, release: () => void, mapError: (error: unknown) => MailbridgeError): UndiciResponse {
  const prototype = Object.getPrototypeOf(response) as Record<string, unknown>;
  const target = response as unknown as Record<string, unknown>;
  for (const name of BODY_METHODS) {
    const original = prototype[name];
    if (typeof original !== 'function') continue;
    target[name] = () =>
      (original.call(response) as Promise<unknown>).then(
        (value) => {
          release();
          return value;
        },
        (error: unknown) => {
          release();
          throw mapError(error);
        },
      );
  }
  const clone = response.clone.bind(response);
  target.clone = () => guardBody(clone(), () => {}, mapError);
  const bodyGetter = Object.getOwnPropertyDescriptor(prototype, 'body')?.get;
  let wrapped: ReadableStream<Uint8Array> | null | undefined;
  Object.defineProperty(response, 'body', {
    configurable: true,
    enumerable: true,
    get() {
      if (wrapped === undefined) {
        const source = bodyGetter?.call(response) as ReadableStream<Uint8Array> | null;
        wrapped = source ? mapStream(source, release, mapError) : null;
      }
      return wrapped;
    },
  });
  return response;
}

function mapStream(source: ReadableStream<Uint8Array>, release: () => void, mapError: (error: unknown) => MailbridgeError): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            release();
            controller.close();
          } else {
            controller.enqueue(chunk.value);
          }
        } catch (error) {
          release();
          controller.error(mapError(error));
        }
      },
      async cancel(reason) {
        release();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Views of `bytes`, no copies (see BODY_SLICE_BYTES). */
function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += BODY_SLICE_BYTES) yield bytes.subarray(offset, offset + BODY_SLICE_BYTES);
}

/** undici's raw header record as WHATWG Headers. */
function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new UndiciHeaders();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers as unknown as Headers;
}

/** The parsed URL, when it is an absolute http(s) one. */
function checkUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const protocol = parsed?.protocol;
  if (!parsed || (protocol !== 'https:' && protocol !== 'http:')) {
    // The URL itself is not echoed: an unparseable one cannot be reliably stripped of secrets.
    throw new MailbridgeError({
      code: 'USAGE',
      message: protocol ? `Only http:// and https:// URLs can be requested, not ${protocol}//.` : 'The request URL is not a valid absolute URL.',
      hint: 'Check the endpoint URLs (endpoints.* in the config): they must be absolute https:// URLs.',
    });
  }
  return parsed;
}

function checkTimeout(value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: `network.timeoutMs: expected a number of milliseconds (0 or more), got ${JSON.stringify(value)}.`,
      hint: 'Set network.timeoutMs to e.g. 30000, or remove it for the default.',
      details: { path: 'network.timeoutMs' },
    });
  }
  return value === Number.POSITIVE_INFINITY ? 0 : value;
}
