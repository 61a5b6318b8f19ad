import { readFileSync, type Stats, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { MailbridgeError } from '@mailbridge/core';

/** The certificate and key of the relay's TLS listeners, reloaded when either file changes. */
export interface TlsCredentials {
  /** The current PEM pair. */
  current(): { key: Buffer; cert: Buffer };
  /** Calls `listener` after each successful reload. */
  onReload(listener: (pair: { key: Buffer; cert: Buffer }) => void): void;
  /** Stops watching the files. */
  close(): void;
}

// A certificate chain with its key is a few kilobytes; anything far larger is the wrong file.
const MAX_PEM_BYTES = 1024 * 1024;

function readPem(file: string, what: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    throw new MailbridgeError({
      code: 'RELAY_TLS_INVALID',
      message: `relay.tls.${what}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      hint: 'Point relay.tls.certFile and relay.tls.keyFile at readable PEM files (relative paths start at the config file).',
      cause: error,
    });
  }
  if (data.length > MAX_PEM_BYTES) {
    throw new MailbridgeError({ code: 'RELAY_TLS_INVALID', message: `relay.tls.${what}: ${file} is too large to be a PEM file.`, hint: 'Point it at the PEM certificate or key file.' });
  }
  return data;
}

/** Reads and checks the pair (that it parses, and that the key belongs to the certificate). */
export function loadTlsPair(certFile: string, keyFile: string): { key: Buffer; cert: Buffer } {
  const cert = readPem(certFile, 'certFile');
  const key = readPem(keyFile, 'keyFile');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new MailbridgeError({
      code: 'RELAY_TLS_INVALID',
      message: `relay.tls: the certificate ${certFile} and the key ${keyFile} are not a valid PEM pair (${(error as Error).message.replace(/\s+/g, ' ')}).`,
      hint: 'Give the PEM certificate (chain) in certFile and its unencrypted private key in keyFile.',
      cause: error,
    });
  }
  return { cert, key };
}

/** Options of {@link watchTlsCredentials}. */
export interface WatchTlsOptions {
  /** How often the files are checked for changes. @default 5000 */
  intervalMs?: number;
  /** Called when changed files cannot be loaded; the previous pair stays in use. */
  onError?: (error: MailbridgeError) => void;
}

/**
 * Loads the pair now (throwing RELAY_TLS_INVALID when it is unusable) and reloads it whenever either
 * file changes, so a renewed certificate needs no restart. Files are polled rather than watched
 * with inotify: renewals replace files by rename or symlink swap, which inotify watches lose.
 */
export function watchTlsCredentials(certFile: string, keyFile: string, options: WatchTlsOptions = {}): TlsCredentials {
  let pair = loadTlsPair(certFile, keyFile);
  const listeners: Array<(pair: { key: Buffer; cert: Buffer }) => void> = [];
  let timer: NodeJS.Timeout | undefined;
  const changed = (current: Stats, previous: Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
    // Both files are usually replaced one after the other: wait a moment so they are read as a pair.
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        pair = loadTlsPair(certFile, keyFile);
        for (const listener of listeners) listener(pair);
      } catch (error) {
        options.onError?.(error as MailbridgeError);
      }
    }, 50);
    timer.unref();
  };
  const interval = options.intervalMs ?? 5000;
  watchFile(certFile, { interval, persistent: false }, changed);
  watchFile(keyFile, { interval, persistent: false }, changed);
  return {
    current: () => pair,
    onReload: (listener) => void listeners.push(listener),
    close() {
      clearTimeout(timer);
      unwatchFile(certFile, changed);
      unwatchFile(keyFile, changed);
    },
  };
}
