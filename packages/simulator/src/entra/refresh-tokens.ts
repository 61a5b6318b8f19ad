import { randomBytes } from 'node:crypto';
import { EntraError } from './entra-error.js';

/** Entra refresh tokens expire after 90 days without use. */
const MAX_INACTIVE_MS = 90 * 24 * 3600_000;
/** Bound of the store: the oldest tokens go first. */
const STORE_LIMIT = 20_000;

/** The sign-in session a refresh token continues. */
export interface RefreshSession {
  clientId: string;
  userMail: string;
  /** When the user signed in (ms): revocation kills sessions that started before it. */
  authTime: number;
  /** The scopes of the sign-in, used when a refresh request names none. */
  scope: string;
  /** The flow the session began with (Conditional Access "protocol tracking" follows device code sessions). */
  flow?: 'device-code' | 'authorization-code' | undefined;
}

interface StoredRefreshToken {
  session: RefreshSession;
  issuedAt: number;
  lastUsedAt: number;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Refresh tokens: opaque, multi-resource, rotated on use (the old one stays valid, as with Entra),
 * expiring after 90 days of inactivity, and revocable per user (TokensValidFrom).
 */
export class RefreshTokens {
  private readonly tokens = new Map<string, StoredRefreshToken>();
  /** Per user (lower-case mail): sessions that started before this time are revoked. */
  private readonly validFrom = new Map<string, number>();

  /** A new refresh token for the session. */
  issue(session: RefreshSession, now: number): string {
    const token = `1.AX${randomBytes(96).toString('base64url')}`;
    if (this.tokens.size >= STORE_LIMIT) this.tokens.delete(this.tokens.keys().next().value as string);
    this.tokens.set(token, { session, issuedAt: now, lastUsedAt: now });
    return token;
  }

  /**
   * The session of a refresh token presented by `clientId`.
   * @throws EntraError invalid_grant: 9002313 (unknown), 70000 (other client), 50173 (revoked), 700082 (inactive
   * 90 days); the last two with `suberror: bad_token`, which msal-node turns into InteractionRequiredAuthError.
   */
  redeem(token: string, clientId: string, now: number): RefreshSession {
    const stored = this.tokens.get(token);
    if (!stored) throw new EntraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (stored.session.clientId.toLowerCase() !== clientId.toLowerCase()) {
      throw new EntraError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
    }
    const validFrom = this.validFrom.get(stored.session.userMail.toLowerCase());
    if (validFrom !== undefined && stored.session.authTime < validFrom) {
      throw new EntraError(
        400,
        'invalid_grant',
        50173,
        `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${isoSeconds(stored.session.authTime)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${isoSeconds(validFrom)}'.`,
        'bad_token',
      );
    }
    if (now - stored.lastUsedAt > MAX_INACTIVE_MS) {
      throw new EntraError(400, 'invalid_grant', 700082, `The refresh token has expired due to inactivity. The token was issued on ${isoSeconds(stored.issuedAt)} and was inactive for 90.00:00:00.`, 'bad_token');
    }
    stored.lastUsedAt = now;
    return stored.session;
  }

  /** Revokes every session of a user that started before now (as "Revoke sessions" or a password reset). */
  revoke(userMail: string, now: number): void {
    this.validFrom.set(userMail.toLowerCase(), now);
  }
}
