import type { HttpClient, LoadedConfig, Logger, MailTransport, RetryInfo, RetryPolicy, TokenProvider } from '@mailbridge/core';
import type { GlobalOptions } from '../output/cli-io.js';

/** Loads the config the global flags point at (—config, else MAILBRIDGE_CONFIG, else ./mailbridge.json). */
export async function loadCliConfig(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const { loadConfig } = await import('@mailbridge/core');
  return loadConfig({ ...(globals.config ? { path: globals.config } : {}), env });
}

/** The CLI's network stack and token provider for a loaded config, built once per command. */
export interface CliRuntime {
  loaded: LoadedConfig;
  http: HttpClient;
  tokens: TokenProvider;
  /** Where the HTTP client, the retry policy, the token provider and the transport log. */
  logger: Logger;
  /** The retry policy of `config.retry`, shared by the token provider and the transport. */
  retry: RetryPolicy;
  /** Creates the transport (loads the adapter package on first use). */
  transport(): Promise<MailTransport>;
  close(): Promise<void>;
}

/** Options of {@link createRuntime}. */
export interface CliRuntimeOptions {
  /**
   * Where the network stack logs (HTTP requests at debug, retries, token acquisition).
   * @default silent
   */
  logger?: Logger;
  /** Called before each retry of the runtime's retry policy (the token provider's and the transport's). */
  onRetry?: (info: RetryInfo) => void;
}

export async function createRuntime(loaded: LoadedConfig, options: CliRuntimeOptions = {}): Promise<CliRuntime> {
  const core = await import('@mailbridge/core');
  const { config } = loaded;
  const logger = options.logger ?? core.silentLogger;
  // Built here rather than inside createTransport so that its "retrying" records reach the logger.
  const retry = core.createRetryPolicy({ maxAttempts: config.retry.maxAttempts, maxDelayMs: config.retry.maxDelayMs, logger, ...(options.onRetry ? { onRetry: options.onRetry } : {}) });
  const http = core.createHttpClient({
    logger,
    ...(config.network?.proxy ? { proxy: config.network.proxy } : {}),
    ...(config.network?.caFile ? { caFile: config.network.caFile } : {}),
    ...(config.network?.timeoutMs ? { timeoutMs: config.network.timeoutMs } : {}),
  });
  // Basic/NTLM (Exchange Server) sign in with a password: no token provider; core's createTransport knows.
  const oauth = config.auth.flow === 'client-credentials' || config.auth.flow === 'device-code' || config.auth.flow === 'authorization-code';
  const tokens: TokenProvider = oauth
    ? core.createTokenProvider(config, { http, logger, retry })
    : {
        kind: 'delegated',
        getToken: () =>
          Promise.reject(new core.MailbridgeError({ code: 'USAGE', message: `auth.flow "${config.auth.flow}" has no OAuth tokens.`, hint: 'Tokens exist for the client-credentials, device-code and authorization-code flows.' })),
      };
  let transport: MailTransport | undefined;
  return {
    loaded,
    http,
    tokens,
    logger,
    retry,
    async transport() {
      transport ??= await core.createTransport(loaded, {
        http,
        logger,
        retry,
        ...(oauth ? { tokenProvider: tokens } : {}),
        adapters: {
          graph: () => import('@mailbridge/graph-adapter'),
          ews: () => import('@mailbridge/ews-adapter'),
        },
      });
      return transport;
    },
    async close() {
      await transport?.close();
      await http.close();
    },
  };
}
