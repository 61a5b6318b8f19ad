import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { MailbridgeError } from '../errors/mailbridge-error.js';
import { FileReadLimitError, readBoundedFile } from '../files/read-bounded-file.js';
import { isEnvSecretRef, type SecretRef } from './secret-ref.js';

/** Where `resolveSecret` looks: the environment and the folder relative `{file}` paths start from. */
export interface ResolveSecretOptions {
  /** Environment to read `{env}` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Folder that relative `{file}` paths start from (the config file's); default the current directory. */
  baseDir?: string;
  /** JSON path of the secret in the config, for messages (e.g. `auth.clientSecret`). */
  path?: string;
}

// A secret file is a few hundred bytes at most; refusing large ones keeps a wrong path
// (a log, a disk image) from being read into memory.
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** `~/x` → the home folder; relative → against `baseDir`. */
export function resolveConfigPath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function unresolved(path: string | undefined, message: string, hint: string, cause?: unknown): MailbridgeError {
  return new MailbridgeError({
    code: 'SECRET_UNRESOLVED',
    message: `${path ? `${path}: ` : ''}${message}`,
    hint,
    ...(cause === undefined ? {} : { cause }),
    details: path ? { path } : {},
  });
}

/**
 * Returns the secret a reference stands for. Called only when a token is actually needed, so a
 * config with `{env}`/`{file}` loads (and `doctor` runs its config checks) without the secret.
 * Errors (SECRET_UNRESOLVED) name the variable or file, never their content. Trailing line breaks
 * of a `{file}` are removed (editors add one; no secret ends with one).
 */
export async function resolveSecret(ref: SecretRef, options: ResolveSecretOptions = {}): Promise<string> {
  const { path } = options;
  if (typeof ref === 'string') return ref;
  if (isEnvSecretRef(ref)) {
    const value = (options.env ?? process.env)[ref.env];
    if (value === undefined || value === '') {
      throw unresolved(
        path,
        `environment variable ${ref.env} is ${value === undefined ? 'not set' : 'empty'}`,
        `Set ${ref.env} to the secret in the environment mailbridge runs in (e.g. the service unit or container), or point this secret at a file: {"file": "PATH"}.`,
      );
    }
    return value;
  }
  const file = resolveConfigPath(ref.file, options.baseDir ?? process.cwd());
  let text: string;
  try {
    // Bounded in size and time: a FIFO (a process substitution) is fine, /dev/zero or a pipe nobody writes to is not.
    text = (await readBoundedFile(file, { maxBytes: MAX_SECRET_FILE_BYTES })).toString('utf8');
  } catch (error) {
    if (MailbridgeError.isInstance(error)) throw error;
    if (error instanceof FileReadLimitError) {
      throw error.reason === 'too-large'
        ? unresolved(path, `secret file ${file} holds more than ${MAX_SECRET_FILE_BYTES} bytes, too large to be a secret`, 'Point {"file": ...} at a file that holds only the secret.')
        : unresolved(path, `secret file ${file} gave nothing within ${error.limit} ms (a pipe nobody writes to?)`, 'Point {"file": ...} at a file that holds only the secret; a pipe must be written to at once.');
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw unresolved(path, `secret file ${file} does not exist`, "Create the file with only the secret in it (chmod 600), or fix the path; relative paths start at the config file's folder.");
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw unresolved(path, `secret file ${file} cannot be read (permission denied)`, 'Let the user mailbridge runs as read the file (and nobody else: chmod 600).');
    }
    if (code === 'EISDIR') {
      throw unresolved(path, `secret file ${file} is a folder`, 'Point {"file": ...} at a file that holds only the secret.');
    }
    throw unresolved(path, `secret file ${file} cannot be read (${code ?? 'unknown error'})`, "Check the path and the file's permissions.");
  }
  const secret = text.replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
  if (secret === '') throw unresolved(path, `secret file ${file} is empty`, 'Write the secret into the file (only the secret, no quotes).');
  return secret;
}
