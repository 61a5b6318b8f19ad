import { MailbridgeError } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { decodeSyncCursor, encodeSyncCursor } from '../src/sync-cursor.js';

describe('sync cursor', () => {
  it('sync cursors round-trip and refuse foreign ones', () => {
    const cursor = encodeSyncCursor({ v: 1, folder: 'inbox', link: 'https://graph.example/v1.0/x?$deltatoken=1' });
    expect(cursor).toMatch(/^[\w-]+$/);
    expect(decodeSyncCursor(cursor, 'https://graph.example').folder).toBe('inbox');
    expect(() => decodeSyncCursor(cursor, 'https://evil.example')).toThrow(MailbridgeError);
    expect(() => decodeSyncCursor('garbage', 'https://graph.example')).toThrow(MailbridgeError);
  });
});
