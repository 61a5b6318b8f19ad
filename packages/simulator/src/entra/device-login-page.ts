import type { Directory } from '../state/directory.js';
import { escapeHtml, page } from './html-page.js';

/** The sign-in form at the `verification_uri`: a code, an account, its password (when the user has one). */
export function deviceLoginForm(action: string, values: { code?: string; email?: string; error?: string } = {}): string {
  return page(
    'Enter code',
    `<h1>Enter code</h1>
<p>Enter the code displayed on your app or device, and the account to sign in with.</p>
${values.error ? `<p class="error" role="alert">${escapeHtml(values.error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="code">Code</label><input id="code" name="code" autocomplete="off" required value="${escapeHtml(values.code ?? '')}">
<label for="email">Account (email)</label><input id="email" name="email" type="email" required value="${escapeHtml(values.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password">
<div class="buttons"><button type="submit" name="action" value="continue">Sign in and allow</button>
<button type="submit" name="action" value="decline">Cancel</button></div>
</form>
<p class="note">Simulated Microsoft identity platform: accounts come from the simulator's seed.</p>`,
  );
}

/** What the person sees after approving or declining. */
export function deviceLoginDone(appName: string, declined: boolean): string {
  return declined
    ? page('Sign-in cancelled', `<h1>Sign-in cancelled</h1><p>You declined to sign in to ${escapeHtml(appName)}. You may now close this window.</p>`)
    : page('Signed in', `<h1>${escapeHtml(appName)}</h1><p>You have signed in to the ${escapeHtml(appName)} application on your device. You may now close this window.</p>`);
}

/** The outcome of a form post. */
export type DeviceLoginSubmission = { ok: true; code: string; email: string; decline: boolean; appName: string } | { ok: false; error: string; code: string; email: string };

/**
 * Checks a posted sign-in form against the pending codes and the directory: the code must be
 * pending, the account must exist, and its password must match when the seed gives it one.
 */
export function readDeviceLoginForm(body: Buffer, directory: Directory, pending: (code: string) => { clientId: string } | undefined): DeviceLoginSubmission {
  const form = new URLSearchParams(body.toString('utf8'));
  const code = (form.get('code') ?? '').trim();
  const email = (form.get('email') ?? '').trim();
  const found = pending(code);
  if (!found) return { ok: false, error: "That code didn't work. Check the code and try again.", code, email };
  const user = directory.user(email);
  if (!user) return { ok: false, error: "We couldn't find an account with that username.", code, email };
  const decline = form.get('action') === 'decline';
  if (!decline && user.password !== undefined && form.get('password') !== user.password) {
    return { ok: false, error: 'Your account or password is incorrect.', code, email };
  }
  const app = directory.app(found.clientId);
  return { ok: true, code, email: user.mail, decline, appName: app?.displayName ?? found.clientId };
}
