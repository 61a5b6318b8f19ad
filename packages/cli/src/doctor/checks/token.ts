import type { DelegatedTokenProvider, TokenClaims } from '@mailbridge/core';
import { type CheckOutcome, type DoctorCheck, required } from '../doctor-check.js';

/** `token`: a token for the transport's resource can be had (for a person: the kept sign-in still renews). */
export const tokenCheck: DoctorCheck = {
  id: 'token',
  needs: ['authority'],
  skipMessage: 'Skipped: a token is needed first.',
  async run(context) {
    const { config } = required(context, 'loaded');
    const runtime = required(context, 'runtime');
    if (config.auth.flow === 'basic' || config.auth.flow === 'ntlm') {
      return { status: 'skip', message: `No token: ${config.auth.flow} authentication to Exchange Server.` };
    }
    const core = await import('@mailbridge/core');
    const resource = config.transport === 'ews' ? 'ews' : 'graph';
    if (core.isDelegatedTokenProvider(runtime.tokens)) {
      // Delegated (device code): the kept sign-in, then a forced silent renewal.
      const delegated = await delegatedToken(runtime.tokens, resource);
      context.claims = delegated.claims;
      return delegated.result;
    }
    const token = await runtime.tokens.getToken(resource);
    context.claims = token.claims;
    const claims = token.claims;
    const who = claims.appid ?? claims.azp ?? '';
    return {
      status: 'pass',
      message: `Got ${runtime.tokens.kind === 'app-only' ? 'an app-only' : 'a delegated'} token for ${claims.aud} (app ${who}, tenant ${claims.tid}), valid until ${token.expiresAt.toISOString()}.`,
    };
  },
};

/**
 * The device-code flow: someone must be signed in (the token cache holds an account), a token must
 * come from the cache, and the kept refresh token must still renew silently (a forced renewal: a
 * revoked or expired sign-in fails here, with "run mailbridge login").
 */
async function delegatedToken(tokens: DelegatedTokenProvider, resource: 'graph' | 'ews'): Promise<{ claims: TokenClaims; result: CheckOutcome }> {
  const core = await import('@mailbridge/core');
  const account = await tokens.account();
  if (!account) {
    throw new core.MailbridgeError({
      code: 'AUTH_INTERACTION_REQUIRED',
      message: `No one is signed in: the token cache ${tokens.tokenCachePath} holds no account.`,
      hint: 'Run `mailbridge login` and sign in as the person whose mailbox this is.',
    });
  }
  await tokens.getToken(resource);
  const renewed = await tokens.getToken(resource, { forceRefresh: true });
  const claims = renewed.claims;
  const who = claims.appid ?? claims.azp ?? '';
  return {
    claims,
    result: {
      status: 'pass',
      message:
        `Signed in as ${account.username} (tenant ${account.tenantId}); got a delegated token for ${claims.aud} (app ${who}), ` + `and the kept refresh token renews silently (new token valid until ${renewed.expiresAt.toISOString()}).`,
    },
  };
}
