import { randomBytes } from 'node:crypto';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../output/render-error.js';

/** Options of {@link writeNewFile}. */
export interface WriteNewFileOptions {
  /** File mode of a created file. @default 0o600 */
  mode?: number;
  /**
   * Replace an existing file (or symbolic link) at `path`. The new content goes into a temp file
   * beside it that is renamed over the path, so a link is replaced itself, never written through.
   * @default false
   */
  replace?: boolean;
  /** How the user asks for replacing, named in the error (e.g. `--force`). @default '--force' */
  forceFlag?: string;
}

/**
 * Writes a file the CLI creates for the user (saved MIME, a sandbox config) without ever writing
 * through a planted symbolic link or over an existing file unasked: it is created exclusively
 * (`O_CREAT|O_EXCL`, which also refuses a link, even a dangling one), or, with `replace`, written
 * beside and renamed over the path. Every failure is a {@link UsageError} naming the path.
 */
export async function writeNewFile(path: string, data: string | Uint8Array, options: WriteNewFileOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const target = options.replace ? join(dirname(path), `.${basename(path).slice(0, 200)}.${randomBytes(6).toString('hex')}.tmp`) : path;
  try {
    const handle = await open(target, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.replace) await rename(target, path);
  } catch (error) {
    if (options.replace) await unlink(target).catch(() => undefined);
    throw await writeProblem(path, error, options.forceFlag ?? '--force');
  }
}

async function writeProblem(path: string, error: unknown, forceFlag: string): Promise<UsageError> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') {
    const link = await lstat(path).then(
      (info) => info.isSymbolicLink(),
      () => false,
    );
    return link
      ? new UsageError(`${path} is a symbolic link: mailbridge does not write through links.`, `Remove the link or choose another path; ${forceFlag} replaces the link itself (not what it points to).`)
      : new UsageError(`${path} already exists: not overwritten.`, `Choose another path, or pass ${forceFlag} to replace it.`);
  }
  if (code === 'ENAMETOOLONG') return new UsageError(`The path ${path.slice(0, 200)}… is too long for the file system.`, 'Choose a shorter folder path.');
  if (code === 'ENOENT' || code === 'ENOTDIR') return new UsageError(`Cannot create ${path}: its folder does not exist (or is not a folder).`, 'Check the path.');
  if (code === 'EISDIR') return new UsageError(`${path} is a folder.`, 'Choose a file path.');
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new UsageError(`Not allowed to write ${path} (${code}).`, 'Choose a folder this user may write to.');
  if (code === 'ENOSPC' || code === 'EDQUOT') return new UsageError(`No space left to write ${path}.`, 'Free some disk space, or choose another folder.');
  return new UsageError(`Cannot write ${path}${code ? ` (${code})` : ''}.`, "Check the path and its folder's permissions.");
}
