import { MailbridgeError } from '../errors/index.js';

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
