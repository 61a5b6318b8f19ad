import { describeNetworkCause, MailbridgeError } from '@mailbridge/core';

/** Error codes (of Node, undici) that mean the request never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const TLS_CODE = /^(?:ERR_TLS_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_SSL_)/;

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * Turns what `fetch` threw (a MailbridgeError of core's HTTP client, or a raw fetch error) into a
 * MailbridgeError that core's retry policy can classify: `retryable` for transient failures, and
 * `details.requestSent = false` when the server certainly never saw the request (so even a send may
 * be repeated). `caFileSet`: whether network.caFile is in use on this path (undefined when unknown:
 * a caller's own HTTP client).
 */
export function toNetworkError(error: unknown, url: string, options: { caFileSet?: boolean } = {}): MailbridgeError {
  const codes = causeCodes(error);
  const notSent = codes.some((code) => NOT_SENT_CODES.has(code));
  if (MailbridgeError.isInstance(error)) {
    if (notSent && error.details.requestSent === undefined) {
      return new MailbridgeError({ code: error.code, message: error.message, hint: error.hint, cause: error.cause ?? error, details: { ...error.details, requestSent: false }, retryable: error.retryable });
    }
    return error;
  }
  const host = new URL(url).host;
  const tlsCode = codes.find((code) => TLS_CODE.test(code));
  if (tlsCode) {
    // Core's description tells a certificate for other names (caFile cannot help) from an untrusted one.
    const described = describeNetworkCause(error, url, options);
    return new MailbridgeError({
      code: 'TLS_ERROR',
      message: described.tls ? `The TLS handshake with ${host} failed: ${described.reason}.` : `The TLS handshake with ${host} failed (${tlsCode}).`,
      hint: described.tls ? described.hint : 'If a proxy or a private CA signs the server certificate, set network.caFile to its PEM file.',
      cause: error,
    });
  }
  if ((error as { name?: string })?.name === 'TimeoutError') {
    return new MailbridgeError({
      code: 'NETWORK_TIMEOUT',
      message: `EWS at ${host} did not answer within the time limit.`,
      hint: 'Raise network.timeoutMs, or check the network path to the server.',
      cause: error,
      retryable: true,
    });
  }
  // The innermost cause, not the wrapper's "fetch failed".
  const described = describeNetworkCause(error, url);
  return new MailbridgeError({
    code: 'NETWORK_ERROR',
    message: `The connection to ${host} failed (${described.reason}).`,
    hint: described.code ? described.hint : 'Check the network, DNS and proxy settings (network.proxy), and that endpoints.ews is right.',
    cause: error,
    retryable: true,
    ...(notSent ? { details: { requestSent: false } } : {}),
  });
}
