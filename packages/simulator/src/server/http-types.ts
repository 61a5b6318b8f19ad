import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** A request as the simulator's API modules see it: body already read (upload ranges are the exception, see `raw`). */
export interface SimRequest {
  method: string;
  /** Full URL (https://127.0.0.1:PORT/...). */
  url: URL;
  headers: IncomingHttpHeaders;
  /** The whole body. Empty for GET. */
  body: Buffer;
  /** The underlying request, for streaming handlers. */
  raw: IncomingMessage;
}

/** What a module answers. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  /** What the request log should record about this request beyond method, URL and status. */
  log?: { clientId?: string; ewsOperation?: string; schemaValid?: boolean; schemaErrors?: string[]; notes?: string[] };
  /**
   * Drop the connection instead of answering (used by faults that must fire after a module decided
   * the request took effect).
   */
  destroySocket?: boolean;
}

/** An API module of the simulator (Entra, Graph, EWS, uploads, admin). */
export interface ApiModule {
  /** Name used in the request log and by faults' `api` filter: `entra` | `graph` | `ews` | `upload` | `admin`. */
  readonly name: string;
  /** True when this module serves the request. Modules are asked in order, before the body is read (`body` is empty then). */
  matches(request: SimRequest): boolean;
  /**
   * When true, the server does not read the body: `body` is empty and the module reads `raw` itself
   * (upload ranges, which must be streamed).
   */
  readonly streaming?: boolean;
  /**
   * Fault kinds this module applies itself (via the fault registry) instead of the server, e.g.
   * Graph applies `latency` inside its throttling window so a slow request holds its slot.
   */
  readonly appliesFaults?: ReadonlyArray<string>;
  handle(request: SimRequest): Promise<SimResponse>;
  /**
   * The module's own error answer for a status the server produces (an injected 429/503 fault, an
   * internal error), in the API's wire format. Optional: the server has a plain JSON fallback.
   */
  errorResponse?(status: number, request: SimRequest, options: { retryAfterSeconds?: number; message?: string }): SimResponse;
}
