import { randomUUID } from 'node:crypto';

/** `<local@domain>`: no spaces, angle brackets or second `@` inside. */
const INTERNET_MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;

/** Whether `value` has the form of an Internet Message-ID, `<unique@domain>`. */
export function isInternetMessageId(value: unknown): boolean {
  return typeof value === 'string' && INTERNET_MESSAGE_ID.test(value);
}

/**
 * A new Internet Message-ID in the sending mailbox's domain, `<uuid@domain>`. Known before the send,
 * it is how a send whose outcome is unknown is looked up in Sent Items before it is sent again.
 */
export function generateInternetMessageId(mailbox: string): string {
  const domain = mailbox.split('@')[1] || 'mailbridge.invalid';
  return `<${randomUUID()}@${domain}>`;
}

/** Longest header value read for Message-IDs: a hostile sender cannot make a reader scan more. */
const MAX_THREADING_HEADER_CHARS = 64 * 1024;
/** Most Message-IDs kept from one header (a References chain of a long thread stays well below). */
const MAX_THREADING_IDS = 500;

/**
 * The Message-IDs (`<…>`) that an `In-Reply-To` or `References` header value names, in order,
 * bounded in size and count. Text between them (comments, folding) is ignored, as RFC 5322 allows.
 */
export function parseMessageIdList(value: string | null | undefined): string[] {
  if (typeof value !== 'string' || value === '') return [];
  return (value.slice(0, MAX_THREADING_HEADER_CHARS).match(/<[^<>\s]+>/g) ?? []).slice(0, MAX_THREADING_IDS);
}
