import type { Logger } from '../log/logger.js';
import type { Redactor } from '../redact/redactor.js';

/** Options of {@link createHttpClient}; the `network` section of the config maps onto them. */
export interface HttpClientOptions {
  /**
   * Proxy URL (`http://host:port`, credentials as `http://user:password@host:port`) for every
   * request. Without it, `HTTPS_PROXY` / `HTTP_PROXY` from `env` apply. `NO_PROXY` is honoured either way.
   */
  proxy?: string;
  /** A PEM file of CA certificates trusted in addition to Node's default roots (`network.caFile`). */
  caFile?: string;
  /** PEM text of CA certificates trusted in addition to Node's default roots (e.g. the simulator's CA). */
  caPem?: string;
  /**
   * Time limit of each whole request, in ms: connecting, sending, waiting and reading the complete
   * answer must end within it (plus 1 s per 64 KiB moved, so a large transfer on a slow link still
   * completes; a server trickling bytes does not). It is also the longest time without progress:
   * to connect (DNS, proxy, TLS), between chunks of the request body, until the response headers,
   * and between chunks of the response body. A request may override it with `init.timeoutMs`.
   * 0 disables both.
   * @default 30000
   */
  timeoutMs?: number;
  /** A product token put before mailbridge's own in the user agent, e.g. `mailbridge-cli/0.1.0`. */
  userAgent?: string;
  /** Environment read for the proxy variables and `NODE_EXTRA_CA_CERTS`. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Cleans error messages. @default defaultRedactor */
  redactor?: Redactor;
  /**
   * Idle keep-alive connections are closed after this many ms.
   * @default 30000
   */
  keepAliveTimeoutMs?: number;
  /** Receives one debug record per request (method, URL without query, status, duration) and per failure. */
  logger?: Logger;
}
