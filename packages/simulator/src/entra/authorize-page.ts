import type { EntraError } from './entra-error.js';
import { escapeHtml, page } from './html-page.js';

/** What the sign-in and consent page shows. */
export interface AuthorizePageValues {
  /** Where the form posts (the authorize endpoint of the request's authority). */
  action: string;
  /** The pending request the form belongs to. */
  requestId: string;
  appName: string;
  /** Delegated permissions the app asks for (`Mail.Send`, …). */
  permissions: string[];
  /** Whether accepting grants permissions not consented yet (the consent part of the page). */
  needsConsent: boolean;
  email?: string | undefined;
  error?: string | undefined;
}

/**
 * The sign-in and consent page of `/authorize`: one form with the account, its password and the
 * permissions requested; "Accept" signs in (and consents), "Cancel" declines. Plain HTML with
 * stable field names (`request`, `email`, `password`, `action`), so a browser and a test's HTTP
 * client fill it in the same way.
 */
export function authorizePage(values: AuthorizePageValues): string {
  const list = values.permissions.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
  return page(
    'Sign in',
    `<h1>Sign in to ${escapeHtml(values.appName)}</h1>
${values.error ? `<p class="error" role="alert">${escapeHtml(values.error)}</p>` : ''}
<form method="post" action="${escapeHtml(values.action)}">
<input type="hidden" name="request" value="${escapeHtml(values.requestId)}">
<label for="email">Account (email)</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(values.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<h2>Permissions requested</h2>
<p>${escapeHtml(values.appName)} would like to:</p><ul id="permissions">${list}</ul>
${values.needsConsent ? '<p class="note" id="consent">You have not granted these yet: accepting consents to them on behalf of your account.</p>' : ''}
<div class="buttons"><button type="submit" id="accept" name="action" value="accept">Accept</button>
<button type="submit" id="cancel" name="action" value="cancel" formnovalidate>Cancel</button></div>
</form>
<p class="note">Simulated Microsoft identity platform: accounts come from the simulator's seed.</p>`,
  );
}

/** Entra's own error page, for problems it never sends to a redirect URI (AADSTS50011, an unknown app). */
export function authorizeErrorPage(error: EntraError, trace: { traceId: string; correlationId: string; timestamp: string }): string {
  return page(
    'Sign in',
    `<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" id="error" role="alert">AADSTS${error.aadsts}: ${escapeHtml(error.text)}</p>
<p class="note">Request Id: ${escapeHtml(trace.traceId)}<br>Correlation ID: ${escapeHtml(trace.correlationId)}<br>Timestamp: ${escapeHtml(trace.timestamp)}</p>`,
  );
}

/** Entra's blank `nativeclient` page: the address bar carries the answer, which the person copies. */
export function nativeClientPage(): string {
  return page('Sign in complete', '<p class="note">You can copy the address of this page now.</p>');
}
