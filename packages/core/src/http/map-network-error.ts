import { MailbridgeError } from '../errors/index.js';
import { defaultRedactor } from '../redact/default-redactor.js';
import type { Redactor } from '../redact/redactor.js';
import { scrubError } from '../redact/scrub-error.js';
import { describeTlsFailure, isTlsCode } from './describe-tls-failure.js';
import type { RequestProgress } from './request-tracker.js';
import { safeUrl, stripUrls } from './safe-url.js';

/** What the HTTP client knows about a failed request. */
export interface FailureContext {
  url: string;
  method: string;
  progress: RequestProgress;
  /** The client cannot tell how far the request got (a caller's own HTTP client): the message says nothing of it. */
  progressUnknown?: boolean;
  /** The progress timer fired. */
  timedOut: boolean;
  /** The whole-request deadline passed (the request kept making some progress, too slowly). */
  deadlineExceeded?: boolean;
  /** The deadline that passed, in ms (timeoutMs plus the allowance for the bytes transferred). */
  deadlineMs?: number;
  /** The caller's signal aborted. */
  callerAborted: boolean;
  /** The caller's abort reason, kept as cause. */
  abortReason?: unknown;
  timeoutMs: number;
  /** Host and port of every proxy in use, to tell a proxy failure from a target failure. */
  proxies: ReadonlyArray<{ hostname: string; port: number }>;
  /** Where the proxy setting came from (`network.proxy` or an environment variable). */
  proxySource?: string;
  /** Whether `network.caFile` (or extra CA PEM) is in use: an untrusted server then means that CA did not sign it. */
  caFileSet?: boolean;
  redactor: Redactor;
}

const TIMEOUT_HINT = 'Check that the endpoint is reachable from this machine (firewall, proxy), or raise network.timeoutMs in the config.';
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CONNECT_PHASE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

interface CodedError {
  code?: string;
  message?: string;
  /** The server's certificate, on ERR_TLS_CERT_ALTNAME_INVALID. */
  cert?: unknown;
  hostname?: string;
  address?: string;
  port?: number;
  cause?: unknown;
}

/**
 * Turns what undici throws (a `TypeError('fetch failed')` around the real cause, an abort reason,
 * a body-stream error) into a MailbridgeError: NETWORK_ERROR, NETWORK_TIMEOUT, TLS_ERROR,
 * PROXY_ERROR or ABORTED, with `retryable`, `details.requestSent` for the retry policy, and the
 * original error as `cause` (its text cleaned the same way as the message).
 */
export function mapNetworkError(error: unknown, context: FailureContext): MailbridgeError {
  if (MailbridgeError.isInstance(error)) return error;
  const where = `${context.method} ${safeUrl(context.url)}`;
  const sent = context.progress.requestSent;
  const details = { requestSent: sent, responseStarted: context.progress.responseStarted, url: context.redactor.redact(safeUrl(context.url)), method: context.method };
  const make = (code: 'NETWORK_ERROR' | 'NETWORK_TIMEOUT' | 'TLS_ERROR' | 'PROXY_ERROR' | 'ABORTED', message: string, hint: string, retryable: boolean, cause: unknown = error) => {
    scrubError(cause, context.redactor, stripUrls);
    return new MailbridgeError({ code, message: context.redactor.redact(stripUrls(message)), hint, cause, details, retryable });
  };

  if (context.callerAborted) {
    return make('ABORTED', `${where} was aborted.`, 'The request was cancelled by the caller (an abort signal or Ctrl+C); run it again if that was not intended.', false, context.abortReason ?? error);
  }
  if (context.deadlineExceeded) {
    return make(
      'NETWORK_TIMEOUT',
      `${where} did not complete within ${context.deadlineMs ?? context.timeoutMs} ms (${context.progress.responseStarted ? 'the answer came too slowly' : sent ? 'waiting for the response' : 'connecting or sending'}).`,
      'network.timeoutMs bounds the whole request, not only the gaps between bytes (large transfers get 1 s more per 64 KiB moved). Check the network path (a proxy or server trickling data), or raise network.timeoutMs in the config.',
      true,
    );
  }
  if (context.timedOut) {
    return make('NETWORK_TIMEOUT', `${where} made no progress for ${context.timeoutMs} ms (${sent ? 'waiting for the response' : 'connecting or sending'}).`, TIMEOUT_HINT, true);
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (context.progressUnknown && (name === 'TimeoutError' || name === 'AbortError')) {
    // A caller's own client gave up on a time limit of its own (the caller's signal did not abort).
    return make(
      'NETWORK_TIMEOUT',
      `${where} was given up by the HTTP client (${String(name)}): it did not complete within that client's time limit.`,
      "Check that the endpoint is reachable from this machine (firewall, proxy), or give the HTTP client passed to mailbridge a longer time limit (network.timeoutMs applies only to mailbridge's own client).",
      true,
    );
  }

  const root = rootCause(error);
  const code = root.code ?? '';
  const text = root.message ?? String(error);
  const viaProxy = isProxyFailure(root, context);
  // Name the setting that chose the proxy once: network.proxy, or the environment variable it came from.
  const proxySetting = context.proxySource === undefined || context.proxySource === 'network.proxy' ? 'network.proxy' : `${context.proxySource} (from the environment; network.proxy overrides it)`;

  if (/Proxy response \((\d+)\)/.test(text)) {
    const status = Number(/Proxy response \((\d+)\)/.exec(text)?.[1]);
    const hint =
      status === 407
        ? // Not written as a URL with credentials: every redactor (ours included) masks that shape, and the
          // user would read "[REDACTED]" instead of what to do.
          `The proxy wants credentials: add its user name and password to the proxy URL in ${context.proxySource ?? 'network.proxy'} — before the host, joined by a colon and followed by "@", with special characters percent-encoded — or, to keep the password out of the config file, set HTTPS_PROXY in the environment with them instead; or ask for this host to be allowed without authentication.`
        : `The proxy refused the connection (HTTP ${status}): check ${proxySetting}, and that the proxy allows CONNECT to this host and port; add the host to NO_PROXY if it must be reached directly.`;
    return make('PROXY_ERROR', `The proxy refused to connect to ${where} (HTTP ${status}).`, hint, status >= 500, error);
  }
  if (code === 'UND_ERR_PRX_TLS' || (viaProxy && !isTimeout(code))) {
    return make('PROXY_ERROR', `Could not connect to ${where} through the proxy: ${text}`, `The proxy could not be reached: check ${proxySetting}, or add the host to NO_PROXY if it must be reached directly.`, code !== 'UND_ERR_PRX_TLS');
  }
  const tls = describeTlsFailure(root, { host: hostAndPort(context.url).host, ...(context.caFileSet !== undefined ? { caFileSet: context.caFileSet } : {}) });
  if (tls) return make('TLS_ERROR', `TLS to ${where} failed: ${tls.reason}.`, tls.hint, false);
  if (isTimeout(code)) {
    return make('NETWORK_TIMEOUT', `${where} timed out (${code}).`, TIMEOUT_HINT, true);
  }
  const target = hostAndPort(context.url);
  // The Fetch standard's port blocklist: fetch refuses these before connecting, with only "bad port".
  if (text === 'bad port') {
    details.requestSent = false;
    return make(
      'NETWORK_ERROR',
      `${where} failed: port ${target.port} is on the Fetch standard's list of blocked ports (it belongs to another protocol), so no connection was tried.`,
      `Serve the endpoint on another port and change the URL in the config (endpoints.authorityHost, endpoints.graph or endpoints.ews) to it; HTTP clients that follow the Fetch standard never connect to port ${target.port}.`,
      false,
    );
  }
  const before = !sent || CONNECT_PHASE.has(code);
  if (before) details.requestSent = false;
  const reason = code ? `${text} (${code})` : text;
  return make('NETWORK_ERROR', `${where} failed: ${reason}${sent && !context.progressUnknown ? ' after the request was sent' : ''}.`, networkHint(code, target), true);
}

/** A request made through an HTTP client other than core's, as {@link mapFetchFailure} needs it. */
export interface FetchFailureRequest {
  url: string;
  method: string;
  /** The signal the request was made with: when it aborted, the failure is ABORTED. */
  signal?: AbortSignal | undefined;
  /** @default defaultRedactor */
  redactor?: Redactor;
}

/**
 * {@link mapNetworkError} for what a caller's own HttpClient throws (undici's bare
 * `TypeError('fetch failed')` around ECONNREFUSED, ECONNRESET, ENOTFOUND or a certificate error; an
 * AbortError or TimeoutError of its own time limit): the same codes, hints and `retryable` as core's
 * client gives, the original as `cause`. How far the request got is unknown, so it counts as sent
 * (a send is then checked before it is repeated) unless its cause proves it never left (refused,
 * DNS). A MailbridgeError is returned as it is.
 */
export function mapFetchFailure(error: unknown, request: FetchFailureRequest): MailbridgeError {
  const callerAborted = request.signal?.aborted === true;
  return mapNetworkError(error, {
    url: request.url,
    method: request.method,
    progress: { requestSent: true, responseStarted: false },
    progressUnknown: true,
    timedOut: false,
    callerAborted,
    ...(callerAborted ? { abortReason: request.signal?.reason } : {}),
    timeoutMs: 0,
    proxies: [],
    redactor: request.redactor ?? defaultRedactor,
  });
}

/**
 * What a failed request's cause chain says, for HTTP clients other than core's (a caller's own
 * `HttpClient` throws undici's bare `TypeError('fetch failed')`): the innermost code and its text,
 * and the hint for it (`tls` when it is a TLS failure). `url` names the host and port the hint points
 * at; `caFileSet`, when the caller knows, whether network.caFile is in use (see describeTlsFailure).
 */
export function describeNetworkCause(error: unknown, url: string, options: { caFileSet?: boolean } = {}): { reason: string; code?: string; hint: string; tls?: true } {
  const root = rootCause(error);
  const code = root.code ?? '';
  const text = root.message ?? String(error);
  const target = hostAndPort(url);
  const tls = isTlsCode(code) ? describeTlsFailure(root, { host: target.host, ...options }) : undefined;
  if (tls) return { reason: tls.reason, code, hint: tls.hint, tls: true };
  return { reason: code ? `${text} (${code})` : text, ...(code ? { code } : {}), hint: networkHint(code, target) };
}

/** What to do about a failed connection, by the error code of its cause. */
function networkHint(code: string, target: { host: string; port: string }): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return "The host name could not be resolved: check the endpoint URL and this machine's DNS; behind a corporate proxy, set network.proxy.";
    case 'ECONNREFUSED':
      return `Nothing accepts connections at ${target.host}:${target.port}: check the host and port of the endpoint in the config (endpoints.authorityHost, endpoints.graph or endpoints.ews) and that the service there is running; a firewall that rejects the connection looks the same (behind a corporate proxy, set network.proxy).`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `The connection to ${target.host}:${target.port} was closed by the other side: a firewall, a TLS-inspecting proxy (set network.proxy and network.caFile) or a server that does not speak HTTPS on that port. Check the endpoint URL; it is retried on its own when the cut is brief.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `No route to ${target.host}: check this machine's network connection and routes, or set network.proxy if the internet is only reachable through a proxy.`;
    default:
      return 'Check the network connection and that the endpoint is reachable from this machine (firewall, proxy: network.proxy).';
  }
}

/** Host and port of a URL, the port spelled out (443 for https without one). */
function hostAndPort(url: string): { host: string; port: string } {
  try {
    const parsed = new URL(url);
    return { host: parsed.hostname, port: parsed.port || (parsed.protocol === 'http:' ? '80' : '443') };
  } catch {
    return { host: 'the endpoint', port: '?' };
  }
}

function isTimeout(code: string): boolean {
  return TIMEOUTS.has(code);
}

/**
 * The innermost error that carries a code (undici nests: TypeError → cause → cause); without any
 * code, the innermost error: its message says more than the wrapper's "fetch failed".
 */
function rootCause(error: unknown): CodedError {
  let current: unknown = error;
  let best: CodedError = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as CodedError;
  let coded = false;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth += 1) {
    const candidate = current as CodedError;
    if (typeof candidate.code === 'string') {
      best = candidate;
      coded = true;
    } else if (!coded && typeof candidate.message === 'string' && candidate.message !== '') best = candidate;
    // AggregateError from happy-eyeballs connects: its first entry is as good as any.
    const errors = (current as { errors?: unknown[] }).errors;
    current = candidate.cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return best;
}

function isProxyFailure(root: CodedError, context: FailureContext): boolean {
  if (context.proxies.length === 0 || !root.code || !CONNECT_PHASE.has(root.code)) return false;
  return context.proxies.some(
    (proxy) =>
      (root.hostname !== undefined && root.hostname.toLowerCase() === proxy.hostname) ||
      (root.port === proxy.port && (root.address === undefined || root.address === proxy.hostname || proxy.hostname === 'localhost' || isIp(proxy.hostname) === false)),
  );
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
