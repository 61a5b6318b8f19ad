import { readBody, type BufferedHttpResponse } from '@mailbridge/core';

/** Statuses whose response carries no body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A response whose body is already in memory. Only what this adapter (and the Graph client in RAW
 * mode, which passes the response through untouched) reads is provided; building a real Response
 * again would allocate a new web stream per request for nothing.
 */
class BufferedResponse {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly url: string,
    private readonly bytes: Uint8Array,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes.buffer.slice(this.bytes.byteOffset, this.bytes.byteOffset + this.bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.bytes);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** Largest JSON answer accepted (a page of 1,000 messages with bodies stays well under it). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** Largest `$value` answer accepted: the MIME of a message with a 150 MB attachment, base64-encoded. */
export const MAX_VALUE_BYTES = 256 * 1024 * 1024;

/** The largest answer accepted for a request to `url`: a `$value` (MIME) or a JSON document. */
export function maxBytesFor(url: string): number {
  return /\/\$value(\?|$)/.test(url) ? MAX_VALUE_BYTES : MAX_JSON_BYTES;
}

/**
 * Reads a response's body completely, refusing one larger than the service can legitimately send
 * (INVALID_RESPONSE: a broken proxy or a hostile server cannot exhaust memory). Used inside the
 * mailbox's concurrency slot: Graph counts a request in flight until its answer is fully sent, so
 * the slot is held until the body is in. Graph answers are bounded (pages, JSON, one message's
 * MIME, one attachment); nothing is streamed down by this adapter.
 */
export async function bufferResponse(response: Response, url: string): Promise<Response> {
  const maxBytes = maxBytesFor(url);
  if (NULL_BODY_STATUSES.has(response.status)) return new BufferedResponse(response.status, response.statusText, response.headers, response.url, new Uint8Array(0)) as unknown as Response;
  // With a declared length within the limit, read it whole (cheapest: undici refuses a body longer
  // than its Content-Length); without one, or above the limit, readBody counts and stops in time.
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const bytes =
    Number.isFinite(declared) && declared <= maxBytes ? new Uint8Array(await response.arrayBuffer()) : await readBody(response, { maxBytes });
  return new BufferedResponse(response.status, response.statusText, response.headers, response.url, bytes) as unknown as Response;
}

/** An answer of core's `HttpClient.request` (already read whole) as the Response the runner expects. */
export function bufferedResponse(response: BufferedHttpResponse): Response {
  return new BufferedResponse(response.status, '', response.headers, response.url, response.body) as unknown as Response;
}
