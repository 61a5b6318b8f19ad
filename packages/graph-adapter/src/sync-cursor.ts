import { MailbridgeError } from '@mailbridge/core';

/** What a sync cursor holds: the folder and Graph's next or delta link. Opaque to callers. */
export interface SyncCursorState {
  v: 1;
  folder: string;
  /** `@odata.nextLink` (more now) or `@odata.deltaLink` (changes since). */
  link: string;
}

/** Encodes the state as base64url JSON, safe to store in a file or a database column. */
export function encodeSyncCursor(state: SyncCursorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeSyncCursor}; anything else is a USAGE error. */
export function decodeSyncCursor(cursor: string, graphOrigin: string): SyncCursorState {
  let state: Partial<SyncCursorState> | undefined;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<SyncCursorState>;
  } catch {
    state = undefined;
  }
  const valid = state?.v === 1 && typeof state.folder === 'string' && typeof state.link === 'string' && state.link.startsWith(`${graphOrigin}/`);
  if (!valid || !state) {
    throw new MailbridgeError({
      code: 'USAGE',
      message: 'The sync cursor is not one this Graph transport returned (or it is for another Graph endpoint).',
      hint: 'Pass back the cursor exactly as the previous sync() returned it, or omit it to start a full sync.',
    });
  }
  return state as SyncCursorState;
}
