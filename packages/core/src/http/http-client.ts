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
  /** The user agent sent, e.g. `mailbridge/0.1.0 (node v20.20.2; linux)`. */
  readonly userAgent: string;
  /** Closes pooled connections (waits for requests in flight). */
  close(): Promise<void>;
}
