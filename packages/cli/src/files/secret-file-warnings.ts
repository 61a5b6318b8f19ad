import type { ConfigWarning, LoadedConfig, Logger } from '@mailbridge/core';

/** Warning codes about files holding secrets that other users can read. */
const PERMISSION_CODES: ReadonlySet<string> = new Set(['SECRET_FILE_PERMISSIONS', 'CONFIG_FILE_PERMISSIONS', 'TOKEN_CACHE_PERMISSIONS']);

/**
 * The config's warnings about secrets other users of the machine can read (mode & 0o077): auth
 * secrets and key files, the token cache, the `{file}` secrets of the status listeners, relay users
 * and Redis URL, and a config file that holds a secret itself. Core's `loadConfig` finds them.
 */
export function secretFilePermissionWarnings(loaded: LoadedConfig): ConfigWarning[] {
  return loaded.warnings.filter((warning) => PERMISSION_CODES.has(warning.code));
}

/** Logs each {@link secretFilePermissionWarnings} once, as a long-running command starts. */
export function logSecretFilePermissions(loaded: LoadedConfig, logger: Logger): void {
  for (const warning of secretFilePermissionWarnings(loaded)) {
    logger.warn(warning.message, { ...(warning.path ? { path: warning.path } : {}), code: warning.code, hint: warning.hint });
  }
}
