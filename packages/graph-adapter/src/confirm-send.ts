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

// The unknown-outcome memory and SEND_UNCONFIRMED are core's, shared by both adapters.
export { mustCheckFirst, settle, settled, unconfirmed } from '@mailbridge/core';
