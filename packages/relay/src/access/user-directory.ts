import { createHash, timingSafeEqual } from 'node:crypto';
import { type RelayUserConfig, resolveSecret } from '@mailbridge/core';
import { verifyPassword } from './password-hash.js';

/** A relay user once its password is known to the relay. */
export interface RelayUser {
  username: string;
  allowedFrom?: string[];
  allowedRecipients?: string[];
}

/** Checks logins against `relay.users`. */
export interface UserDirectory {
  /** The user when the name and password match, else undefined. */
  authenticate(username: string, password: string): Promise<RelayUser | undefined>;
  readonly size: number;
}

const digest = (value: string) => createHash('sha256').update(value.normalize('NFC')).digest();

// A fixed hash for unknown user names, so they take as long to refuse as a wrong password.
const DUMMY_HASH = '$scrypt$N=16384,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/**
 * Resolves every secret-reference password once, at start (a missing variable fails the start, not
 * the first login), and keeps only their SHA-256 digests; scrypt hashes are checked at login.
 */
export async function createUserDirectory(users: readonly RelayUserConfig[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<UserDirectory> {
  const byName = new Map<string, { user: RelayUser; check: (password: string) => Promise<boolean> }>();
  for (const [index, config] of users.entries()) {
    const user: RelayUser = { username: config.username };
    if (config.allowedFrom) user.allowedFrom = config.allowedFrom;
    if (config.allowedRecipients) user.allowedRecipients = config.allowedRecipients;
    let check: (password: string) => Promise<boolean>;
    const password = config.password;
    if (typeof password === 'object' && 'scrypt' in password) {
      const hash = password.scrypt;
      check = (candidate) => verifyPassword(candidate, hash);
    } else {
      const expected = digest(await resolveSecret(password, { path: `relay.users[${index}].password`, ...(options.env ? { env: options.env } : {}) }));
      check = async (candidate) => timingSafeEqual(digest(candidate), expected);
    }
    byName.set(config.username.toLowerCase(), { user, check });
  }
  return {
    size: byName.size,
    async authenticate(username, password) {
      const entry = byName.get(username.toLowerCase());
      if (!entry) {
        await verifyPassword(password, DUMMY_HASH);
        return undefined;
      }
      return (await entry.check(password)) ? entry.user : undefined;
    },
  };
}
