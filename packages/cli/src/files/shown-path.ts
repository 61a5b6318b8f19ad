import { relative } from 'node:path';

/**
 * A path as the person can type it from here: relative to the working folder when that is shorter,
 * else absolute. Used where output names a file the CLI wrote (`--config <it>` in the next command).
 */
export function shownPath(path: string, cwd: string = process.cwd()): string {
  const relativePath = relative(cwd, path);
  return relativePath !== '' && relativePath.length < path.length ? relativePath : path;
}
