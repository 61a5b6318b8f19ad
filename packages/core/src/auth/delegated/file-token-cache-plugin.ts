import { lstat, mkdir, realpath, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { MailbridgeError } from '../../errors/index.js';
import { FileReadLimitError, readBoundedFile } from '../../files/read-bounded-file.js';
import { atomicWriteFile } from './atomic-write-file.js';
import { acquireFileLock, type FileLockOptions, type ReleaseFileLock } from './file-lock.js';

/** Far more than any token cache mailbridge writes (one account, a few tokens). */
const MAX_CACHE_BYTES = 16 * 1024 * 1024;

/** An msal cache with nothing in it: what a missing (or logged-out) cache file means. */
const EMPTY_CACHE = '{}';

/** Options of {@link FileTokenCachePlugin}. */
export interface FileTokenCachePluginOptions extends FileLockOptions {
  /** Told (without any content) when the file was unreadable JSON and was treated as empty. */
  onCorruptFile?: ((path: string) => void) | undefined;
}

/**
 * msal-node's cache plugin on one file (`auth.tokenCache`): msal's JSON cache (accounts, refresh
 * tokens, access tokens), which is as secret as a password.
 *
 * - The file is created with mode 0600 in a folder created with 0700, and always replaced
 *   atomically (temp file + fsync + rename), so it is never torn, even by a crash mid-write.
 * - Every access re-reads the file, so a sign-in or renewal by another process is seen at once.
 * - A write is a read-modify-write under an inter-process lock (`<file>.lock`): msal calls
 *   `beforeCacheAccess` with `cacheHasChanged` before it stores new tokens, and
 *   `afterCacheAccess` after; the lock is held in between, and the file is read again under it,
 *   so two processes renewing at once both keep their tokens and neither overwrites the other's
 *   sign-in.
 * - Within a process, accesses run one at a time (msal would otherwise replace the in-memory
 *   cache from the file between another request's read and write).
 * - Nothing here logs or throws the file's content.
 *
 * Why not `@azure/msal-node-extensions` (encrypted persistence): on Linux it stores the cache
 * through libsecret (the desktop Secret Service over D-Bus) via `keytar`, a native module that is
 * archived upstream and whose prebuilt binaries are downloaded at install time; the servers this
 * runs on have no desktop keyring, where it can only fall back to a plain file
 * (`usePlaintextFileOnLinux`). A 0600 file in the user's folder is what that fallback gives, with
 * a dependency less; file-system permissions are the protection, as for an SSH key.
 */
export class FileTokenCachePlugin implements ICachePlugin {
  private queue: Promise<void> = Promise.resolve();
  private releaseTurn: (() => void) | undefined;
  private releaseLock: ReleaseFileLock | undefined;

  constructor(
    /** Absolute path of the cache file. */
    readonly path: string,
    private readonly options: FileTokenCachePluginOptions = {},
  ) {}

  /** The lock file next to the cache file. */
  get lockPath(): string {
    return `${this.path}.lock`;
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    await this.takeTurn();
    try {
      if (context.cacheHasChanged) {
        await this.ensureFolder();
        this.releaseLock = await acquireFileLock(this.lockPath, this.options);
      }
      context.tokenCache.deserialize(await this.read());
    } catch (error) {
      await this.finish();
      throw error;
    }
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    // msal calls this in a `finally`, even when beforeCacheAccess failed: then there is nothing to do.
    if (this.releaseTurn === undefined) return;
    try {
      if (context.cacheHasChanged && this.releaseLock !== undefined) {
        await atomicWriteFile(await this.file(), context.tokenCache.serialize(), 0o600).catch((cause: unknown) => {
          throw new MailbridgeError({
            code: 'CONFIG_INVALID',
            message: `Cannot write the token cache ${this.path}: ${(cause as NodeJS.ErrnoException).code ?? 'write failed'}.`,
            hint: 'Check that the folder of auth.tokenCache is writable by this user and the disk is not full.',
            details: { path: 'auth.tokenCache' },
          });
        });
      }
    } finally {
      await this.finish();
    }
  }

  /** Deletes the cache file (under the lock), e.g. when the last account signs out. */
  async deleteFile(): Promise<void> {
    await this.takeTurn();
    try {
      const release = await acquireFileLock(this.lockPath, this.options).catch((error: unknown) => {
        if (MailbridgeError.isInstance(error) && error.code === 'CONFIG_INVALID') return undefined; // no folder: nothing to delete
        throw error;
      });
      try {
        // What a link points to goes first (that file holds the refresh token), then the link itself.
        const file = await this.file();
        await unlink(file).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        if (file !== this.path) await unlink(this.path).catch(() => undefined);
      } finally {
        await release?.();
      }
    } finally {
      this.releaseTurn?.();
      this.releaseTurn = undefined;
    }
  }

  /**
   * The file that holds the cache: `path`, or what it points to when it is a symbolic link (a user
   * may keep the cache on another volume). Writing beside the link and renaming over it would
   * replace the link and leave the tokens in its target; this writes and deletes the target.
   */
  async file(): Promise<string> {
    const isLink = await lstat(this.path).then(
      (info) => info.isSymbolicLink(),
      () => false,
    );
    return isLink ? realpath(this.path).catch(() => this.path) : this.path;
  }

  private async takeTurn(): Promise<void> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.releaseTurn = release;
  }

  private async finish(): Promise<void> {
    const releaseLock = this.releaseLock;
    this.releaseLock = undefined;
    try {
      await releaseLock?.();
    } finally {
      const releaseTurn = this.releaseTurn;
      this.releaseTurn = undefined;
      releaseTurn?.();
    }
  }

  private async ensureFolder(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 }).catch((cause: NodeJS.ErrnoException) => {
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: `Cannot create the folder of the token cache ${this.path}: ${cause.code ?? 'mkdir failed'}.`,
        hint: 'Point auth.tokenCache at a file in a folder this user can write.',
        details: { path: 'auth.tokenCache' },
      });
    });
  }

  private async read(): Promise<string> {
    let text: string;
    try {
      // A cache of a few accounts is a few KB; bounded so a wrong path (a device, a pipe) cannot hang or fill memory.
      text = (await readBoundedFile(await this.file(), { maxBytes: MAX_CACHE_BYTES })).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_CACHE;
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: `Cannot read the token cache ${this.path}: ${error instanceof FileReadLimitError ? (error.reason === 'too-large' ? `it holds more than ${error.limit} bytes` : `nothing came within ${error.limit} ms`) : ((error as NodeJS.ErrnoException).code ?? 'read failed')}.`,
        hint: 'Check the permissions of auth.tokenCache (it should belong to this user, mode 0600).',
        details: { path: 'auth.tokenCache' },
      });
    }
    if (text.trim() === '') return EMPTY_CACHE;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
      return text;
    } catch {
      // Not ours any more (edited by hand, another tool): treat it as signed out; the next sign-in rewrites it.
      this.options.onCorruptFile?.(this.path);
      return EMPTY_CACHE;
    }
  }
}
