import { MailbridgeError } from '../errors/index.js';
import type { TokenClaims } from './token-provider.js';

/**
 * Reads the claims of a JWT access token WITHOUT verifying it: the resource (Graph, EWS) verifies
 * tokens; mailbridge only reads them to explain what a token allows (the CLI's `token` command,
 * `doctor`'s permission check, and the expiry of a token it was just given).
 *
 * @throws MailbridgeError `INVALID_RESPONSE` when the token is not a JWT with `aud`, `tid` and `exp`.
 */
export function decodeClaims(token: string): TokenClaims {
  const parts = token.split('.');
  // Never echo the token itself in the error: it is a secret even when malformed.
  const malformed = (why: string): MailbridgeError =>
    new MailbridgeError({
      code: 'INVALID_RESPONSE',
      message: `The access token could not be read: ${why}.`,
      hint: 'mailbridge expects a JWT access token from Entra ID. Check that endpoints.authorityHost points at an Entra ID (or the simulator), not at another server.',
    });
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') throw malformed('it is not a JWT (header.payload.signature)');

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw malformed('its payload is not base64url-encoded JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw malformed('its payload is not a JSON object');

  const raw = payload as Record<string, unknown>;
  // `aud` may be an array in JWTs generally; Entra access tokens carry one audience.
  const aud = Array.isArray(raw.aud) ? raw.aud.find((value): value is string => typeof value === 'string') : raw.aud;
  if (typeof aud !== 'string') throw malformed('it has no audience (aud) claim');
  if (typeof raw.exp !== 'number') throw malformed('it has no expiry (exp) claim');

  const claims: TokenClaims = {
    ...raw,
    aud,
    iss: typeof raw.iss === 'string' ? raw.iss : '',
    tid: typeof raw.tid === 'string' ? raw.tid : '',
    exp: raw.exp,
  };
  // Entra sends `roles` as an array; tolerate a single space-separated string from other issuers.
  if (typeof raw.roles === 'string') claims.roles = raw.roles.split(' ').filter(Boolean);
  else if (Array.isArray(raw.roles)) claims.roles = raw.roles.filter((role): role is string => typeof role === 'string');
  else delete claims.roles;
  if (raw.scp !== undefined && typeof raw.scp !== 'string') delete claims.scp;
  return claims;
}
