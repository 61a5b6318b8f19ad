import type { SeedApp } from '../types.js';

/** Where a browser that signed in for an app without a web server of its own ends: Entra's blank page. */
export const NATIVE_CLIENT_PATH = '/common/oauth2/nativeclient';

/** The authority hosts whose nativeclient URI the simulator plays (it stands in for Entra in every cloud). */
const MICROSOFT_AUTHORITY_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.live.com']);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parse(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

/** "" and "/" are the same path (Entra does not distinguish them either). */
const pathOf = (url: URL) => (url.pathname === '' ? '/' : url.pathname);

/**
 * Whether `requested` matches a redirect URI registered on the app, as Entra compares them: exactly
 * (case-insensitive scheme and host), except that a loopback `http://localhost` / `127.0.0.1` /
 * `[::1]` URI matches with any port (RFC 8252 §7.3; Entra ignores the port of loopback URIs), and
 * that the `nativeclient` URI of a Microsoft authority host stands for the simulator's own
 * `{baseUrl}/common/oauth2/nativeclient` (the simulator plays that host).
 */
export function redirectUriRegistered(app: SeedApp, requested: string, baseUrl: string): boolean {
  const want = parse(requested);
  if (!want || want.hash) return false;
  for (const registered of app.redirectUris ?? []) {
    const have = parse(registered);
    if (!have) continue;
    if (have.protocol === 'https:' && MICROSOFT_AUTHORITY_HOSTS.has(have.hostname) && pathOf(have) === NATIVE_CLIENT_PATH && requested === `${baseUrl}${NATIVE_CLIENT_PATH}`) return true;
    if (have.protocol !== want.protocol || have.hostname !== want.hostname || pathOf(have) !== pathOf(want) || have.search !== want.search) continue;
    if (have.protocol === 'http:' && LOOPBACK_HOSTS.has(have.hostname)) return true;
    if (have.port === want.port) return true;
  }
  return false;
}
