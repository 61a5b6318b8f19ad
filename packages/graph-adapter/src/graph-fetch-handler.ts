import { type HttpClient, MailbridgeError, type Semaphore } from '@mailbridge/core';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { exchangeBuffered, maxBytesFor } from './buffer-response.js';
import type { RequestRunner, RunOptions } from './request-runner.js';

/**
 * Per-call settings handed to {@link GraphFetchHandler} through the Graph client's middleware options,
 * and the slot where the handler leaves a failure: the Graph client wraps whatever a middleware throws
 * into its own `GraphError`, so the original (a coded `MailbridgeError`) is kept here instead.
 */
export class GraphCallScope implements MiddlewareOptions {
  /** Set by the handler when the call failed below the Graph client. */
  failure: unknown;

  constructor(
    /** Abort signal, idempotency and the ambiguity check of the call (see {@link RunOptions}). */
    readonly options: RunOptions,
  ) {}
}

/**
 * The last handler of the Graph client's middleware chain: instead of the library's own fetch (and its
 * RetryHandler, which would retry a second time), it sends every request through core's HttpClient
 * (proxy, CA file, timeout), inside the mailbox's concurrency slot, under core's retry policy.
 */
export class GraphFetchHandler implements Middleware {
  constructor(
    private readonly http: HttpClient,
    private readonly runner: RequestRunner,
    private readonly semaphore: Semaphore,
  ) {}

  async execute(context: Context): Promise<void> {
    const scope = context.middlewareControl?.getMiddlewareOptions(GraphCallScope) as GraphCallScope | undefined;
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const init = { ...(context.options ?? {}) } as RequestInit;
    const body = init.body ?? undefined;
    // Graph's requests and answers are small JSON (or one message's MIME): core's buffered request
    // sends and reads them without fetch's Request/Response/web-stream machinery. The Graph client
    // serializes this adapter's bodies (objects, MIME text) to strings; nothing else is sent.
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new MailbridgeError({ code: 'INTERNAL', message: 'A Graph request body is neither text nor bytes.', hint: 'This is a bug in mailbridge; please report it with --verbose output.' });
    }
    const headers = headerRecord(init.headers);
    const maxResponseBytes = maxBytesFor(url);
    try {
      context.response = await this.runner.run(
        (signal) =>
          this.semaphore.run(
            () =>
              exchangeBuffered(this.http, url, {
                method: init.method ?? 'GET',
                headers,
                ...(body !== undefined ? { body } : {}),
                maxResponseBytes,
                ...(signal ? { signal } : {}),
              }),
            signal,
          ),
        scope?.options ?? { idempotent: true },
      );
    } catch (error) {
      if (scope) scope.failure = error;
      throw error;
    }
  }
}

/** Request headers as given to fetch (a Headers object, pairs or a record) as a plain record. */
function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(headers as Iterable<[string, string]>);
  return { ...(headers as Record<string, string>) };
}
