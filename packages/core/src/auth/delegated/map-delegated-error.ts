import type { AuthError } from '@azure/msal-node';
import { parseEntraError } from '../../errors/aadsts.js';
import { MailbridgeError } from '../../errors/index.js';
import { mapTokenError } from '../map-token-error.js';
import { msalNode } from '../msal-library.js';
import type { NetworkFailure } from '../msal-network-client.js';

/** Where a delegated token request failed: while a person signs in, or renewing silently. */
export type DelegatedPhase = 'sign-in' | 'silent';

/** What {@link mapDelegatedError} needs to explain an error. */
export interface DelegatedErrorContext {
  phase: DelegatedPhase;
  /** `auth.tenant`: common, organizations, consumers or a tenant. */
  tenant: string;
  authorityHost: string;
  /** The sign-in flow. @default 'device-code' */
  flow?: 'device-code' | 'authorization-code' | undefined;
  /** The redirect URI of an authorization-code sign-in (named in AADSTS50011's hint). */
  redirectUri?: string | undefined;
  /** True when that redirect URI is a loopback one (the URI to register then has no port). */
  loopbackRedirect?: boolean | undefined;
}

export const LOGIN_HINT = "Run `mailbridge login` to sign in again (or, from code, the provider's signIn()).";

/**
 * Sign-in and renewal errors of the device-code flow, in the user's terms. Builds on the app-only
 * mapping (network failures, the AADSTS table) and adds what only a person's sign-in meets:
 * the account type refused by the authority (personal on a work authority and the reverse), a
 * session that can no longer be renewed (revoked, password changed, refresh token expired: sign
 * in again), the device code expiring or being cancelled.
 */
export function mapDelegatedError(error: unknown, failure: NetworkFailure | undefined, context: DelegatedErrorContext): MailbridgeError {
  const { AuthError, ClientAuthError, InteractionRequiredAuthError } = msalNode();
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
  const specific = entra?.aadsts !== undefined ? (accountTypeError(entra.aadsts, entra.description ?? '', context) ?? flowError(entra.aadsts, context)) : undefined;
  const base = mapTokenError(error, failure, { configuredSecretLooksLikeId: false, authorityHost: context.authorityHost });
  if (specific) return new MailbridgeError({ ...specific, details: base.details });

  if (base.code === 'AUTH_INTERACTION_REQUIRED') {
    return new MailbridgeError({ code: base.code, message: base.message, hint: base.hint.includes('mailbridge login') ? base.hint : `${base.hint} ${LOGIN_HINT}`, details: base.details });
  }
  // invalid_grant on a refresh (revoked sessions: 50173, password changed: 50133, …) and anything
  // msal itself calls interaction-required: the kept sign-in is dead; a new one is the fix.
  const revoked = context.phase === 'silent' && (error instanceof InteractionRequiredAuthError || entra?.error === 'invalid_grant');
  if (base.code === 'AUTH_FAILED' && revoked) {
    const reason =
      entra?.aadsts === 50173 || entra?.aadsts === 50133 || /revoked|password/i.test(entra?.description ?? '')
        ? 'The kept sign-in was revoked (sessions revoked by an administrator, or the password changed)'
        : 'The kept sign-in can no longer be renewed';
    return interactionRequired(`${reason}${entra?.aadsts !== undefined ? ` (AADSTS${entra.aadsts})` : ''}.`, base.details);
  }
  return base;
}

/** The registered form of a redirect URI: a loopback one without its port (Entra accepts any port for it). */
export function redirectUriToRegister(redirectUri: string, loopback: boolean): string {
  if (!loopback) return redirectUri;
  const url = new URL(redirectUri);
  url.port = '';
  return url.pathname === '/' && !/^http:\/\/[^/?#]+\//i.test(redirectUri) ? `${url.protocol}//${url.host}` : url.href;
}

/** Errors whose explanation depends on the flow: browser sign-in problems, and a device code blocked by policy. */
function flowError(aadsts: number, context: DelegatedErrorContext): { code: 'AUTH_REDIRECT_URI_MISMATCH' | 'AUTH_CODE_INVALID' | 'AUTH_CONDITIONAL_ACCESS' | 'AUTH_INVALID_REQUEST'; message: string; hint: string } | undefined {
  const tag = ` (AADSTS${aadsts})`;
  const app = 'Entra admin center > App registrations > your app';
  const codeFlow = context.flow === 'authorization-code';
  if (aadsts === 50011 && context.redirectUri !== undefined) {
    const register = redirectUriToRegister(context.redirectUri, context.loopbackRedirect === true);
    return {
      code: 'AUTH_REDIRECT_URI_MISMATCH',
      message: `The app has no redirect URI ${register}${context.loopbackRedirect ? ' (any port)' : ''}${tag}.`,
      hint: `Add exactly ${register} in ${app} > Authentication > Add a platform > Mobile and desktop applications (Custom redirect URIs), then run \`mailbridge login\` again${codeFlow && context.loopbackRedirect ? '; or set auth.redirectUri to a redirect URI the app already lists (e.g. the nativeclient one, with `mailbridge login --no-browser`)' : ''}.`,
    };
  }
  if (codeFlow && context.phase === 'sign-in' && (aadsts === 70008 || aadsts === 54005 || aadsts === 501481 || aadsts === 70000)) {
    const what = aadsts === 54005 ? 'was already used' : aadsts === 501481 ? "does not match this sign-in's PKCE verifier" : aadsts === 70008 ? 'has expired' : 'is not valid';
    return {
      code: 'AUTH_CODE_INVALID',
      message: `The authorization code ${what}${tag}.`,
      hint:
        aadsts === 70008
          ? 'Codes live a few minutes: run `mailbridge login` again and paste the address right after signing in.'
          : 'Run `mailbridge login` again and finish that sign-in (paste the address of this sign-in, not of an earlier one).',
    };
  }
  if (aadsts === 53003 && !codeFlow) {
    return {
      code: 'AUTH_CONDITIONAL_ACCESS',
      message: `A Conditional Access policy blocked the ${context.phase === 'sign-in' ? 'device code sign-in' : 'renewal of the device code sign-in'}${tag}.`,
      hint: 'Many tenants block the device code flow on purpose (Conditional Access > Authentication flows). Sign in in a browser instead: set "auth": {"flow": "authorization-code", ...} with the same clientId, register the redirect URI http://localhost (Authentication > Mobile and desktop applications), and run `mailbridge login`. Otherwise an administrator can find the policy in Entra admin center > Sign-in logs (search the correlation id).',
    };
  }
  if (aadsts === 7000218 && codeFlow) {
    return {
      code: 'AUTH_INVALID_REQUEST',
      message: `The app is registered as a confidential client (a web app), but auth has no clientSecret or certificate${tag}.`,
      hint: `Add auth.clientSecret (the secret's Value from ${app} > Certificates & secrets), or register the redirect URI under "Mobile and desktop applications" and set Allow public client flows to Yes (${app} > Authentication).`,
    };
  }
  if (aadsts === 700025 && codeFlow) {
    return {
      code: 'AUTH_INVALID_REQUEST',
      message: `The app is a public client, so it may not send the configured client secret or certificate${tag}.`,
      hint: `Remove auth.clientSecret / auth.certificate (a public client signs in with PKCE alone), or register the redirect URI under "Web" with a client secret (${app} > Authentication).`,
    };
  }
  return undefined;
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
  const { AuthError } = msalNode();
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
