import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import type { HttpClient, Semaphore } from '@mailbridge/core';
import { bufferResponse } from './buffer-response.js';
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
    try {
      context.response = await this.runner.run(
        (signal) => this.semaphore.run(async () => bufferResponse(await this.http.fetch(url, signal ? { ...init, signal } : init), url), signal),
        scope?.options ?? { idempotent: true },
      );
    } catch (error) {
      if (scope) scope.failure = error;
      throw error;
    }
  }
}
