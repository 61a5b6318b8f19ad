import { AuthError, ClientAuthError, InteractionRequiredAuthError } from '@azure/msal-node';
import { parseEntraError } from '../../errors/aadsts.js';
import { MailbridgeError } from '../../errors/index.js';
import type { NetworkFailure } from '../msal-network-client.js';
import { mapTokenError } from '../map-token-error.js';

/** Where a delegated token request failed: while a person signs in, or renewing silently. */
export type DelegatedPhase = 'sign-in' | 'silent';

/** What {@link mapDelegatedError} needs to explain an error. */
export interface DelegatedErrorContext {
  phase: DelegatedPhase;
  /** `auth.tenant`: common, organizations, consumers or a tenant. */
  tenant: string;
  authorityHost: string;
}

export const LOGIN_HINT = 'Run `mailbridge login` to sign in again (or, from code, the provider\'s signIn()).';

/**
 * Sign-in and renewal errors of the device-code flow, in the user's terms. Builds on the app-only
 * mapping (network failures, the AADSTS table) and adds what only a person's sign-in meets:
 * the account type refused by the authority (personal on a work authority and the reverse), a
 * session that can no longer be renewed (revoked, password changed, refresh token expired: sign
 * in again), the device code expiring or being cancelled.
 */
export function mapDelegatedError(error: unknown, failure: NetworkFailure | undefined, context: DelegatedErrorContext): MailbridgeError {
  if (MailbridgeError.isInstance(error)) return error;

  if (error instanceof ClientAuthError || (error instanceof AuthError && !(error instanceof InteractionRequiredAuthError) && failure?.body === undefined)) {
    const code = (error as AuthError).errorCode;
    if (code === 'device_code_expired' || code === 'user_timeout_reached') {
      return new MailbridgeError({
        code: 'AUTH_DEVICE_CODE_EXPIRED',
        message: 'The device code expired before the sign-in was completed.',
        hint: 'Run `mailbridge login` again and enter the code within its validity (15 minutes).',
        details: { serviceCode: code },
      });
    }
    if (code === 'device_code_polling_cancelled') return cancelled();
    if (code === 'no_account_in_silent_request' || code === 'no_tokens_found' || code === 'refresh_token_expired') return interactionRequired('No sign-in is kept for this account.', { serviceCode: code });
  }

  const body = failure?.body ?? serverBody(error);
  const entra = body ? parseEntraError(body) : undefined;
  const specific = entra?.aadsts !== undefined ? accountTypeError(entra.aadsts, entra.description ?? '', context) : undefined;
  const base = mapTokenError(error, failure, { configuredSecretLooksLikeId: false, authorityHost: context.authorityHost });
  if (specific) return new MailbridgeError({ ...specific, details: base.details });

  if (base.code === 'AUTH_INTERACTION_REQUIRED') {
    return new MailbridgeError({ code: base.code, message: base.message, hint: base.hint.includes('mailbridge login') ? base.hint : `${base.hint} ${LOGIN_HINT}`, details: base.details });
  }
  // invalid_grant on a refresh (revoked sessions: 50173, password changed: 50133, …) and anything
  // msal itself calls interaction-required: the kept sign-in is dead; a new one is the fix.
  const revoked = context.phase === 'silent' && (error instanceof InteractionRequiredAuthError || entra?.error === 'invalid_grant');
  if (base.code === 'AUTH_FAILED' && revoked) {
    const reason = entra?.aadsts === 50173 || entra?.aadsts === 50133 || /revoked|password/i.test(entra?.description ?? '')
      ? 'The kept sign-in was revoked (sessions revoked by an administrator, or the password changed)'
      : 'The kept sign-in can no longer be renewed';
    return interactionRequired(`${reason}${entra?.aadsts !== undefined ? ` (AADSTS${entra.aadsts})` : ''}.`, base.details);
  }
  return base;
}

/** A caller gave up waiting (Ctrl-C, an abort signal) while the person was to sign in. */
export function cancelled(cause?: unknown): MailbridgeError {
  return new MailbridgeError({
    code: 'AUTH_DECLINED',
    message: 'The sign-in was cancelled before it completed.',
    hint: 'Run `mailbridge login` again when you are ready to enter the code.',
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** No usable sign-in: the person must sign in (again). */
export function interactionRequired(message: string, details: Record<string, unknown> = {}): MailbridgeError {
  return new MailbridgeError({ code: 'AUTH_INTERACTION_REQUIRED', message, hint: LOGIN_HINT, details });
}

function serverBody(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof AuthError)) return undefined;
  const body: Record<string, unknown> = { error: error.errorCode, error_description: error.errorMessage };
  if (error.subError) body.suberror = error.subError;
  return body;
}

/** Account-type and tenant-membership refusals, with what to set `auth.tenant` to. */
function accountTypeError(aadsts: number, description: string, context: DelegatedErrorContext): { code: 'AUTH_ACCOUNT_TYPE_MISMATCH' | 'AUTH_FAILED'; message: string; hint: string } | undefined {
  const tag = ` (AADSTS${aadsts})`;
  switch (aadsts) {
    case 9002331:
      return {
        code: 'AUTH_ACCOUNT_TYPE_MISMATCH',
        message: `The app accepts personal Microsoft accounts only, but auth.tenant is "${context.tenant}"${tag}.`,
        hint: 'Set auth.tenant to "consumers" for personal Outlook.com / Hotmail / Live accounts, or change the app\'s Supported account types (Entra admin center > App registrations > your app > Authentication) to include work accounts.',
      };
    case 9002332:
      return {
        code: 'AUTH_ACCOUNT_TYPE_MISMATCH',
        message: `The app accepts work or school accounts only, so it cannot be used with auth.tenant "consumers"${tag}.`,
        hint: 'Set auth.tenant to "organizations" (any work account) or your tenant id, or let the app accept personal accounts (Entra admin center > App registrations > your app > Authentication > Supported account types).',
      };
    case 50034:
      if (context.tenant.toLowerCase() !== 'consumers') return undefined;
      return {
        code: 'AUTH_ACCOUNT_TYPE_MISMATCH',
        message: `A work or school account signed in, but auth.tenant "consumers" accepts personal Microsoft accounts only${tag}.`,
        hint: 'Sign in with a personal account (Outlook.com, Hotmail, Live), or set auth.tenant to "organizations", "common" or your tenant id for work accounts, then run `mailbridge login` again.',
      };
    case 50020:
      if (/live\.com/i.test(description)) {
        return {
          code: 'AUTH_ACCOUNT_TYPE_MISMATCH',
          message: `A personal Microsoft account signed in, but auth.tenant "${context.tenant}" accepts work or school accounts only${tag}.`,
          hint: 'For a personal Outlook.com / Hotmail / Live mailbox set auth.tenant to "consumers" (or "common" if the app accepts both kinds), then run `mailbridge login` again.',
        };
      }
      return {
        code: 'AUTH_FAILED',
        message: `The account that signed in is not a member of the tenant "${context.tenant}" and the app cannot be used from its own tenant${tag}.`,
        hint: 'Sign in with an account of that tenant, or set auth.tenant to the account\'s own tenant (or "organizations") and make the app multi-tenant; then run `mailbridge login` again.',
      };
    default:
      return undefined;
  }
}
