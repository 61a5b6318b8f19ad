import { MailbridgeError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { sleep } from './sleep.js';

/**
 * Message-IDs of sends in this process whose outcome stayed unknown (bounded). Sending one of them
 * again — the caller's retry of a SEND_UNCONFIRMED — looks in Sent Items first, as `resend` does.
 * One memory for every transport in the process: a retry may go through another transport object.
 */
const unknownOutcomes = new Set<string>();
const MAX_REMEMBERED = 10_000;

/** Whether a send of this Message-ID must look in Sent Items first (`resend`, or an unknown outcome in this process). */
export function mustCheckFirst(internetMessageId: string, resend: boolean | undefined): boolean {
  return resend === true || unknownOutcomes.has(internetMessageId);
}

/** Forgets a Message-ID once its send is settled. */
export function settled(internetMessageId: string): void {
  unknownOutcomes.delete(internetMessageId);
}

/**
 * Runs the check that settles an ambiguous send (Sent Items, the draft); its requests are retried
 * within the retry budget by the adapter. When it still fails (503, ErrorServerBusy, a timeout), the
 * send is SEND_UNCONFIRMED — never the check's own error, which would read as a definite failure and
 * invite a blind resend.
 */
export async function settle<T>(internetMessageId: string, cause: unknown, check: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await check();
  } catch (checkError) {
    if (signal?.aborted) throw checkError;
    const code = MailbridgeError.isInstance(checkError) ? checkError.code : 'an error';
    throw unconfirmed(internetMessageId, cause, `looking for it in Sent Items failed too (${code})`);
  }
}

/** The error of a send that may have taken effect and that nothing could confirm (`isOutcomeUnknown` is true). */
export function unconfirmed(internetMessageId: string, cause: unknown, why: string): MailbridgeError {
  if (unknownOutcomes.size >= MAX_REMEMBERED) unknownOutcomes.delete(unknownOutcomes.values().next().value as string);
  unknownOutcomes.add(internetMessageId);
  return new MailbridgeError({
    code: 'SEND_UNCONFIRMED',
    message: `The send of ${internetMessageId} failed in a way that may have taken effect, and ${why}.`,
    hint:
      `Look for ${internetMessageId} in the recipients' mailboxes or the message trace (Exchange admin center > Mail flow > Message trace) before sending it again; ` +
      'sending it again with the same Message-ID looks in Sent Items first (keep saveToSentItems on so mailbridge can check by itself).',
    // `ambiguous`: isOutcomeUnknown() is true — the caller must not resend blindly.
    details: { internetMessageId, ambiguous: true },
    cause,
  });
}

/**
 * Waits before each look in Sent Items after a send whose outcome is unknown: Exchange files the
 * sent copy a moment after it accepts the send (seconds when the mailbox is busy), so one look
 * right away can miss a message that went out — and sending it again delivers it twice.
 */
export const SENT_ITEMS_LOOK_DELAYS_MS: readonly number[] = Object.freeze([0, 1000, 3000]);

/** What {@link lookInSentItems} needs: one look, the waits between looks, and where to log. */
export interface SentItemsLookOptions<T> {
  /** The Message-ID looked for (logged: it is not a secret). */
  internetMessageId: string;
  /** One look in Sent Items: the item's id, or undefined when it is not there (yet). */
  look: () => Promise<T | undefined>;
  /** Waits before each look. @default {@link SENT_ITEMS_LOOK_DELAYS_MS} */
  delaysMs?: readonly number[] | undefined;
  /** Where the look is logged. */
  logger: Logger;
  /** The transport's name, the log messages' prefix (`graph`, `ews`). */
  transport: string;
  signal?: AbortSignal | undefined;
}

/**
 * Looks for a message in Sent Items by Internet Message-ID, waiting between looks (the same
 * schedule for every transport): after a send whose outcome is unknown, this decides whether it is
 * sent again. Returns what the first successful look found, or undefined after the last look.
 */
export async function lookInSentItems<T>(options: SentItemsLookOptions<T>): Promise<T | undefined> {
  const { internetMessageId, logger, transport, signal } = options;
  logger.warn(`${transport}: a send may or may not have gone out; looking for it in Sent Items`, { internetMessageId });
  for (const delay of options.delaysMs ?? SENT_ITEMS_LOOK_DELAYS_MS) {
    if (delay > 0) await sleep(delay, signal);
    const found = await options.look();
    if (found !== undefined) {
      logger.info(`${transport}: the send went out (found in Sent Items); not sending again`, { internetMessageId });
      return found;
    }
  }
  logger.warn(`${transport}: not in Sent Items; sending again`, { internetMessageId });
  return undefined;
}
