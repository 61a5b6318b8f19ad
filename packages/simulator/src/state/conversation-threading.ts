import { randomBytes } from 'node:crypto';
import type { StoredMessage } from './stored-message.js';

/** The conversation a message belongs to, as Exchange keeps it per item. */
export interface ConversationRef {
  conversationId: string;
  conversationIndex: string;
}

/** Longest threading header read: a hostile sender cannot make the simulator scan more. */
const MAX_HEADER_CHARS = 64 * 1024;

/**
 * The Message-IDs a message answers, nearest first: its `In-Reply-To`, then its `References` from
 * the newest back. Exchange threads a reply that carries no `Thread-Index` into the conversation of
 * the message these name, when the mailbox holds it.
 */
export function parentMessageIds(message: Pick<StoredMessage, 'internetMessageHeaders'>): string[] {
  const ids: string[] = [];
  const read = (name: string): string[] => {
    const value = message.internetMessageHeaders.find((header) => header.name.toLowerCase() === name)?.value ?? '';
    return value.slice(0, MAX_HEADER_CHARS).match(/<[^<>\s]+>/g) ?? [];
  };
  ids.push(...read('in-reply-to'));
  ids.push(...read('references').reverse());
  return ids;
}

/**
 * A reply's conversation index: the parent's 22-byte header plus a 5-byte child block, as
 * Exchange builds PidTagConversationIndex for a response.
 */
export function childConversationIndex(parentIndex: string): string {
  return Buffer.concat([Buffer.from(parentIndex, 'base64'), randomBytes(5)]).toString('base64');
}

/** Case-insensitive key of a Message-ID (`<local@domain>`); Exchange matches them so. */
export function messageIdKey(internetMessageId: string): string {
  return internetMessageId.trim().toLowerCase();
}
