import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { calendarDaysUntil } from './calendar-days.js';
import { isGuidShaped, type MailbridgeConfig } from './schema.js';
import { isEnvSecretRef, isFileSecretRef, type SecretRef } from './secret-ref.js';

/** The kinds of warning a config can carry. `doctor` shows them; nothing fails because of them. */
export type ConfigWarningCode =
  /** The clientSecret is GUID-shaped: most likely the secret's ID, not its Value. */
  | 'SECRET_LOOKS_LIKE_ID'
  /** A secret is written in the config file itself. */
  | 'SECRET_INLINE'
  /** A secret (or private key) file can be read by group or others. */
  | 'SECRET_FILE_PERMISSIONS'
  /** A `{file}` secret's file does not exist (yet): the first token request will fail. */
  | 'SECRET_FILE_MISSING'
  /** A `{env}` secret's variable is not set: the first token request will fail. */
  | 'SECRET_ENV_MISSING'
  /** `secretExpiresAt` is within 30 days. */
  | 'SECRET_EXPIRES_SOON'
  /** `secretExpiresAt` has passed (`doctor` fails on this one). */
  | 'SECRET_EXPIRED'
  /** An environment variable replaced a value of the file (e.g. MAILBRIDGE_CLIENT_SECRET replaced a certificate). */
  | 'ENV_OVERRIDE'
  /** The config file holds a secret inline and can be read by group or others. */
  | 'CONFIG_FILE_PERMISSIONS'
  /** The token cache (it holds a refresh token) can be read by group or others. */
  | 'TOKEN_CACHE_PERMISSIONS';

/** Something in a valid config that is probably a mistake or a risk. */
export interface ConfigWarning {
  /** JSON path, e.g. `auth.clientSecret`. */
  path: string;
  code: ConfigWarningCode;
  message: string;
  /** What to do about it. */
  hint: string;
}

/** How far ahead an expiring secret is warned about. */
export const SECRET_EXPIRY_WARNING_DAYS = 30;
const PEEK_BYTES = 4096;

const SECRET_ID_MESSAGE = 'this looks like the secret ID, not its Value: in Entra admin center > App registrations > Certificates & secrets, copy the Value column, shown only once when the secret is created';
const SECRET_ID_HINT = 'If the Value is no longer shown, create a new client secret (Certificates & secrets > New client secret), copy its Value and update the config and secretExpiresAt.';

// Every stat here asks for bigint fields. A plain synchronous stat fills a buffer Node shares with
// fs.realpathSync, which reads the file type left in it: after a stat of a FIFO (a config or secret
// given as `<(…)` or a named pipe) it stops resolving symbolic links early, and the ES module loader
// then resolves packages through pnpm's links (measured: `mailbridge relay --config <(cat f)` failed
// with ERR_UNSUPPORTED_DIR_IMPORT loading smtp-server). Bigint stats use another buffer.

/** Reads the start of a small file, or undefined when it cannot (the lazy resolution reports why, later). */
function peek(file: string): string | undefined {
  let fd: number | undefined;
  try {
    // Non-blocking: opening a FIFO without a writer would otherwise block the process.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd, { bigint: true }).isFile()) return undefined;
    const buffer = Buffer.alloc(PEEK_BYTES);
    const read = readSync(fd, buffer, 0, PEEK_BYTES, 0);
    return buffer
      .subarray(0, read)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .replace(/[\r\n]+$/, '');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Permission bits of a file (following links), or undefined when it does not exist or on Windows. */
function modeOf(file: string | undefined): number | undefined {
  if (!file || process.platform === 'win32') return undefined;
  try {
    return Number(statSync(file, { bigint: true }).mode) & 0o777;
  } catch {
    return undefined;
  }
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}

function fileWarnings(path: string, file: string, what: string, out: ConfigWarning[]): boolean {
  let mode: number;
  try {
    mode = Number(statSync(file, { bigint: true }).mode);
  } catch {
    out.push({ path, code: 'SECRET_FILE_MISSING', message: `${what} ${file} does not exist or cannot be read`, hint: "Create it (chmod 600) or fix the path; relative paths start at the config file's folder." });
    return false;
  }
  permissionWarning(path, file, mode, what, out);
  return true;
}

/** SECRET_FILE_PERMISSIONS when group or others may read `file` (Windows has no such bits). */
function permissionWarning(path: string, file: string, mode: number, what: string, out: ConfigWarning[]): void {
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    out.push({
      path,
      code: 'SECRET_FILE_PERMISSIONS',
      message: `${what} ${file} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')})`,
      hint: `Restrict it to its owner: chmod 600 ${file}`,
    });
  }
}

type ServiceSecret = string | { env: string } | { file: string } | { scrypt: string };

/**
 * The secrets of the services a config describes, by JSON path: the status listeners' credentials,
 * the relay users' passwords and the Redis URL (which may carry a password).
 */
function serviceSecrets(config: MailbridgeConfig): Array<[path: string, ref: ServiceSecret]> {
  const out: Array<[string, ServiceSecret]> = [];
  for (const [section, status] of [
    ['relay', config.relay?.status],
    ['outbox', config.outbox?.status],
  ] as const) {
    const auth = status?.auth;
    if (!auth) continue;
    if ('bearer' in auth) out.push([`${section}.status.auth.bearer`, auth.bearer]);
    else out.push([`${section}.status.auth.basic.password`, auth.basic.password]);
  }
  config.relay?.users.forEach((user, index) => out.push([`relay.users[${index}].password`, user.password]));
  if (config.outbox?.store.type === 'redis') out.push(['outbox.store.url', config.outbox.store.url]);
  return out;
}

/** Whether a service secret is written in the config file (a Redis URL only when it holds a password). */
function isInlineServiceSecret(path: string, ref: ServiceSecret): boolean {
  if (typeof ref !== 'string') return false;
  if (path !== 'outbox.store.url') return true;
  try {
    return new URL(ref).password !== '';
  } catch {
    return false;
  }
}

function secretWarnings(path: string, ref: SecretRef | undefined, env: NodeJS.ProcessEnv, isClientSecret: boolean, out: ConfigWarning[]): void {
  if (ref === undefined) return;
  let value: string | undefined;
  if (typeof ref === 'string') {
    value = ref;
    out.push({
      path,
      code: 'SECRET_INLINE',
      message: 'the secret is written in the config file',
      hint: `Move it out of the file: put it in an environment variable and write {"env": "NAME"}, or in a file readable only by mailbridge (chmod 600) and write {"file": "PATH"}.`,
    });
  } else if (isEnvSecretRef(ref)) {
    value = env[ref.env];
    if (value === undefined || value === '') {
      out.push({ path, code: 'SECRET_ENV_MISSING', message: `environment variable ${ref.env} is not set`, hint: `Set ${ref.env} in the environment mailbridge runs in; token requests fail until then.` });
    }
  } else if (isFileSecretRef(ref)) {
    if (fileWarnings(path, ref.file, 'secret file', out) && isClientSecret) value = peek(ref.file);
  }
  if (isClientSecret && value !== undefined && isGuidShaped(value)) {
    out.push({ path, code: 'SECRET_LOOKS_LIKE_ID', message: SECRET_ID_MESSAGE, hint: SECRET_ID_HINT });
  }
}

/**
 * The warnings of a parsed config whose file paths are already absolute. Reads `{env}` variables
 * and peeks at `{file}` secrets only to check their shape; their values go nowhere.
 */
export function configWarnings(config: MailbridgeConfig, options: { env: NodeJS.ProcessEnv; now?: Date; file?: string }): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  const { auth } = config;
  const fields = auth as { clientSecret?: unknown; password?: unknown; certificate?: { passphrase?: unknown } };
  const services = serviceSecrets(config);
  const inlineSecret = typeof fields.clientSecret === 'string' || typeof fields.password === 'string' || typeof fields.certificate?.passphrase === 'string' || services.some(([path, ref]) => isInlineServiceSecret(path, ref));
  if (inlineSecret && options.file) {
    const mode = modeOf(options.file);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      out.push({
        path: '',
        code: 'CONFIG_FILE_PERMISSIONS',
        message: `the config file ${options.file} holds a secret and can be read by other users (mode ${octal(mode)})`,
        hint: `Restrict it to its owner now: chmod 600 ${options.file} — and better, move the secret out of the file ({"env": "NAME"} or {"file": "PATH"}).`,
      });
    }
  }
  if ('tokenCache' in auth && typeof auth.tokenCache === 'string') {
    const mode = modeOf(auth.tokenCache);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      out.push({
        path: 'auth.tokenCache',
        code: 'TOKEN_CACHE_PERMISSIONS',
        message: `the token cache ${auth.tokenCache} holds a refresh token and can be read by other users (mode ${octal(mode)}); mailbridge rewrites it with mode 600 the next time it updates it (a sign-in or a token renewal), not before`,
        hint: `Restrict it now: chmod 600 ${auth.tokenCache}. If other users could read it, sign out (mailbridge logout) and in again to replace the refresh token.`,
      });
    }
  }
  if (auth.flow === 'client-credentials' || auth.flow === 'authorization-code') {
    secretWarnings('auth.clientSecret', auth.clientSecret, options.env, true, out);
    if (auth.certificate) {
      fileWarnings('auth.certificate.privateKeyFile', auth.certificate.privateKeyFile, 'private key file', out);
      secretWarnings('auth.certificate.passphrase', auth.certificate.passphrase, options.env, false, out);
    }
    if (auth.secretExpiresAt !== undefined) {
      const dateOnly = auth.secretExpiresAt.length === 10;
      const expires = Date.parse(dateOnly ? `${auth.secretExpiresAt}T00:00:00Z` : auth.secretExpiresAt);
      const now = options.now ?? new Date();
      const days = calendarDaysUntil(auth.secretExpiresAt, now);
      const renew = 'Create a new secret (Entra admin center > App registrations > your app > Certificates & secrets > New client secret), then update the config and secretExpiresAt.';
      // A date alone is valid through that day (as doctor counts it); a date-time to the instant.
      if (dateOnly ? days < 0 : expires <= now.getTime()) {
        out.push({ path: 'auth.secretExpiresAt', code: 'SECRET_EXPIRED', message: `the client secret expired on ${auth.secretExpiresAt}`, hint: renew });
      } else if (days < SECRET_EXPIRY_WARNING_DAYS) {
        out.push({
          path: 'auth.secretExpiresAt',
          code: 'SECRET_EXPIRES_SOON',
          message: `the client secret expires on ${auth.secretExpiresAt} (in ${days} day${days === 1 ? '' : 's'})`,
          hint: renew,
        });
      }
    }
  } else if (auth.flow === 'basic' || auth.flow === 'ntlm') {
    secretWarnings('auth.password', auth.password, options.env, false, out);
  }
  // The status listeners' credentials are secrets too: written in the file, or from a variable that is not set.
  for (const [section, status] of [
    ['relay', config.relay?.status],
    ['outbox', config.outbox?.status],
  ] as const) {
    const statusAuth = status?.auth;
    if (!statusAuth) continue;
    const [path, ref] = 'bearer' in statusAuth ? [`${section}.status.auth.bearer`, statusAuth.bearer] : [`${section}.status.auth.basic.password`, statusAuth.basic.password];
    if (!isFileSecretRef(ref)) secretWarnings(path, ref, options.env, false, out);
  }
  // The services' `{file}` secrets, relative to the config file's folder: read when the relay or
  // the status listener starts (a missing one fails there), so only their permissions are checked.
  const baseDir = options.file ? dirname(options.file) : process.cwd();
  for (const [path, ref] of services) {
    if (typeof ref !== 'object' || !('file' in ref)) continue;
    const file = resolve(baseDir, ref.file);
    const mode = modeOf(file);
    if (mode !== undefined) permissionWarning(path, file, mode, 'secret file', out);
  }
  return out;
}
