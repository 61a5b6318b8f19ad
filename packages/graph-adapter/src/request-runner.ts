import { type AmbiguousContext, type AmbiguousResolution, type Logger, MailbridgeError, parseRetryAfter, type RetryPolicy, silentLogger } from '@mailbridge/core';

/**
 * Answers worth repeating: 429 and 503 mean Graph did not act on the request; 502/504 (and, for a
 * send, 500) may come after it did, so core's policy treats them as ambiguous for non-idempotent requests.
 */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** Options of one {@link RequestRunner.run}. */
export interface RunOptions {
  signal?: AbortSignal | undefined;
  /** False for requests that must not be repeated blindly (sendMail, send). */
  idempotent: boolean;
  /**
   * For a non-idempotent request whose failure may have taken effect: finds out whether it did
   * (e.g. the message is in Sent Items). Without it such a failure throws with `details.ambiguous`.
   */
  onAmbiguous?: ((context: AmbiguousContext) => Promise<AmbiguousResolution<Response>>) | undefined;
}

/**
 * Runs one HTTP exchange under core's retry policy. A 429/503/504 answer becomes a retryable error
 * carrying the server's Retry-After, so the policy waits as asked; other answers (2xx and errors
 * the caller maps) are returned as they are. For a non-idempotent request, a 500/502/504 or a
 * connection broken after the body went out is ambiguous: core's policy then calls `onAmbiguous`.
 */
export class RequestRunner {
  constructor(
    private readonly retry: RetryPolicy,
    private readonly logger: Logger = silentLogger,
  ) {}

  async run(send: (signal: AbortSignal | undefined) => Promise<Response>, options: RunOptions): Promise<Response> {
    return this.retry.execute(
      async () => {
        const response = await send(options.signal);
        const worthRepeating = RETRY_STATUSES.has(response.status) || (!options.idempotent && response.status === 500);
        if (!worthRepeating) return response;
        // The body is small (an error document); read it so the connection goes back to the pool.
        const text = await response.text().catch(() => '');
        throw new MailbridgeError({
          code: response.status === 429 ? 'THROTTLED' : 'SERVICE_UNAVAILABLE',
          message: `Microsoft Graph answered ${response.status}.`,
          hint: 'Retried automatically within the retry budget (retry.maxAttempts, retry.maxDelayMs).',
          retryable: true,
          details: {
            status: response.status,
            retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
            responseBody: text.slice(0, 2000),
            requestId: response.headers.get('request-id') ?? undefined,
          },
        });
      },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        idempotent: options.idempotent,
        onRetry: ({ attempt, delayMs, source, error }) =>
          this.logger.debug('graph: request retried', {
            attempt,
            delayMs,
            source,
            code: MailbridgeError.isInstance(error) ? error.code : undefined,
            status: MailbridgeError.isInstance(error) ? error.details.status : undefined,
          }),
        ...(options.onAmbiguous ? { onAmbiguous: options.onAmbiguous } : {}),
      },
    );
  }
}
