import type { HttpClient, LoadedConfig, MailTransport, TokenProvider } from '@mailbridge/core';
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
  /** Creates the transport (loads the adapter package on first use). */
  transport(): Promise<MailTransport>;
  close(): Promise<void>;
}

export async function createRuntime(loaded: LoadedConfig): Promise<CliRuntime> {
  const core = await import('@mailbridge/core');
  const { config } = loaded;
  const http = core.createHttpClient({
    ...(config.network?.proxy ? { proxy: config.network.proxy } : {}),
    ...(config.network?.caFile ? { caFile: config.network.caFile } : {}),
    ...(config.network?.timeoutMs ? { timeoutMs: config.network.timeoutMs } : {}),
  });
  const tokens = core.createTokenProvider(config, { http });
  let transport: MailTransport | undefined;
  return {
    loaded,
    http,
    tokens,
    async transport() {
      transport ??= await core.createTransport(loaded, {
        http,
        tokenProvider: tokens,
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
