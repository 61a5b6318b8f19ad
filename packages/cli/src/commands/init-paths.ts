import { access, constants, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

/**
 * A path as the config names it: relative paths in the config are resolved against the config
 * file's folder, so one given relative to the current directory is rewritten relative to that folder.
 */
export function configRelative(output: string, path: string, cwd: string = process.cwd()): string {
  if (isAbsolute(path)) return path;
  const from = relative(dirname(output), resolve(cwd, path));
  return from.startsWith('..') ? from : `./${from}`;
}

/** What is wrong with a file init is told to name (missing, unreadable, a folder), or undefined. */
export async function fileProblem(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return `${path} is not a file`;
    await access(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code ?? 'error'})`;
  }
}

/** Whether a secret file is readable by group or others (doctor warns about those too). */
export async function isExposed(path: string): Promise<boolean> {
  try {
    return ((await stat(path)).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}
