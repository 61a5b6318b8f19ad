import { parseRetryAfter } from '@mailbridge/core';
import { GRAPH_BATCH_MAX_REQUESTS, type GraphBatchRequestItem, type GraphBatchResponseItem, type GraphMessage } from './graph-api.js';
import type { GraphRequester } from './graph-request.js';
import { type GraphOperation, invalidGraphResponse, mapGraphError } from './map-graph-error.js';

/** `markRead()` over Graph: one PATCH, or JSON `$batch`es of PATCHes for several messages. */
export async function markRead(requester: GraphRequester, ids: string | string[], options: { isRead?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  requester.assertOpen();
  const list = Array.isArray(ids) ? ids : [ids];
  const isRead = options.isRead ?? true;
  const base = await requester.base();
  if (list.length === 0) return;
  if (list.length === 1) {
    await requester.request('PATCH', `${base}/messages/${encodeURIComponent(list[0]!)}`, { isRead }, { operation: 'write', signal: options.signal });
    return;
  }
  const batches: GraphBatchRequestItem[][] = [];
  for (let start = 0; start < list.length; start += GRAPH_BATCH_MAX_REQUESTS) {
    batches.push(
      list.slice(start, start + GRAPH_BATCH_MAX_REQUESTS).map((id, index) => ({
        id: String(index + 1),
        method: 'PATCH',
        url: `${base}/messages/${encodeURIComponent(id)}`,
        headers: { 'Content-Type': 'application/json' },
        body: { isRead },
      })),
    );
  }
  await Promise.all(batches.map((batch) => sendBatch(requester, batch, 'write', options.signal)));
}

/**
 * Sends one JSON `$batch` (at most 20 requests). Items answered 429/503/504 are sent again, alone,
 * after the longest Retry-After among them; any other failed item fails the call.
 */
async function sendBatch(requester: GraphRequester, items: GraphBatchRequestItem[], operation: GraphOperation, signal?: AbortSignal): Promise<GraphBatchResponseItem[]> {
  let pending = items;
  const done: GraphBatchResponseItem[] = [];
  await requester.runner.run(
    async () => {
      const response = await requester.request('POST', '/$batch', { requests: pending }, { operation, signal });
      const body = await requester.json<{ responses?: GraphBatchResponseItem[] }>(response);
      if (!Array.isArray(body?.responses)) throw invalidGraphResponse('a $batch answer has no "responses" array', response.status, response.headers);
      const byId = new Map(body.responses.map((item) => [item.id, item]));
      const again: GraphBatchRequestItem[] = [];
      let wait = 0;
      for (const item of pending) {
        const answer = byId.get(item.id);
        if (!answer) throw invalidGraphResponse(`the $batch answer lacks request ${item.id}`, response.status, response.headers);
        if (answer.status >= 200 && answer.status < 300) done.push(answer);
        else if (answer.status === 429 || answer.status === 503 || answer.status === 504) {
          again.push(item);
          wait = Math.max(wait, parseRetryAfter(answer.headers?.['Retry-After'] ?? answer.headers?.['retry-after'], Date.now()) ?? 0);
        } else {
          throw mapGraphError(answer.status, answer.body, new Headers(answer.headers ?? {}), requester.errorContext(operation));
        }
      }
      pending = again;
      // A synthetic answer so the retry policy waits as the items asked, then sends only these again.
      return new Response(null, {
        status: again.length > 0 ? 429 : 204,
        headers: wait > 0 ? { 'retry-after': String(wait / 1000) } : {},
      });
    },
    { signal, idempotent: true },
  );
  return done;
}

/** `move()` over Graph: POST …/move; Graph gives the message a new id in its new folder. */
export async function move(requester: GraphRequester, id: string, folder: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string }> {
  requester.assertOpen();
  const base = await requester.base();
  const response = await requester.request(
    'POST',
    `${base}/messages/${encodeURIComponent(id)}/move`,
    { destinationId: folder },
    {
      operation: 'write',
      signal: options.signal,
    },
  );
  const moved = await requester.json<GraphMessage>(response);
  if (typeof moved?.id !== 'string') throw invalidGraphResponse('the moved message has no id', response.status, response.headers);
  return { id: moved.id };
}
