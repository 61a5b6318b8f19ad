import type { LoadedConfig } from '@mailbridge/core';
import type { CliIo } from './cli-io.js';
import { terminalText } from './terminal-text.js';

/** Warnings about a credential other users can read: said by every command that uses it, not only by doctor. */
const EXPOSURE_CODES = new Set(['TOKEN_CACHE_PERMISSIONS', 'CONFIG_FILE_PERMISSIONS', 'SECRET_FILE_PERMISSIONS']);

/** Prints (on stderr, human output) the warnings of `loaded` about secrets or tokens readable by other users. */
export function printExposureWarnings(io: CliIo, loaded: LoadedConfig): void {
  for (const warning of loaded.warnings) {
    if (!EXPOSURE_CODES.has(warning.code)) continue;
    io.err(`${io.colors.yellow('warning')} ${terminalText(warning.path ? `${warning.path}: ${warning.message}` : warning.message)}.`);
    io.err(`${io.colors.yellow('hint')}    ${terminalText(warning.hint)}`);
  }
}
