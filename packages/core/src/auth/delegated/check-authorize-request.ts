import type { HttpClient } from '../../http/http-client.js';
import { requestBuffered } from '../../http/request-buffered.js';
import { mapDelegatedError } from './map-delegated-error.js';

/** What {@link checkAuthorizeRequest} needs besides the URL. */
export interface CheckAuthorizeOptions {
  redirectUri: string;
  /** True when the redirect URI is a loopback one (then any port is fine: the URI to register has none). */
  loopback: boolean;
  tenant: string;
  authorityHost: string;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The sign-in page is large; an error page is small. Enough for either. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * Asks Entra's authorize endpoint for the sign-in page without signing in. Entra checks the app and
 * the redirect URI before showing it, and shows a problem on its own page (it never redirects to a
 * URI it does not trust), as `AADSTS50011: The redirect URI '…' specified in the request does not
 * match…`. Finding the number there lets `login` (and `doctor`) explain it instead of leaving the
 * person at an error page. Answers without an `AADSTSnnnn:` are the sign-in page: fine.
 */
export async function checkAuthorizeRequest(http: HttpClient, url: string, options: CheckAuthorizeOptions): Promise<void> {
  const response = await requestBuffered(http, url, {
    headers: { accept: 'text/html' },
    maxResponseBytes: MAX_PAGE_BYTES,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const problem = authorizePageError(Buffer.from(response.body).toString('utf8'));
  if (!problem) return;
  throw mapDelegatedError(undefined, { status: response.status, body: problem }, { phase: 'sign-in', flow: 'authorization-code', tenant: options.tenant, authorityHost: options.authorityHost, redirectUri: options.redirectUri, loopbackRedirect: options.loopback });
}

/** The Entra error an authorize page shows (`AADSTSnnnn: text`), as a token-endpoint body; undefined for a sign-in page. */
export function authorizePageError(html: string): Record<string, unknown> | undefined {
  const match = /AADSTS(\d{4,}):\s*([^<"\\\r\n]{0,600})/.exec(html);
  if (!match) return undefined;
  const text = match[2]!.replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').trim();
  const body: Record<string, unknown> = { error: 'invalid_request', error_description: `AADSTS${match[1]}: ${text}`, error_codes: [Number(match[1])] };
  const correlation = /Correlation ID:\s*([0-9a-f-]{36})/i.exec(html)?.[1];
  if (correlation) body.correlation_id = correlation;
  return body;
}
