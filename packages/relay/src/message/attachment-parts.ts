import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MailbridgeError } from '@mailbridge/core';
import { ownerGone, ownerTag, parseOwnerTag } from './parts-owner.js';

/** One attachment written to disk. */
export interface WrittenPart {
  path: string;
  size: number;
}

/**
 * The attachments of one message being received, each in its own file of one folder (made on the
 * first attachment). The folder's name starts with a hash of the message's Message-ID, so a sweep can
 * tell whether the outbox still holds the message, and ends with its owner (host, pid, process
 * token), so the folder of a process that died while receiving is known to be nobody's.
 */
export interface MessageParts {
  /** The folder (it may not exist yet). */
  readonly dir: string;
  /** How many attachments were written. */
  readonly count: number;
  /** Writes one attachment's decoded bytes to a new file; `messageId` names the folder on the first write. */
  write(content: Readable, messageId: string | undefined): Promise<WrittenPart>;
  /** fsyncs every file, the folder and the parts root: after it, a kill -9 or a power loss keeps them. */
  sync(): Promise<void>;
  /**
   * Records the outbox id the message was accepted as (a marker file in the folder, not flushed), so
   * its delivery removes exactly this folder, even from another process or after a restart.
   */
  markAccepted(outboxId: string): Promise<void>;
  /** Removes the folder and its files (nothing when none was made). */
  remove(): Promise<void>;
}

/** Where a relay keeps attachment parts. */
export interface PartsStore {
  /** The root folder. */
  readonly root: string;
  /**
   * True when the parts stay until the message is delivered (a file outbox on this machine references
   * them); false when they live only until the outbox has copied them (a temporary folder).
   */
  readonly durable: boolean;
  /** A parts folder for one message; `fallbackMessageId` names it when the message has no Message-ID. */
  open(fallbackMessageId: string): MessageParts;
  /**
   * Durable: removes the folders of messages the outbox no longer holds — whose Message-ID hash is
   * not in the set `keep()` resolves to — when their message was accepted (marked) or their owner
   * process has exited, or else when nothing has written to them for `graceMs` (another relay
   * process may be receiving into them). `keep` is
   * read (twice) after the owners are checked: a process found dead can no longer add a message, so
   * what it stored is in the set. Folders in `busy` are left alone.
   * Temporary: removes the temporary roots of relay processes on this host that have exited (nothing
   * references them: the outbox copied their bytes before the 250). Resolves to how many were removed.
   */
  sweep(keep: () => Promise<ReadonlySet<string>>, options: { graceMs: number; busy?: ReadonlySet<string>; now?: number }): Promise<number>;
  /**
   * Removes the folders of one delivered message (for a message accepted before a restart or by
   * another process, whose folder this process does not know): those marked as accepted as
   * `outboxId` (another message with the same Message-ID keeps its own), but none in `busy`.
   */
  removeFor(messageId: string, outboxId: string, busy?: ReadonlySet<string>): Promise<void>;
  /** Removes a temporary root (a durable one stays: the outbox references its parts). */
  close(): Promise<void>;
}

/** The hash a parts folder's name starts with: 32 hex digits of SHA-256 of the lower-cased Message-ID. */
export function partsKey(messageId: string): string {
  return createHash('sha256').update(messageId.trim().toLowerCase()).digest('hex').slice(0, 32);
}

const storeError = (message: string, cause: unknown) =>
  new MailbridgeError({
    code: 'OUTBOX_STORE_UNAVAILABLE',
    message: `${message} (${(cause as NodeJS.ErrnoException)?.code ?? 'error'}).`,
    hint: 'Check that the outbox folder exists, is writable by the relay and that the disk is not full.',
    cause,
  });

/** fsyncs one file or folder. A folder that cannot be opened for fsync (Windows) gets only what the OS gives. */
async function syncPath(path: string, folder: boolean): Promise<void> {
  const handle = await open(path, folder ? 'r' : 'r+').catch((error: unknown) => {
    if (folder) return undefined;
    throw error;
  });
  if (!handle) return;
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A parts store. `durable`: the root is inside the file outbox's folder and the parts stay until
 * their message is delivered (the stored message references them). Otherwise the root is a
 * temporary folder and each message's parts are removed once the outbox has copied them.
 */
export async function createPartsStore(options: { root?: string; durable: boolean }): Promise<PartsStore> {
  let root = options.root ?? '';
  // The temporary roots of relay processes on this host that were killed (nothing else removes
  // them), whichever outbox this relay now uses (a relay moved from Redis to a file outbox, too).
  await removeExitedTempRoots(tmpdir());
  try {
    // A temporary root is this process's own (mode 0700, a fresh name): nobody else's files in it.
    if (!options.root) root = await mkdtemp(join(tmpdir(), `${TEMP_ROOT_PREFIX}${ownerTag()}-`));
    else await mkdir(root, { recursive: true, mode: 0o700 });
    // The root's own entry must survive a crash before any message references a folder in it.
    if (options.durable) await syncPath(dirname(root), true);
  } catch (error) {
    throw storeError(`The relay cannot create its attachment folder ${root}`, error);
  }

  const store: PartsStore = {
    root,
    durable: options.durable,
    open(fallbackMessageId) {
      let dir: string | undefined;
      let made: Promise<string> | undefined;
      const files: string[] = [];
      const folderOf = (messageId: string | undefined) => {
        dir ??= join(root, `${partsKey(messageId ?? fallbackMessageId)}-${randomBytes(6).toString('hex')}-${ownerTag()}`);
        made ??= mkdir(dir, { mode: 0o700 }).then(() => dir!);
        return made;
      };
      return {
        get dir() {
          return dir ?? join(root, `${partsKey(fallbackMessageId)}-unused`);
        },
        get count() {
          return files.length;
        },
        async write(content, messageId) {
          let folder: string;
          try {
            folder = await folderOf(messageId);
          } catch (error) {
            content.resume();
            throw storeError(`The relay cannot create a folder in ${root}`, error);
          }
          const path = join(folder, String(files.length + 1));
          files.push(path);
          let size = 0;
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, next) {
              size += chunk.length;
              next(null, chunk);
            },
          });
          try {
            await pipeline(content, counter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
          } catch (error) {
            content.resume();
            throw storeError(`The relay cannot write an attachment to ${folder}`, error);
          }
          return { path, size };
        },
        async sync() {
          if (!dir || files.length === 0) return;
          try {
            for (const file of files) await syncPath(file, false);
            await syncPath(dir, true);
            await syncPath(root, true);
          } catch (error) {
            throw storeError(`The relay cannot sync its attachment files in ${dir}`, error);
          }
        },
        async markAccepted(outboxId) {
          if (!made || !SAFE_ID.test(outboxId)) return;
          await made.catch(() => undefined);
          await writeFile(join(dir!, `${ACCEPTED_MARK}${outboxId}`), '', { flag: 'wx', mode: 0o600 }).catch(() => undefined);
        },
        async remove() {
          if (!made) return;
          await made.catch(() => undefined);
          await rm(dir!, { recursive: true, force: true });
        },
      };
    },
    async sweep(keep, sweepOptions) {
      if (!options.durable) return options.root ? 0 : removeExitedTempRoots(dirname(root), root);
      let names: string[];
      try {
        names = await readdir(root);
      } catch {
        return 0;
      }
      const now = sweepOptions.now ?? Date.now();
      const candidates: Array<{ dir: string; key: string }> = [];
      for (const name of names) {
        const match = FOLDER_NAME.exec(name);
        if (!match) continue;
        const dir = join(root, name);
        if (sweepOptions.busy?.has(dir)) continue;
        const newest = await newestChange(dir);
        if (newest === undefined) continue;
        // Only what could go if no message needs it: its message was accepted (nothing writes to it
        // any more), its owner has exited, or the grace is over.
        const accepted = (await readdir(dir).catch(() => [] as string[])).some((file) => file.startsWith(ACCEPTED_MARK));
        if (accepted || ownerGone(parseOwnerTag(match[2]), newest) || now - newest >= sweepOptions.graceMs) candidates.push({ dir, key: match[1]! });
      }
      if (candidates.length === 0) return 0;
      // Two readings, the second after the first: a listing can miss a message that moves between
      // states while it is read (claimed, put back for a retry); it is in one of them.
      const kept = new Set([...(await keep()), ...(await keep())]);
      let removed = 0;
      for (const { dir, key } of candidates) {
        if (kept.has(key)) continue;
        await rm(dir, { recursive: true, force: true }).then(
          () => removed++,
          () => undefined,
        );
      }
      return removed;
    },
    async removeFor(messageId, outboxId, busy) {
      const prefix = `${partsKey(messageId)}-`;
      for (const name of await readdir(root).catch(() => [] as string[])) {
        const dir = join(root, name);
        if (!name.startsWith(prefix) || busy?.has(dir)) continue;
        const marked = await stat(join(dir, `${ACCEPTED_MARK}${outboxId}`)).then(
          () => true,
          () => false,
        );
        if (marked) await rm(dir, { recursive: true, force: true });
      }
    },
    async close() {
      if (!options.root) await rm(root, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  return store;
}

/** A parts folder: `<Message-ID hash>-<random>[-<owner tag>]` (folders of older relays have no owner). */
const FOLDER_NAME = /^([0-9a-f]{32})-[0-9a-f]+(?:-([0-9a-f]{8}-\d+-[0-9a-f]{8}))?$/;
/** The marker naming the outbox id a folder's message was accepted as. */
const ACCEPTED_MARK = '.accepted-';
const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** A temporary root is `<prefix><owner tag>-<mkdtemp suffix>`. */
const TEMP_ROOT_PREFIX = 'mailbridge-relay-parts-';
const TEMP_ROOT_NAME = /^mailbridge-relay-parts-([0-9a-f]{8}-\d+-[0-9a-f]{8})-[A-Za-z0-9]+$/;

/** Removes the temporary parts roots in `parent` of relay processes on this host that have exited (never `except`). */
async function removeExitedTempRoots(parent: string, except?: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const match = TEMP_ROOT_NAME.exec(name);
    const dir = join(parent, name);
    if (!match || dir === except) continue;
    const owner = parseOwnerTag(match[1]);
    const newest = await newestChange(dir, 2);
    if (newest === undefined || !ownerGone(owner, newest)) continue;
    await rm(dir, { recursive: true, force: true }).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}

/** The latest modification time of a folder and what is in it, `depth` levels down (a write in progress moves it). */
async function newestChange(dir: string, depth = 1): Promise<number | undefined> {
  try {
    let newest = (await stat(dir)).mtimeMs;
    if (depth === 0) return newest;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const changed = entry.isDirectory()
        ? await newestChange(path, depth - 1)
        : await stat(path).then(
            (info) => info.mtimeMs,
            () => undefined,
          );
      if (changed !== undefined) newest = Math.max(newest, changed);
    }
    return newest;
  } catch {
    return undefined;
  }
}
