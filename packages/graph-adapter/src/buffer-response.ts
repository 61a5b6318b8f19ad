/** Statuses whose response may not carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Reads a response's body completely and returns an equivalent Response over the bytes. Used
 * inside the mailbox's concurrency slot: Graph counts a request in flight until its answer is fully
 * sent, so the slot is held until the body is in. Graph answers are small (pages, JSON, MIME of one
 * message); nothing big is ever downloaded in one response by this adapter.
 */
export async function bufferResponse(response: Response): Promise<Response> {
  const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
