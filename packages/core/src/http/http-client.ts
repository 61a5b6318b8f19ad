/**
 * The HTTP client every adapter and the token provider use, so proxy, extra CA, timeouts and the
 * user agent apply the same way everywhere. `fetch` follows the WHATWG signature.
 *
 * Made by {@link createHttpClient}. Its `fetch` resolves with any HTTP status (mapping 4xx/5xx is
 * the caller's job) and rejects only with a MailbridgeError: NETWORK_ERROR, NETWORK_TIMEOUT,
 * TLS_ERROR, PROXY_ERROR, ABORTED, REDIRECT_REFUSED for any 3xx but 304 (a redirect is never
 * followed: requests carry credentials), and USAGE for a URL that is not http(s). Such an error has
 * `retryable` set and `details.requestSent` — `false` when the request certainly did not reach the
 * service (the retry policy may repeat even a send then). Reading the body fails the same way.
 * Consume or cancel every response body: until then its connection and the caller-signal
 * listener stay held.
 */
export interface HttpClient {
  /** WHATWG fetch through mailbridge's network settings (proxy, CA file, timeout, user agent). `timeoutMs` overrides the client's no-progress timeout for this request. */
  fetch(input: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  /**
   * A request whose answer is read whole (at most `maxResponseBytes`, 16 MB by default), without
   * fetch's WHATWG machinery: no Request/Response objects or web streams, and the body goes out
   * exactly as given — fetch copies every request body (twice for a stream). Made for the adapters'
   * many small JSON calls and for large uploads in ranges from one reused buffer. Same network
   * settings, timeout and errors as `fetch`; compressed answers are asked for and decompressed (the
   * limit applies to what comes out); a redirect rejects with REDIRECT_REFUSED, as in `fetch`. Optional in the interface, so a
   * caller's own HttpClient keeps working: {@link requestBuffered} falls back to `fetch`. Keep a `Uint8Array` body
   * unchanged until the promise settles; after a failure, do not rewrite it (bytes may still be
   * queued on the broken connection): use a new buffer.
   */
  request?(input: string | URL, init?: BufferedRequestInit): Promise<BufferedHttpResponse>;
  /** The user agent sent, e.g. `mailbridge/0.1.0 (node v20.20.2; linux)`. */
  readonly userAgent: string;
  /** Closes pooled connections (waits for requests in flight). */
  close(): Promise<void>;
}

/** A request of {@link HttpClient.request}. */
export interface BufferedRequestInit {
  /** GET by default. */
  method?: string;
  headers?: Record<string, string>;
  /** Bytes, or text sent as UTF-8. */
  body?: Uint8Array | string;
  signal?: AbortSignal;
  /** Overrides the client's no-progress timeout for this request. */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes (16 MB by default); a bigger one fails with INVALID_RESPONSE. */
  maxResponseBytes?: number;
}

/** An answer of {@link HttpClient.request}, read whole. */
export interface BufferedHttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  url: string;
}
