import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTokenProvider } from '../auth/create-token-provider.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { resolveEndpoints } from '../cloud/resolve-endpoints.js';
import { loadConfig } from '../config/load-config.js';
import { type LoadedConfig, parseConfig } from '../config/parse-config.js';
import type { MailbridgeConfig, MailbridgeConfigInput } from '../config/schema.js';
import { MailbridgeError } from '../errors/index.js';
import { createHttpClient } from '../http/create-http-client.js';
import type { HttpClient } from '../http/http-client.js';
import { type Logger, silentLogger } from '../log/index.js';
import { defaultRedactor, type Redactor } from '../redact/index.js';
import { createRetryPolicy, type RetryPolicy } from '../retry/index.js';
import type { MailTransport } from './mail-transport.js';
import type { AdapterModule, TransportContext } from './transport-context.js';

/** The transports core knows, and the package that implements each. */
export const ADAPTER_PACKAGES = {
  graph: '@mailbridge/graph-adapter',
  ews: '@mailbridge/ews-adapter',
} as const satisfies Record<MailbridgeConfig['transport'], string>;

/** Options of {@link createTransport}. */
export interface CreateTransportOptions {
  /**
   * How to load each adapter. Default: `import()` of its package ({@link ADAPTER_PACKAGES}), then
   * the same package resolved from the current directory (a CLI installed globally, adapters
   * installed in the project).
   */
  adapters?: Partial<Record<MailbridgeConfig['transport'], () => Promise<AdapterModule>>>;
  /** Where core and the adapter log (records are redacted). @default silent */
  logger?: Logger;
  /** An HTTP client to share; default: one built from `config.network` (closed with the transport). */
  http?: HttpClient;
  /** A token provider to share (e.g. the CLI's, already used by `doctor`); default: one built from the config. */
  tokenProvider?: TokenProvider;
  /** A retry policy to use; default: one built from `config.retry`. */
  retry?: RetryPolicy;
  /** Environment for `MAILBRIDGE_*` overrides, `HTTPS_PROXY`/`NO_PROXY` and `{ env }` secrets. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where secrets are registered. @default the process-wide redactor */
  redactor?: Redactor;
}

/**
 * Creates the {@link MailTransport} a config asks for. Builds the shared services (HTTP client from
 * `network`, retry policy from `retry`, token provider from `auth`), then loads the adapter package
 * of `transport` at run time, so an application installs only the adapter it uses.
 *
 * `config` is a validated config, a {@link LoadedConfig}, a config object to validate, or the
 * path of a config file.
 *
 * @throws MailbridgeError `ADAPTER_MISSING` (with the `npm install` command) when the adapter
 *   package is not installed; config errors (`CONFIG_*`) as `loadConfig`/`parseConfig` throw them.
 */
export async function createTransport(config: MailbridgeConfig | MailbridgeConfigInput | LoadedConfig | string, options: CreateTransportOptions = {}): Promise<MailTransport> {
  const env = options.env ?? process.env;
  const loaded = typeof config === 'string' ? await loadConfig({ path: config, env }) : isLoadedConfig(config) ? config : parseConfig(config, { env });
  const valid = loaded.config;
  const logger = options.logger ?? silentLogger;
  const redactor = options.redactor ?? defaultRedactor;

  // Load the adapter first: a missing package is the likeliest error and needs no network setup.
  const adapter = await loadAdapter(valid.transport, options.adapters?.[valid.transport]);

  const ownsHttp = options.http === undefined;
  const http =
    options.http ??
    createHttpClient({
      ...(valid.network.proxy !== undefined ? { proxy: valid.network.proxy } : {}),
      ...(valid.network.caFile !== undefined ? { caFile: valid.network.caFile } : {}),
      timeoutMs: valid.network.timeoutMs,
      env,
      redactor,
    });
  try {
    const retry = options.retry ?? createRetryPolicy({ maxAttempts: valid.retry.maxAttempts, maxDelayMs: valid.retry.maxDelayMs, redactor });
    const tokenProvider = options.tokenProvider ?? tokenProviderFor(valid, { http, logger, redactor, env, retry });
    const context: TransportContext = {
      config: valid,
      mailbox: valid.mailbox,
      endpoints: resolveEndpoints(valid),
      tokenProvider,
      http,
      retry,
      logger,
    };
    const transport = adapter.createTransport(context);
    if (ownsHttp) {
      // The HTTP client was built here, so it is closed here: after the adapter's own close.
      const closeAdapter = transport.close.bind(transport);
      Object.defineProperty(transport, 'close', {
        configurable: true,
        writable: true,
        value: async () => {
          try {
            await closeAdapter();
          } finally {
            await http.close();
          }
        },
      });
    }
    return transport;
  } catch (error) {
    if (ownsHttp) await http.close().catch(() => undefined);
    throw error;
  }
}

function isLoadedConfig(value: MailbridgeConfig | MailbridgeConfigInput | LoadedConfig): value is LoadedConfig {
  return typeof value === 'object' && value !== null && 'config' in value && Array.isArray((value as LoadedConfig).warnings);
}

/** Basic/NTLM (EWS on Exchange Server) have no tokens: the adapter authenticates with the password. */
function tokenProviderFor(config: MailbridgeConfig, deps: Parameters<typeof createTokenProvider>[1]): TokenProvider {
  if (config.auth.flow === 'basic' || config.auth.flow === 'ntlm') {
    const flow = config.auth.flow;
    return {
      kind: 'delegated',
      getToken: () =>
        Promise.reject(
          new MailbridgeError({
            code: 'USAGE',
            message: `auth.flow "${flow}" signs in with a user name and password; it has no OAuth tokens.`,
            hint: 'Only client-credentials and device-code configs get tokens.',
          }),
        ),
    };
  }
  return createTokenProvider(config, deps);
}

/** Loads and checks the adapter module of a transport. */
async function loadAdapter(transport: MailbridgeConfig['transport'], loader: (() => Promise<AdapterModule>) | undefined): Promise<AdapterModule> {
  const packageName = ADAPTER_PACKAGES[transport];
  const module = loader ? await loader() : await importAdapterPackage(packageName);
  if (typeof (module as Partial<AdapterModule> | undefined)?.createTransport !== 'function') {
    throw new MailbridgeError({
      code: 'ADAPTER_MISSING',
      message: `${packageName} was found but does not export createTransport(context): it is not a mailbridge adapter, or not one this @mailbridge/core can use.`,
      hint: `Install matching versions: npm install ${packageName}@latest @mailbridge/core@latest`,
      details: { package: packageName },
    });
  }
  return module;
}

/**
 * Imports an adapter package: first as a normal dependency (next to @mailbridge/core), then
 * resolved from the current directory, where an application (or a global CLI's user) installed
 * it. Only "not found" falls through; an adapter that fails while loading is reported as it is.
 */
export async function importAdapterPackage(packageName: string, cwd: string = process.cwd()): Promise<AdapterModule> {
  try {
    return (await import(packageName)) as AdapterModule;
  } catch (error) {
    if (!isNotFound(error, packageName)) throw adapterLoadError(packageName, error);
  }
  let resolved: string;
  try {
    resolved = resolvePackageEntry(packageName, cwd);
  } catch (error) {
    throw new MailbridgeError({
      code: 'ADAPTER_MISSING',
      message: `The adapter package ${packageName} is not installed.`,
      hint: `Install it next to @mailbridge/core: npm install ${packageName}`,
      details: { package: packageName },
      cause: error,
    });
  }
  try {
    return (await import(pathToFileURL(resolved).href)) as AdapterModule;
  } catch (error) {
    throw adapterLoadError(packageName, error);
  }
}

/**
 * The ESM entry of a package installed under `cwd`'s node_modules (or a parent's). `require.resolve`
 * alone cannot do it: mailbridge packages export only an `import` condition, which CommonJS
 * resolution does not match; their `package.json` is exported, so we find it and read `exports`.
 */
function resolvePackageEntry(packageName: string, cwd: string): string {
  const manifestPath = createRequire(join(cwd, 'noop.js')).resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: unknown; module?: unknown; main?: unknown };
  const entry = esmEntry(manifest.exports) ?? (typeof manifest.module === 'string' ? manifest.module : undefined) ?? (typeof manifest.main === 'string' ? manifest.main : 'index.js');
  return join(dirname(manifestPath), entry);
}

function esmEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const map = exports as Record<string, unknown>;
  const root = '.' in map ? map['.'] : map;
  if (typeof root === 'string') return root;
  if (typeof root !== 'object' || root === null) return undefined;
  for (const condition of ['import', 'node', 'default']) {
    const target = esmEntry((root as Record<string, unknown>)[condition]);
    if (target !== undefined) return target;
  }
  return undefined;
}

function isNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  // Only the package itself being absent counts; a missing dependency inside it is a broken install.
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${packageName}'`);
}

function adapterLoadError(packageName: string, error: unknown): MailbridgeError {
  return new MailbridgeError({
    code: 'ADAPTER_MISSING',
    message: `The adapter package ${packageName} is installed but failed to load: ${error instanceof Error ? error.message : String(error)}`,
    hint: `Reinstall it with a version matching @mailbridge/core: npm install ${packageName}@latest @mailbridge/core@latest`,
    details: { package: packageName },
    cause: error,
  });
}
