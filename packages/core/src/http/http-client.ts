/**
 * The HTTP client every adapter and the token provider use, so proxy, extra CA, timeouts and the
 * user agent apply the same way everywhere. `fetch` follows the WHATWG signature.
 */
export interface HttpClient {
  /** WHATWG fetch through mailbridge's network settings (proxy, CA file, timeout, user agent). */
  fetch(input: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  /** The user agent sent, e.g. `mailbridge/0.1.0 (node v20.20.2; linux)`. */
  readonly userAgent: string;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
