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
