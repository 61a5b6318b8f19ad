import { MailbridgeError, sleep } from '@mailbridge/core';
import type { GraphCollectionPage, GraphMessage } from './graph-api.js';
import type { GraphRequester } from './graph-request.js';

/** OData string literal: single quotes doubled. */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Looks for the message in Sent Items by Internet Message-ID, waiting a little between looks: after
 * a send whose outcome is unknown, this decides whether it is sent again.
 */
export async function findInSentItems(requester: GraphRequester, internetMessageId: string, signal?: AbortSignal): Promise<string | undefined> {
  const base = await requester.base();
  const { logger } = requester;
  logger.warn('graph: a send may or may not have gone out; looking for it in Sent Items', { internetMessageId });
  for (const delay of requester.settings.confirmDelaysMs) {
    if (delay > 0) await sleep(delay, signal);
    const page = await requester.requestJson<GraphCollectionPage<GraphMessage>>('GET', `${base}/mailFolders/sentitems/messages`, undefined, {
      operation: 'read',
      signal,
      query: {
        $filter: encodeURIComponent(`internetMessageId eq ${odataString(internetMessageId)}`),
        $select: 'id,internetMessageId',
        $top: '1',
      },
    });
    const match = Array.isArray(page?.value) ? page.value.find((item) => item.internetMessageId === internetMessageId) : undefined;
    if (match) {
      logger.info('graph: the send went out (found in Sent Items); not sending again', { internetMessageId });
      return match.id;
    }
  }
  logger.warn('graph: not in Sent Items; sending again', { internetMessageId });
  return undefined;
}

/** Whether the draft is still a draft: a sent draft leaves the Drafts folder (or stops being a draft). */
export async function isStillDraft(requester: GraphRequester, draftPath: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const draft = await requester.requestJson<GraphMessage & { isDraft?: boolean }>('GET', draftPath, undefined, {
      operation: 'read',
      signal,
      query: { $select: 'id,isDraft' },
    });
    return draft?.isDraft !== false;
  } catch (error) {
    if (MailbridgeError.isInstance(error) && error.code === 'ITEM_NOT_FOUND') return false;
    throw error;
  }
}

/**
 * Message-IDs of sends in this process whose outcome stayed unknown (bounded). Sending one of them
 * again — the caller's retry of a SEND_UNCONFIRMED — looks in Sent Items first, as `resend` does.
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
 * Runs the check that settles an ambiguous send (Sent Items, the draft). The check's requests are
 * retried within the retry budget; when it still fails (503, timeout), the send is SEND_UNCONFIRMED —
 * never the check's own error, which would read as a definite failure and invite a blind resend.
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

/** The error of a send that may have taken effect and that nothing could confirm. */
export function unconfirmed(internetMessageId: string, cause: unknown, why: string): MailbridgeError {
  if (unknownOutcomes.size >= MAX_REMEMBERED) unknownOutcomes.delete(unknownOutcomes.values().next().value as string);
  unknownOutcomes.add(internetMessageId);
  return new MailbridgeError({
    code: 'SEND_UNCONFIRMED',
    message: `The send of ${internetMessageId} failed in a way that may have taken effect, and ${why}.`,
    hint: `Look for ${internetMessageId} in the recipients' mailboxes or the message trace (Exchange admin center > Mail flow > ` + 'Message trace) before sending it again. Keep saveToSentItems on so mailbridge can check by itself.',
    // `ambiguous`: isOutcomeUnknown() is true — the caller must not resend blindly.
    details: { internetMessageId, ambiguous: true },
    cause,
  });
}
