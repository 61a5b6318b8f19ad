import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ConfigWarning, LoadedConfig, Logger, MailbridgeConfig } from '@mailbridge/core';

/** Warning codes about files holding secrets that other users can read. */
const PERMISSION_CODES: ReadonlySet<string> = new Set(['SECRET_FILE_PERMISSIONS', 'CONFIG_FILE_PERMISSIONS', 'TOKEN_CACHE_PERMISSIONS']);

type SecretLike = string | { env: string } | { file: string } | { scrypt: string };

/** The secrets of the sections the CLI serves (status listeners, relay users, the Redis URL), by JSON path. */
function serviceSecrets(config: MailbridgeConfig): Array<[path: string, ref: SecretLike]> {
  const out: Array<[string, SecretLike]> = [];
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

function groupOrOtherMode(file: string): number | undefined {
  try {
    // Bigint: a plain statSync of a FIFO would leave its type in the buffer fs.realpathSync reads,
    // and break module resolution through pnpm's links afterwards.
    const mode = Number(statSync(file, { bigint: true }).mode) & 0o777;
    return (mode & 0o077) !== 0 ? mode : undefined;
  } catch {
    // A missing file is reported where it is read (SECRET_UNRESOLVED, with what to do).
    return undefined;
  }
}

const octal = (mode: number) => mode.toString(8).padStart(3, '0');

/**
 * Warnings about secrets other users of the machine can read (mode & 0o077): the ones core's
 * `loadConfig` finds (auth secrets and key files, the token cache, a config file holding an auth
 * secret) and those of the sections the CLI serves, which core leaves alone: `{file}` secrets of
 * `relay.status` / `outbox.status` (relative to the config file's folder), of relay users and the
 * Redis URL, and a config file that holds one of those secrets itself. Nothing on Windows (no such
 * permission bits). Never reads a secret.
 */
export function secretFilePermissionWarnings(loaded: LoadedConfig): ConfigWarning[] {
  const fromCore = loaded.warnings.filter((warning) => PERMISSION_CODES.has(warning.code));
  if (process.platform === 'win32') return fromCore;
  const out = [...fromCore];
  const baseDir = loaded.path ? dirname(loaded.path) : process.cwd();
  let inline = false;
  for (const [path, ref] of serviceSecrets(loaded.config)) {
    if (typeof ref === 'string') inline = true;
    if (typeof ref !== 'object' || !('file' in ref)) continue;
    const file = isAbsolute(ref.file) ? ref.file : resolve(baseDir, ref.file);
    const mode = groupOrOtherMode(file);
    if (mode === undefined || out.some((warning) => warning.code === 'SECRET_FILE_PERMISSIONS' && warning.message.includes(` ${file} `))) continue;
    out.push({
      path,
      code: 'SECRET_FILE_PERMISSIONS',
      message: `secret file ${file} can be read by other users (mode ${octal(mode)})`,
      hint: `Restrict it to its owner: chmod 600 ${file}`,
    });
  }
  if (inline && loaded.path && !out.some((warning) => warning.code === 'CONFIG_FILE_PERMISSIONS')) {
    const mode = groupOrOtherMode(loaded.path);
    if (mode !== undefined) {
      out.push({
        path: '',
        code: 'CONFIG_FILE_PERMISSIONS',
        message: `the config file ${loaded.path} holds a secret and can be read by other users (mode ${octal(mode)})`,
        hint: `Restrict it to its owner now: chmod 600 ${loaded.path} — and better, move the secret out of the file ({"env": "NAME"} or {"file": "PATH"}).`,
      });
    }
  }
  return out;
}

/** Logs each {@link secretFilePermissionWarnings} once, as a long-running command starts. */
export function logSecretFilePermissions(loaded: LoadedConfig, logger: Logger): void {
  for (const warning of secretFilePermissionWarnings(loaded)) {
    logger.warn(warning.message, { ...(warning.path ? { path: warning.path } : {}), code: warning.code, hint: warning.hint });
  }
}
