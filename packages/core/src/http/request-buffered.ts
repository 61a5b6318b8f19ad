import type { BufferedHttpResponse, BufferedRequestInit, HttpClient } from './http-client.js';
import { readBody } from './read-body.js';

/**
 * `http.request(url, init)` when the client has it (every client of createHttpClient does), else
 * the same exchange over `http.fetch` with the answer read whole: an HttpClient written before
 * `request` existed keeps working with the adapters.
 */
export async function requestBuffered(http: HttpClient, url: string, init: BufferedRequestInit = {}): Promise<BufferedHttpResponse> {
  if (http.request) return http.request(url, init);
  const { maxResponseBytes, headers, body, ...rest } = init;
  const response = await http.fetch(url, {
    ...rest,
    ...(headers ? { headers } : {}),
    ...(body !== undefined ? { body: body as RequestInit['body'] } : {}),
  });
  const bytes = await readBody(response, { maxBytes: maxResponseBytes ?? 16 * 1024 * 1024 });
  return { status: response.status, headers: response.headers, body: bytes, url };
}
