import { randomUUID } from 'node:crypto';
import type { DeviceCodeRequest, PublicClientApplication } from '@azure/msal-node';
import type { TokenResource } from '../../cloud/clouds.js';
import type { DeviceCodeAuthConfig, MailbridgeConfig } from '../../config/schema.js';
import { MailbridgeError } from '../../errors/index.js';
import { msalNode } from '../msal-library.js';
import { createDelegatedProvider, type DelegatedMsalApp, type DelegatedProviderDeps, type DelegatedSession } from './delegated-session.js';
import type { DelegatedTokenProvider, SignInOptions, SignInResult } from './delegated-token-provider.js';
import { cancelled, mapDelegatedError } from './map-delegated-error.js';

/** Extra knobs of the device-code provider (tests, the CLI). */
export type DeviceCodeProviderDeps = DelegatedProviderDeps;

/**
 * The token provider of `auth.flow: "device-code"`: msal-node's PublicClientApplication on the
 * configured authority (`common`, `organizations`, `consumers` or a tenant), with the same
 * authority metadata and network module as the app-only provider (so no instance discovery, and
 * every request goes through mailbridge's HTTP client). Token cache and silent renewal are the
 * delegated flows' shared ones ({@link createDelegatedProvider}); only the sign-in is this flow's.
 */
export function createDeviceCodeProvider(config: MailbridgeConfig, auth: DeviceCodeAuthConfig, deps: DeviceCodeProviderDeps): DelegatedTokenProvider {
  let app: PublicClientApplication | undefined;
  return createDelegatedProvider(config, auth, deps, {
    app: async (session) => {
      app ??= new (msalNode().PublicClientApplication)({ auth: { clientId: auth.clientId, ...session.setup.msalAuth }, cache: { cachePlugin: session.plugin }, system: session.setup.msalSystem });
      return app;
    },
    signIn: (session, msalApp, options) => deviceCodeSignIn(config, session, msalApp as PublicClientApplication, options),
  });
}

async function deviceCodeSignIn(config: MailbridgeConfig, session: DelegatedSession, app: DelegatedMsalApp & Pick<PublicClientApplication, 'acquireTokenByDeviceCode'>, options: SignInOptions): Promise<SignInResult> {
  const { network } = session.setup;
  const resource: TokenResource = options.resource ?? (config.transport === 'ews' ? 'ews' : 'graph');
  const correlationId = randomUUID();
  const signal = options.signal;
  if (signal?.aborted) throw cancelled(signal.reason);
  const onDeviceCode = options.onDeviceCode;
  if (!onDeviceCode) throw new MailbridgeError({ code: 'USAGE', message: 'signIn: the device-code flow needs onDeviceCode, to show the code to the person.', hint: 'Pass onDeviceCode(info) and show info.message.' });
  const request: DeviceCodeRequest = {
    scopes: session.scopesFor(resource),
    correlationId,
    deviceCodeCallback: (response) => {
      // msal-node does not check the device-code answer: an Entra error there (an app not for this
      // authority, AADSTS9002331) arrives as a "response" without a code. Stop here; the error
      // body our network module recorded says what went wrong.
      if (!response.userCode || !response.deviceCode) throw new DeviceCodeRefused();
      onDeviceCode({
        userCode: response.userCode,
        verificationUri: response.verificationUri,
        message: response.message,
        expiresAt: new Date(Date.now() + response.expiresIn * 1000),
      });
    },
  };
  const started = session.now();
  const wallClockBefore = Date.now();
  // msal checks `cancel` before each poll; we also stop waiting at once.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      request.cancel = true;
      reject(cancelled(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const flow = app.acquireTokenByDeviceCode(request);
  // msal's polling ends with "cancelled" after an abort: nobody waits for it any more.
  flow.catch(() => undefined);
  try {
    const result = await (signal ? Promise.race([flow, aborted]) : flow);
    return await session.completeSignIn(app, result, resource, wallClockBefore, started);
  } catch (error) {
    if (signal?.aborted) throw cancelled(signal.reason);
    throw mapDelegatedError(error, network.takeFailure(correlationId), session.errorContext('sign-in'));
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    network.forget(correlationId);
  }
}

/** Entra refused to hand out a device code (its error body is with the network module). */
class DeviceCodeRefused extends Error {
  constructor() {
    super('Entra ID did not hand out a device code.');
  }
}
