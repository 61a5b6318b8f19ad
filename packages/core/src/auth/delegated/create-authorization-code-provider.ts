import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { PublicClientApplication } from '@azure/msal-node';
import type { TokenResource } from '../../cloud/clouds.js';
import { type AuthorizationCodeAuthConfig, isLoopbackRedirectUri, type MailbridgeConfig, NATIVE_CLIENT_PATH } from '../../config/schema.js';
import type { SecretRef } from '../../config/secret-ref.js';
import { resolveSecret } from '../../config/secrets.js';
import { MailbridgeError } from '../../errors/index.js';
import { defaultRedactor } from '../../redact/index.js';
import { resolveClientCredential } from '../client-credential.js';
import { msalNode } from '../msal-library.js';
import { checkAuthorizeRequest } from './check-authorize-request.js';
import { createDelegatedProvider, type DelegatedMsalApp, type DelegatedProviderDeps, type DelegatedSession } from './delegated-session.js';
import type { DelegatedTokenProvider, SignInOptions, SignInResult, SignInUrlInfo } from './delegated-token-provider.js';
import { startLoopbackListener } from './loopback-listener.js';
import { cancelled, mapDelegatedError } from './map-delegated-error.js';

/** Extra knobs of the authorization-code provider (tests, the CLI). */
export type AuthorizationCodeProviderDeps = DelegatedProviderDeps;

type CodeApp = DelegatedMsalApp & Pick<PublicClientApplication, 'getAuthCodeUrl' | 'acquireTokenByCode'>;

/** The default loopback redirect URI: any port (Entra accepts any for a registered http://localhost). */
export const DEFAULT_LOOPBACK_REDIRECT_URI = 'http://localhost';
/** How long a loopback sign-in waits for the browser by default: Entra's codes live 10 minutes. */
const DEFAULT_TIMEOUT_MS = 600_000;

/**
 * The token provider of `auth.flow: "authorization-code"`: a person signs in in a browser; the
 * code comes back to a loopback listener, or the person pastes the address the browser ended on
 * (the `nativeclient` page). msal-node builds the sign-in URL (`getAuthCodeUrl`) and redeems the
 * code (`acquireTokenByCode`) with PKCE (S256, from msal's CryptoProvider) and a random `state`
 * that the answer must carry. Without a credential the app is a PublicClientApplication; with a
 * client secret or certificate a ConfidentialClientApplication (as alerting products' set-up
 * sheets register the app). Token cache and silent renewal are shared with device code.
 */
export function createAuthorizationCodeProvider(config: MailbridgeConfig, auth: AuthorizationCodeAuthConfig, deps: AuthorizationCodeProviderDeps): DelegatedTokenProvider {
  const redactors = deps.redactor && deps.redactor !== defaultRedactor ? [deps.redactor, defaultRedactor] : [defaultRedactor];
  const registerSecret = (value: string): void => {
    for (const r of redactors) r.addSecret(value);
  };
  return createDelegatedProvider(
    config,
    auth,
    { ...deps, redactor: redactors[0] },
    {
      app: async (session) => {
        const base = { clientId: auth.clientId, ...session.setup.msalAuth };
        const common = { cache: { cachePlugin: session.plugin }, system: session.setup.msalSystem };
        if (auth.clientSecret === undefined && auth.certificate === undefined) return new (msalNode().PublicClientApplication)({ auth: base, ...common });
        const baseDir = deps.baseDir ?? process.cwd();
        const credential = await resolveClientCredential(
          { ...(auth.clientSecret !== undefined ? { clientSecret: auth.clientSecret } : {}), ...(auth.certificate !== undefined ? { certificate: auth.certificate } : {}) },
          {
            resolveSecret: deps.resolveSecret ?? ((ref, path) => resolveSecret(ref as SecretRef, { env: deps.env ?? process.env, baseDir, path })),
            baseDir,
            registerSecret,
          },
        );
        return new (msalNode().ConfidentialClientApplication)({ auth: { ...base, ...credential.msal }, ...common });
      },
      signIn: (session, app, options) => authorizationCodeSignIn(config, auth, deps, session, app as CodeApp, options, registerSecret),
    },
  );
}

async function authorizationCodeSignIn(
  config: MailbridgeConfig,
  auth: AuthorizationCodeAuthConfig,
  deps: AuthorizationCodeProviderDeps,
  session: DelegatedSession,
  app: CodeApp,
  options: SignInOptions,
  registerSecret: (value: string) => void,
): Promise<SignInResult> {
  const { network, authority } = session.setup;
  const resource: TokenResource = options.resource ?? (config.transport === 'ews' ? 'ews' : 'graph');
  const scopes = session.scopesFor(resource);
  const signal = options.signal;
  if (signal?.aborted) throw cancelled(signal.reason);
  if (!options.onSignInUrl) {
    throw new MailbridgeError({ code: 'USAGE', message: 'signIn: the authorization-code flow needs onSignInUrl, to send the person to the sign-in page.', hint: 'Pass onSignInUrl(info) and open info.url in a browser (or print it).' });
  }
  const configured = auth.redirectUri ?? DEFAULT_LOOPBACK_REDIRECT_URI;
  const paste = options.paste === true || !isLoopbackRedirectUri(configured);
  if (paste && !options.readRedirect) {
    throw new MailbridgeError({
      code: 'USAGE',
      message: 'signIn: the paste flow needs readRedirect, to read the address the browser ended on.',
      hint: 'Pass readRedirect(info), or use a loopback auth.redirectUri (http://localhost) on a machine with a browser.',
    });
  }

  const crypto = new (msalNode().CryptoProvider)();
  const pkce = await crypto.generatePkceCodes();
  const state = randomBytes(24).toString('base64url');
  // Never printed, but registered so no log line or error can carry them.
  registerSecret(pkce.verifier);

  const checkRedirect = (url: URL): { code: string } | { error: MailbridgeError } => {
    const error = readAuthorizationResponse(url, state, session);
    return 'code' in error ? error : { error: error.error };
  };
  const listener = paste
    ? undefined
    : await startLoopbackListener({
        redirectUri: configured,
        onRedirect: (url) => {
          const outcome = checkRedirect(url);
          return 'code' in outcome ? { ok: true } : { ok: false, message: outcome.error.message };
        },
      });
  try {
    const redirectUri = listener?.redirectUri ?? (isLoopbackRedirectUri(configured) ? `${authority.host}${NATIVE_CLIENT_PATH}` : configured);
    const correlationId = randomUUID();
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state,
      responseMode: 'query',
      prompt: 'select_account',
      loginHint: config.mailbox,
      correlationId,
    });
    // Entra shows a wrong redirect URI (and an unknown app) on its own page, never to the redirect
    // URI: ask before sending the person there, so the error is ours to explain.
    await checkAuthorizeRequest(deps.http, url, { redirectUri, loopback: listener !== undefined, tenant: auth.tenant, authorityHost: authority.host, timeoutMs: config.network?.timeoutMs, signal });
    const info: SignInUrlInfo = { url, redirectUri, mode: paste ? 'paste' : 'loopback' };
    await options.onSignInUrl(info);

    let answered: URL;
    if (listener) {
      answered = await listener.wait({ timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal });
    } else {
      const pasted = await abortable((options.readRedirect as NonNullable<SignInOptions['readRedirect']>)(info), signal);
      answered = parsePastedAddress(pasted);
    }
    const outcome = checkRedirect(answered);
    if ('error' in outcome) throw outcome.error;
    registerSecret(outcome.code);

    const started = session.now();
    const wallClockBefore = Date.now();
    const redeemId = randomUUID();
    try {
      const result = await app.acquireTokenByCode({ code: outcome.code, scopes, redirectUri, codeVerifier: pkce.verifier, correlationId: redeemId });
      return await session.completeSignIn(app, result, resource, wallClockBefore, started);
    } catch (error) {
      throw mapDelegatedError(error, network.takeFailure(redeemId), { ...session.errorContext('sign-in'), flow: 'authorization-code', redirectUri });
    } finally {
      network.forget(redeemId);
    }
  } finally {
    await listener?.close();
  }
}

/** Waits for a promise unless the signal aborts first (then AUTH_DECLINED, cancelled). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The address a person pasted: the whole URL from the address bar, or just its query
 * (`?code=…&state=…` or `code=…&state=…`). Whitespace and surrounding quotes are dropped.
 */
export function parsePastedAddress(text: string): URL {
  const trimmed = text.trim().replace(/^["'<]+|["'>]+$/g, '');
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return new URL(trimmed);
    return new URL(`https://pasted.invalid/${trimmed.startsWith('?') ? '' : '?'}${trimmed.replace(/^#/, '')}`);
  } catch {
    throw notAnAnswer();
  }
}

function notAnAnswer(): MailbridgeError {
  return new MailbridgeError({
    code: 'USAGE',
    message: 'The pasted text is not the address of a sign-in answer (it has no code and no error).',
    hint: 'After signing in, copy the whole address from the browser\'s address bar (it starts with the redirect URI and contains "code="), and paste it. Run `mailbridge login` again to start over.',
  });
}

/**
 * The code of a sign-in answer, after checking that it is this sign-in's (`state`); Entra's error
 * in the answer (`error`, `error_description`) is mapped as from the token endpoint.
 */
function readAuthorizationResponse(url: URL, state: string, session: DelegatedSession): { code: string } | { error: MailbridgeError } {
  const params = new URLSearchParams(url.search);
  // Some set-ups answer in the fragment (response_mode=fragment): accept it too.
  if (!params.has('code') && !params.has('error') && url.hash.length > 1) for (const [k, v] of new URLSearchParams(url.hash.slice(1))) params.set(k, v);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return { error: notAnAnswer() };
  const answered = params.get('state') ?? '';
  const a = Buffer.from(answered);
  const b = Buffer.from(state);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return {
      error: new MailbridgeError({
        code: 'AUTH_STATE_MISMATCH',
        message: answered === '' ? 'The sign-in answer carries no state, so it cannot be told apart from a forged one; it was ignored.' : "The sign-in answer belongs to another sign-in (its state differs from this one's); it was ignored.",
        hint: 'Run `mailbridge login` again and paste (or let the browser return) the address of that sign-in, not of an earlier one.',
      }),
    };
  }
  if (error) {
    const body: Record<string, unknown> = { error };
    const description = params.get('error_description');
    if (description) body.error_description = description;
    const uri = params.get('error_uri');
    if (uri) body.error_uri = uri;
    return { error: mapDelegatedError(undefined, { body }, { ...session.errorContext('sign-in'), flow: 'authorization-code' }) };
  }
  return { code: code as string };
}
