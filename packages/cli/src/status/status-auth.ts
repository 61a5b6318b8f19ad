import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The resolved credentials of `status.auth` (secret references already read). */
export type StatusCredentials = { bearer: string } | { basic: { user: string; password: string } };

/** Decides whether a request may read the status endpoints. */
export interface StatusAuth {
  /** True when the request carries the configured credentials. */
  allows(request: IncomingMessage): boolean;
  /** The `WWW-Authenticate` challenge of a 401 answer. */
  readonly challenge: string;
}

const REALM = 'mailbridge status';

// Comparing digests keeps the time independent of where the first difference is and of the length.
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Creates the check of `status.auth`: `Authorization: Bearer <token>` or HTTP Basic. The given
 * credentials are compared in constant time and never kept, logged or echoed.
 */
export function createStatusAuth(credentials: StatusCredentials): StatusAuth {
  if ('bearer' in credentials) {
    const expected = credentials.bearer;
    return {
      challenge: `Bearer realm="${REALM}"`,
      allows(request) {
        const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
        return match !== null && sameSecret(match[1]!, expected);
      },
    };
  }
  const { user, password } = credentials.basic;
  return {
    challenge: `Basic realm="${REALM}", charset="UTF-8"`,
    allows(request) {
      const match = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
      if (match === null) return false;
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      // Both halves are compared, always, so a wrong user name takes as long as a wrong password.
      const userOk = sameSecret(decoded.slice(0, colon), user);
      const passwordOk = sameSecret(decoded.slice(colon + 1), password);
      return userOk && passwordOk;
    },
  };
}
