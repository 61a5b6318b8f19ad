import { MailbridgeError } from '../errors/index.js';
import { safeUrl } from './safe-url.js';

/**
 * True for an HTTP status that redirects (every 3xx but 304 Not Modified). mailbridge follows none:
 * almost every request it makes carries a credential (client secret, client assertion, refresh
 * token, device code, bearer token, Basic or NTLM), and a redirect would hand it to another host.
 */
export function isRedirectStatus(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

/**
 * The error for a redirect that was not followed: code REDIRECT_REFUSED, naming the host the
 * `Location` header pointed to (resolved against `url`; never its path or query, which may hold a
 * token), so the user can tell a wrong endpoint from an interception.
 */
export function redirectRefused(url: string, status: number, location: string | null | undefined): MailbridgeError {
  let target: URL | undefined;
  try {
    target = location ? new URL(location, url) : undefined;
  } catch {
    target = undefined;
  }
  const from = safeUrl(url);
  const where = target ? `to ${target.host || target.protocol}` : location ? 'to an unparseable location' : 'without a Location';
  return new MailbridgeError({
    code: 'REDIRECT_REFUSED',
    message: `${from} answered HTTP ${status}, a redirect ${where}; mailbridge does not follow redirects, so nothing was sent there.`,
    hint:
      'Requests carry credentials, which must never go to another host. Set the endpoint URLs (endpoints.* in the config) to the final address; ' +
      'a redirect from a Microsoft endpoint usually means a wrong endpoints.authorityHost, endpoints.graph or endpoints.ews, or a proxy or DNS entry sending you elsewhere.',
    details: { status, ...(target ? { redirectHost: target.host, redirectOrigin: target.origin } : {}) },
  });
}
