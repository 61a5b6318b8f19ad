import { mapEntraError } from '../errors/aadsts.js';
import { MailbridgeError } from '../errors/index.js';
import { msalNode } from './msal-library.js';
import type { NetworkFailure } from './msal-network-client.js';

/** What the mapping needs to know about the configured credential. */
export interface TokenErrorContext {
  status?: number;
  /** True when the configured client secret is GUID-shaped (likely the secret ID, not its Value). */
  configuredSecretLooksLikeId: boolean;
  /** `auth.secretExpiresAt`, when configured. */
  secretExpiresAt?: string | undefined;
  /** The authority host, named in hints for network and TLS failures. */
  authorityHost: string;
  /** The kind of credential configured, so hints fit it. */
  credentialKind?: 'secret' | 'certificate' | 'assertion' | undefined;
}

/**
 * Turns whatever a token request threw into a {@link MailbridgeError}: errors already decided by
 * our network module (network, TLS, proxy, 429/5xx) as they are; Entra's error answers through
 * the AADSTS table (from the raw body when we have it, as it keeps trace and correlation ids);
 * msal-node's own client-side errors as configuration or internal errors.
 */
export function mapTokenError(error: unknown, failure: NetworkFailure | undefined, context: TokenErrorContext): MailbridgeError {
  const { AuthError, ServerError } = msalNode();
  if (MailbridgeError.isInstance(error)) return error;
  if (failure?.error !== undefined) return failure.error;

  const mapOptions = {
    status: failure?.status ?? (error instanceof ServerError ? error.status : undefined) ?? context.status ?? 400,
    configuredSecretLooksLikeId: context.configuredSecretLooksLikeId,
    ...(context.secretExpiresAt !== undefined ? { secretExpiresAt: context.secretExpiresAt } : {}),
    ...(context.credentialKind !== undefined ? { credentialKind: context.credentialKind } : {}),
  };
  if (failure?.body !== undefined) return mapEntraError(failure.body, mapOptions);

  if (error instanceof ServerError) {
    // No raw body (msal answered from its own state): rebuild Entra's shape from what msal kept.
    const body: Record<string, unknown> = { error: error.errorCode, error_description: error.errorMessage };
    if (error.errorNo !== undefined && error.errorNo !== '') body.error_codes = [Number(error.errorNo)];
    if (error.correlationId) body.correlation_id = error.correlationId;
    if (error.subError) body.suberror = error.subError;
    return mapEntraError(body, mapOptions);
  }

  if (error instanceof AuthError) {
    // Client-side msal errors: a key it cannot sign with, an authority it refuses, a bad response.
    const configProblem = /invalid_authority|url_parse_error|authority_uri_insecure|empty_url_error|invalid_client_credential|invalid_assertion|key|certificate|pem/i.test(`${error.errorCode} ${error.errorMessage}`);
    return new MailbridgeError({
      code: configProblem ? 'CONFIG_INVALID' : 'AUTH_FAILED',
      message: `Could not get a token from ${context.authorityHost}: ${error.errorCode}${error.errorMessage ? ` (${error.errorMessage})` : ''}.`,
      hint: configProblem ? 'Check auth (tenant, certificate files) and endpoints.authorityHost in the config.' : 'Run `mailbridge doctor --verbose` for details; if it persists, report it with that output.',
      details: { serviceCode: error.errorCode },
      cause: error,
    });
  }

  return new MailbridgeError({
    code: 'INTERNAL',
    message: `Token acquisition failed unexpectedly: ${error instanceof Error ? error.message : String(error)}.`,
    hint: 'This is a bug in mailbridge; please report it with --verbose output.',
    cause: error,
  });
}
