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
}

/** An API module of the simulator (Entra, Graph, EWS, uploads, admin). */
export interface ApiModule {
  /** Name used in the request log and by faults' `api` filter: `entra` | `graph` | `ews` | `upload` | `admin`. */
  readonly name: string;
  /** True when this module serves the request. Modules are asked in order. */
  matches(request: SimRequest): boolean;
  handle(request: SimRequest): Promise<SimResponse>;
}
