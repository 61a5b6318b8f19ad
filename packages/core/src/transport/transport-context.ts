import type { TokenProvider } from '../auth/token-provider.js';
import type { CloudEndpoints } from '../cloud/clouds.js';
import type { MailbridgeConfig } from '../config/schema.js';
import type { HttpClient } from '../http/http-client.js';
import type { Logger } from '../log/index.js';
import type { RetryPolicy } from '../retry/index.js';
import type { MailTransport } from './mail-transport.js';

/**
 * Everything an adapter gets from core to build a {@link MailTransport}: the validated config and
 * the shared services built from it. Adapters never read environment variables or files
 * themselves, and never build their own HTTP client or token provider: proxy, CA, timeouts,
 * retries, token caching and redaction then work the same way for Graph and EWS.
 */
export interface TransportContext {
  /** The validated config, defaults filled in. Secrets in it are references; resolve none of them here. */
  config: MailbridgeConfig;
  /** The mailbox to act on (`config.mailbox`). */
  mailbox: string;
  /** The endpoints to connect to: the cloud's, with `config.endpoints` overrides applied. */
  endpoints: CloudEndpoints;
  /** Access tokens per API (`graph` or `ews`); cached and shared. For basic/NTLM (on-premises EWS) `getToken` rejects with `USAGE`. */
  tokenProvider: TokenProvider;
  /** The HTTP client of `config.network` (proxy, CA file, timeout, user agent). */
  http: HttpClient;
  /** The retry policy of `config.retry`. */
  retry: RetryPolicy;
  /** Where the adapter logs; every record is redacted. */
  logger: Logger;
}

/**
 * What an adapter package exports for core to load it at run time
 * (`import('@mailbridge/graph-adapter')` or `import('@mailbridge/ews-adapter')`).
 */
export interface AdapterModule {
  /** Builds the transport from core's shared services. */
  createTransport(context: TransportContext): MailTransport;
}
