import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { UsageError } from '../output/render-error.js';

/** Device-code sign-in arrives with the delegated-flow work (auth.flow "device-code"). */
export async function loginCommand(_io: CliIo, _globals: GlobalOptions, _options: Record<string, unknown>): Promise<number> {
  throw new UsageError('`mailbridge login` is not available in this version.', 'Delegated sign-in (auth.flow "device-code") comes in a later release; use an app registration with client-credentials for now.');
}

export async function logoutCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  return loginCommand(io, globals, options);
}
