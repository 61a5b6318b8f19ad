import { createHash, randomBytes } from 'node:crypto';
import { CLOUDS } from '../../cloud/clouds.js';
import { isLoopbackRedirectUri, type MailbridgeConfig } from '../../config/schema.js';
import type { HttpClient } from '../../http/http-client.js';
import { requestBuffered } from '../../http/request-buffered.js';
import { resolveAuthority } from '../authority.js';
import { delegatedScopes } from './delegated-scopes.js';
import { mapDelegatedError, redirectUriToRegister } from './map-delegated-error.js';

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
  throw mapDelegatedError(
    undefined,
    { status: response.status, body: problem },
    { phase: 'sign-in', flow: 'authorization-code', tenant: options.tenant, authorityHost: options.authorityHost, redirectUri: options.redirectUri, loopbackRedirect: options.loopback },
  );
}

/** The Entra error an authorize page shows (`AADSTSnnnn: text`), as a token-endpoint body; undefined for a sign-in page. */
export function authorizePageError(html: string): Record<string, unknown> | undefined {
  const match = /AADSTS(\d{4,}):\s*([^<"\\\r\n]{0,600})/.exec(html);
  if (!match) return undefined;
  const text = match[2]!
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .trim();
  const body: Record<string, unknown> = { error: 'invalid_request', error_description: `AADSTS${match[1]}: ${text}`, error_codes: [Number(match[1])] };
  const correlation = /Correlation ID:\s*([0-9a-f-]{36})/i.exec(html)?.[1];
  if (correlation) body.correlation_id = correlation;
  return body;
}

/** What {@link checkConfiguredRedirectUri} found: the redirect URI the sign-in uses and the form to register. */
export interface RedirectUriCheck {
  redirectUri: string;
  /** The URI to list on the app (a loopback one without its port). */
  register: string;
  mode: 'loopback' | 'paste';
}

/**
 * Asks Entra's authorize endpoint whether the app of an `authorization-code` config accepts the
 * redirect URI `mailbridge login` would use (the configured one, or `http://localhost`), without
 * signing in: what doctor checks. Throws the mapped error (AUTH_REDIRECT_URI_MISMATCH naming the
 * exact URI to add, AUTH_APP_NOT_FOUND, …).
 */
export async function checkConfiguredRedirectUri(config: MailbridgeConfig, http: HttpClient, options: { signal?: AbortSignal } = {}): Promise<RedirectUriCheck> {
  if (config.auth.flow !== 'authorization-code') throw new Error('checkConfiguredRedirectUri: auth.flow is not "authorization-code"');
  const auth = config.auth;
  const cloud = config.cloud ?? 'global';
  const authority = resolveAuthority({ cloud, authorityHost: config.endpoints?.authorityHost, tenant: auth.tenant });
  const configured = auth.redirectUri ?? 'http://localhost';
  const loopback = isLoopbackRedirectUri(configured);
  const redirectUri = loopback ? redirectUriToRegister(configured, true) : configured;
  const resource = config.transport === 'ews' ? 'ews' : 'graph';
  const query = new URLSearchParams({
    client_id: auth.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: [...delegatedScopes(CLOUDS[cloud], resource), 'openid', 'profile'].join(' '),
    response_mode: 'query',
    state: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
    code_challenge_method: 'S256',
  });
  await checkAuthorizeRequest(http, `${authority.authority}/oauth2/v2.0/authorize?${query}`, {
    redirectUri,
    loopback,
    tenant: auth.tenant,
    authorityHost: authority.host,
    timeoutMs: config.network?.timeoutMs,
    signal: options.signal,
  });
  return { redirectUri, register: redirectUriToRegister(redirectUri, loopback), mode: loopback ? 'loopback' : 'paste' };
}
