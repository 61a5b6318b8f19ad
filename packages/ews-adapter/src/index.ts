/**
 * @mailbridge/ews-adapter — mailbridge's MailTransport over Exchange Web Services: sending on
 * hand-written SOAP, the rest on ews-javascript-api (loaded when first needed), both on core's HTTP
 * layer (proxy, CA, time-outs, retries, concurrency per identity).
 * @packageDocumentation
 */
import { MailbridgeError, type MailTransport, resolveSecret, type SecretRef, type TransportContext } from '@mailbridge/core';
import { EwsTransport } from './ews-transport.js';
import type { EwsTransportOptions } from './ews-transport-options.js';
import type { EwsAuthentication } from './ews-xhr.js';
import { NtlmAuthenticator } from './http/ntlm-authenticator.js';

export { EwsTransport } from './ews-transport.js';
export type { EwsTransportOptions, EwsVersionName } from './ews-transport-options.js';
export type { EwsAuthentication } from './ews-xhr.js';
export { type EwsFailure, mapEwsError } from './map-ews-error.js';

/** The version of @mailbridge/ews-adapter. */
export const VERSION: string = __PACKAGE_VERSION__;

/** Creates a MailTransport over EWS from explicit options (see {@link EwsTransportOptions}). */
export function createEwsTransport(options: EwsTransportOptions): EwsTransport {
  return new EwsTransport(options);
}

/** Resolves a secret reference once, when first needed (core's resolver: env or file). */
function lazySecret(ref: SecretRef, path: string): () => Promise<string> {
  let value: Promise<string> | undefined;
  return () => {
    value ??= resolveSecret(ref, { path });
    return value;
  };
}

/**
 * Builds the transport from core's shared services (what core's `createTransport(config)` calls after
 * a dynamic import of this package).
 */
export function createTransport(context: TransportContext): MailTransport {
  const { config } = context;
  const auth = config.auth as { flow: string; username?: string; password?: SecretRef; domain?: string };
  let authentication: EwsAuthentication;
  if (auth.flow === 'basic' || auth.flow === 'ntlm') {
    authentication = {
      kind: auth.flow,
      username: auth.username ?? '',
      password: lazySecret(auth.password as SecretRef, 'auth.password'),
      ...(auth.domain ? { domain: auth.domain } : {}),
    };
    if (auth.flow === 'ntlm' && config.network.proxy) {
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: 'network.proxy: NTLM sign-in cannot go through a proxy with mailbridge.',
        hint: 'Reach the Exchange server directly (remove network.proxy), or use auth.flow "basic" over HTTPS.',
        details: { path: 'network.proxy' },
      });
    }
  } else {
    authentication = { kind: 'bearer', tokenProvider: context.tokenProvider };
  }
  const ews = config.ews as { version?: EwsTransportOptions['version']; impersonate?: boolean };
  return createEwsTransport({
    url: context.endpoints.ews,
    mailbox: context.mailbox,
    authentication,
    http: context.http,
    retry: context.retry,
    logger: context.logger,
    ...(ews.version ? { version: ews.version } : {}),
    ...(ews.impersonate !== undefined ? { impersonate: ews.impersonate } : {}),
    ...(config.network.timeoutMs ? { timeoutMs: config.network.timeoutMs } : {}),
    ...(auth.flow === 'ntlm' && config.network.caFile ? { ntlmCaPem: NtlmAuthenticator.readCaFile(config.network.caFile) } : {}),
  });
}
