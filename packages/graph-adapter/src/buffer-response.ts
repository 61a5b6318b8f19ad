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

/**
 * Reads a response's body completely. Used inside the mailbox's concurrency slot: Graph counts a
 * request in flight until its answer is fully sent, so the slot is held until the body is in.
 * Graph answers are small (pages, JSON, one message's MIME, one attachment); nothing is streamed
 * down by this adapter.
 */
export async function bufferResponse(response: Response): Promise<Response> {
  const bytes = NULL_BODY_STATUSES.has(response.status) ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer());
  return new BufferedResponse(response.status, response.statusText, response.headers, response.url, bytes) as unknown as Response;
}
