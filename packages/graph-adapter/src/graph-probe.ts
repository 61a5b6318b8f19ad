import type { ProbeResult } from '@mailbridge/core';
import type { GraphMailFolder } from './graph-api.js';
import type { GraphRequester } from './graph-request.js';
import { invalidGraphResponse } from './map-graph-error.js';

/** `probe()` over Graph: reads the Inbox folder's counts (proves token, permission and mailbox). */
export async function probe(requester: GraphRequester, options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
  requester.assertOpen();
  const base = await requester.base();
  const response = await requester.request('GET', `${base}/mailFolders/inbox`, undefined, {
    operation: 'probe',
    signal: options.signal,
    query: { $select: 'id,totalItemCount,unreadItemCount' },
  });
  const inbox = await requester.json<GraphMailFolder>(response);
  if (typeof inbox?.id !== 'string') throw invalidGraphResponse('the Inbox folder has no id', response.status, response.headers);
  const result: ProbeResult = { mailbox: requester.mailbox, inbox: {} };
  if (typeof inbox.totalItemCount === 'number') result.inbox!.total = inbox.totalItemCount;
  if (typeof inbox.unreadItemCount === 'number') result.inbox!.unread = inbox.unreadItemCount;
  return result;
}
