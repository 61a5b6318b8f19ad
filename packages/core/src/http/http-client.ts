/**
 * The HTTP client every adapter and the token provider use, so proxy, extra CA, timeouts and the
 * user agent apply the same way everywhere. `fetch` follows the WHATWG signature.
 *
 * Made by {@link createHttpClient}. Its `fetch` resolves with any HTTP status (mapping 4xx/5xx is
 * the caller's job) and rejects only with a MailbridgeError: NETWORK_ERROR, NETWORK_TIMEOUT,
 * TLS_ERROR, PROXY_ERROR, ABORTED (and USAGE for a URL that is not http(s)). Such an error has
 * `retryable` set and `details.requestSent` — `false` when the request certainly did not reach the
 * service (the retry policy may repeat even a send then). Reading the body fails the same way.
 * Consume or cancel every response body: until then its connection and the caller-signal
 * listener stay held.
 */
export interface HttpClient {
  /** WHATWG fetch through mailbridge's network settings (proxy, CA file, timeout, user agent). `timeoutMs` overrides the client's no-progress timeout for this request. */
  fetch(input: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  /**
   * Sends `body` exactly as given and reads the whole answer (at most `maxResponseBytes`, 1 MB by
   * default). Made for large uploads in ranges: unlike `fetch`, which copies every request body
   * (twice for a stream), nothing is copied, so a caller can send range after range from one
   * buffer. Same network settings, timeout and errors as `fetch`. Keep `body` unchanged until the
   * promise settles; after a failure, do not rewrite it (bytes may still be queued on the broken
   * connection) — use a new buffer.
   */
  sendBytes(input: string | URL, init: SendBytesInit): Promise<BytesResponse>;
  /** The user agent sent, e.g. `mailbridge/0.1.0 (node v20.20.2; linux)`. */
  readonly userAgent: string;
  /** Closes pooled connections (waits for requests in flight). */
  close(): Promise<void>;
}

/** A request of {@link HttpClient.sendBytes}. */
export interface SendBytesInit {
  method: string;
  headers?: Record<string, string>;
  body: Uint8Array;
  signal?: AbortSignal;
  /** Overrides the client's no-progress timeout for this request. */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes (1 MB by default); a bigger one fails with INVALID_RESPONSE. */
  maxResponseBytes?: number;
}

/** An answer of {@link HttpClient.sendBytes}, read whole. */
export interface BytesResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  url: string;
}
