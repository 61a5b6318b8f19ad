import { type BufferedHttpResponse, type BufferedRequestInit, type HttpClient, jsonNestsDeeperThan, MAX_ANSWER_DEPTH, mapFetchFailure, requestBuffered, tooDeeplyNested } from '@mailbridge/core';

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
    return parseJsonAnswer(await this.text(), this.status);
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

/** An answer of core's `HttpClient.request` (already read whole) as the Response the runner expects. */
export function bufferedResponse(response: BufferedHttpResponse): Response {
  return new BufferedResponse(response.status, '', response.headers, response.url, response.body) as unknown as Response;
}

/**
 * One exchange through `http` (core's buffered request), the answer read whole — at most
 * `init.maxResponseBytes` — as the Response the runner expects. Core's client fails only with coded
 * MailbridgeErrors; what a caller's own client throws (undici's bare "fetch failed" around
 * ECONNREFUSED, an AbortError of its own time limit) is mapped by core the same way, so codes,
 * hints and retries do not depend on which client is in use.
 */
export async function exchangeBuffered(http: HttpClient, url: string, init: BufferedRequestInit): Promise<Response> {
  try {
    return bufferedResponse(await requestBuffered(http, url, init));
  } catch (error) {
    throw mapFetchFailure(error, { url, method: init.method ?? 'GET', signal: init.signal });
  }
}

/**
 * A Graph JSON answer parsed, after a linear scan of its nesting: a hostile answer nested deeper
 * than any real one (100,000 `[`, or a whole 64 MB of them) is refused with INVALID_RESPONSE before
 * `JSON.parse` spends minutes and gigabytes on it, or a recursive walk of the result (conversion,
 * --json output) overflows the stack. Malformed JSON throws the parser's SyntaxError.
 */
export function parseJsonAnswer(text: string, status: number): unknown {
  if (jsonNestsDeeperThan(text, MAX_ANSWER_DEPTH)) throw tooDeeplyNested('Microsoft Graph', { status });
  return JSON.parse(text);
}
