import { MailbridgeError } from '../errors/index.js';

/** The proxy settings in force for one HTTP client. */
export interface ProxySettings {
  /** Proxy for http:// targets. */
  httpProxy?: string;
  /** Proxy for https:// targets. */
  httpsProxy?: string;
  /** NO_PROXY list: host names, domain suffixes (`.corp`), `host:port`, or `*`. */
  noProxy: string;
  /** Where the proxy came from, for messages: `network.proxy` or the variable name. */
  source: string;
}

/**
 * The proxy to use: `network.proxy` (for both http and https targets) if set, else `HTTPS_PROXY` /
 * `HTTP_PROXY` (either case, lower case first as curl does). `NO_PROXY` applies in both cases, so a
 * configured corporate proxy can still be bypassed for local hosts. `undefined` when no proxy is set.
 */
export function resolveProxy(proxy: string | undefined, env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  if (proxy) {
    validate(proxy, 'network.proxy');
    return { httpProxy: proxy, httpsProxy: proxy, noProxy, source: 'network.proxy' };
  }
  const httpsName = env.https_proxy ? 'https_proxy' : env.HTTPS_PROXY ? 'HTTPS_PROXY' : undefined;
  const httpName = env.http_proxy ? 'http_proxy' : env.HTTP_PROXY ? 'HTTP_PROXY' : undefined;
  if (!httpsName && !httpName) return undefined;
  const settings: ProxySettings = { noProxy, source: httpsName ?? httpName ?? 'HTTPS_PROXY' };
  if (httpName) settings.httpProxy = validate(env[httpName] as string, httpName);
  // As in curl and undici, https targets fall back to HTTP_PROXY when HTTPS_PROXY is not set.
  settings.httpsProxy = httpsName ? validate(env[httpsName] as string, httpsName) : settings.httpProxy;
  return settings;
}

/** Host and port of a proxy URL, to recognise connection errors that concern the proxy. */
export function proxyEndpoint(proxy: string): { hostname: string; port: number } {
  const url = new URL(proxy);
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : url.protocol.startsWith('socks') ? 1080 : 80);
  return { hostname: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
}

function validate(value: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:', 'socks5:', 'socks:'].includes(url.protocol) || !url.hostname) {
    const isConfig = source === 'network.proxy';
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: `${source}: expected a proxy URL such as http://proxy.corp:8080, got a value that is not one.`,
      hint: isConfig
        ? 'Set network.proxy to the URL of your HTTP proxy (http://host:port, with user:password@ if it needs them), or remove it.'
        : `Fix or unset the ${source} environment variable (expected http://host:port), or set network.proxy in the config.`,
      details: isConfig ? { path: 'network.proxy' } : { variable: source },
    });
  }
  return value;
}
