import type { SigningKey } from './signing-key.js';
import type { SimAccessTokenClaims, TokenVerifier } from './token-verifier.js';

/** Resources accept tokens up to five minutes outside their lifetime, to absorb clock skew. */
const SKEW_TOLERANCE_SECONDS = 300;
/** Bound of the verified-signature cache (tokens are reused for an hour by well-behaved clients). */
const CACHE_LIMIT = 2048;

/**
 * Verifies tokens the simulated Entra ID signed: signature (RS256, our `kid`) and lifetime
 * against the simulator's clock. Signature checks are cached per token so a resource can call
 * this on every request at thousands of requests per second.
 */
export function createTokenVerifier(key: SigningKey, now: () => number): TokenVerifier {
  const verified = new Map<string, SimAccessTokenClaims>();

  function checkSignature(token: string): SimAccessTokenClaims | 'malformed' | 'bad-signature' {
    const cached = verified.get(token);
    if (cached) return cached;
    const parts = token.split('.');
    if (parts.length !== 3) return 'malformed';
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: SimAccessTokenClaims;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as SimAccessTokenClaims;
    } catch {
      return 'malformed';
    }
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return 'malformed';
    if (typeof claims.exp !== 'number') return 'malformed';
    if (header.alg !== 'RS256' || header.kid !== key.kid) return 'bad-signature';
    if (!key.verifySignature(`${headerPart}.${payloadPart}`, Buffer.from(signaturePart, 'base64url'))) return 'bad-signature';
    if (verified.size >= CACHE_LIMIT) verified.delete(verified.keys().next().value as string);
    // Frozen: every caller of verify() gets this same object for this token.
    verified.set(token, Object.freeze(claims));
    return claims;
  }

  return {
    verify(token) {
      const result = checkSignature(token);
      if (typeof result === 'string') return { ok: false, error: result };
      const seconds = now() / 1000;
      if (result.exp + SKEW_TOLERANCE_SECONDS < seconds) return { ok: false, error: 'expired' };
      if (typeof result.nbf === 'number' && result.nbf - SKEW_TOLERANCE_SECONDS > seconds) return { ok: false, error: 'not-yet-valid' };
      return { ok: true, claims: result };
    },
  };
}
