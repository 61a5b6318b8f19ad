import { lookInSentItems, MailbridgeError } from '@mailbridge/core';
import type { GraphCollectionPage, GraphMessage } from './graph-api.js';
import type { GraphRequester } from './graph-request.js';

/** OData string literal: single quotes doubled. */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Looks for the message in Sent Items by Internet Message-ID, on core's schedule of looks (shared
 * with EWS): after a send whose outcome is unknown, this decides whether it is sent again.
 */
export async function findInSentItems(requester: GraphRequester, internetMessageId: string, signal?: AbortSignal): Promise<string | undefined> {
  const base = await requester.base();
  return lookInSentItems({
    internetMessageId,
    delaysMs: requester.settings.confirmDelaysMs,
    logger: requester.logger,
    transport: 'graph',
    signal,
    look: async () => {
      const page = await requester.requestJson<GraphCollectionPage<GraphMessage>>('GET', `${base}/mailFolders/sentitems/messages`, undefined, {
        operation: 'read',
        signal,
        query: {
          $filter: encodeURIComponent(`internetMessageId eq ${odataString(internetMessageId)}`),
          $select: 'id,internetMessageId',
          $top: '1',
        },
      });
      return Array.isArray(page?.value) ? page.value.find((item) => item.internetMessageId === internetMessageId)?.id : undefined;
    },
  });
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
