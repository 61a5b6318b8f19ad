import { MailbridgeError } from '@mailbridge/core';

/** What a sync cursor holds: the folder (sync() may be called with the cursor alone) and EWS's SyncState. */
export interface SyncCursorState {
  folder: string;
  syncState: string;
}

const CURSOR_PREFIX = 'ews1.';

/** The opaque cursor `sync()` returns. */
export function encodeSyncCursor(cursor: SyncCursorState): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify({ f: cursor.folder, s: cursor.syncState }), 'utf8').toString('base64url');
}

/** Reads back a cursor of {@link encodeSyncCursor}; anything else is a USAGE error. */
export function decodeSyncCursor(text: string): SyncCursorState {
  const invalid = () =>
    new MailbridgeError({
      code: 'USAGE',
      message: 'The sync cursor was not made by the EWS transport.',
      hint: 'Pass back the cursor a previous sync() of this transport returned, or start again without a cursor.',
    });
  if (!text.startsWith(CURSOR_PREFIX)) throw invalid();
  try {
    const parsed = JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as { f?: unknown; s?: unknown };
    if (typeof parsed.f !== 'string' || typeof parsed.s !== 'string') throw invalid();
    return { folder: parsed.f, syncState: parsed.s };
  } catch {
    throw invalid();
  }
}
