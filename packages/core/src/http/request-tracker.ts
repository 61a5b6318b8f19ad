import { Dispatcher } from 'undici';

/** What happened to one request on the wire; read by the error mapping and the retry policy. */
export interface RequestProgress {
  /** The whole request (headers and body) was written to the socket, so the service may act on it. */
  requestSent: boolean;
  /** Response headers arrived. */
  responseStarted: boolean;
}

/** The HTTP client's progress timer, driven by what happens on the wire. */
export interface ProgressListener {
  /** (Re)starts the timer: a request (or a redirect's next request) starts, or a body chunk was written. */
  onProgress(): void;
  /** Stops it: response headers arrived; from here undici's body timeout watches the response. */
  onResponseStart(): void;
}

const LEGACY_HANDLER_METHODS = ['onConnect', 'onError', 'onUpgrade', 'onHeaders', 'onData', 'onComplete', 'onBodySent', 'onRequestSent', 'onResponseStarted'] as const;

type LegacyHandler = Partial<Record<(typeof LEGACY_HANDLER_METHODS)[number], (...args: unknown[]) => unknown>>;

/**
 * A per-request view of the shared pooled dispatcher that observes undici's write callbacks. Knowing
 * whether the request fully left is what lets the retry policy tell a safe retry (nothing sent)
 * from an ambiguous one (a send whose connection broke after the body went out). It also sets
 * undici's socket-level body timeout per request, which pauses while the reader applies back-pressure.
 */
export class RequestTracker extends Dispatcher {
  readonly progress: RequestProgress = { requestSent: false, responseStarted: false };
  /** Body bytes moved so far, both ways (the whole-request deadline grows with them). */
  transferredBytes = 0;

  constructor(
    private readonly inner: Dispatcher,
    private readonly bodyTimeoutMs: number,
    private readonly listener: ProgressListener,
  ) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // A new dispatch is a new hop (the first request or a redirect): its response is still to come.
    this.progress.responseStarted = false;
    this.listener.onProgress();
    const source = handler as unknown as LegacyHandler & Record<string, unknown>;
    // undici's fetch passes a legacy handler (onConnect/onHeaders/…); wrap exactly the methods it has.
    const wrapped: LegacyHandler = {};
    for (const name of LEGACY_HANDLER_METHODS) {
      const method = source[name];
      if (typeof method === 'function') wrapped[name] = (...args: unknown[]) => method.apply(source, args);
    }
    const onBodySent = wrapped.onBodySent;
    // A server may answer before the upload ends (413, 401): once it has, upload progress must not
    // re-arm the timer that would then abort the response being read.
    wrapped.onBodySent = (...args: unknown[]) => {
      this.transferredBytes += byteLength(args[0]);
      if (!this.progress.responseStarted) this.listener.onProgress();
      return onBodySent?.(...args);
    };
    const onRequestSent = wrapped.onRequestSent;
    wrapped.onRequestSent = (...args: unknown[]) => {
      this.progress.requestSent = true;
      if (!this.progress.responseStarted) this.listener.onProgress();
      return onRequestSent?.(...args);
    };
    const onData = wrapped.onData;
    if (onData) {
      wrapped.onData = (...args: unknown[]) => {
        this.transferredBytes += byteLength(args[0]);
        return onData(...args);
      };
    }
    const onHeaders = wrapped.onHeaders;
    wrapped.onHeaders = (...args: unknown[]) => {
      // A response (even an interim redirect) proves the request reached the service.
      this.progress.requestSent = true;
      this.progress.responseStarted = true;
      this.listener.onResponseStart();
      return onHeaders?.(...args);
    };
    return this.inner.dispatch(
      // headersTimeout is replaced by the client's own progress timer (see create-http-client.ts).
      { ...options, headersTimeout: 0, bodyTimeout: this.bodyTimeoutMs },
      wrapped as unknown as Dispatcher.DispatchHandler,
    );
  }

  // The pooled dispatcher belongs to the HTTP client; a request's view never closes it.
  override close(): Promise<void> {
    return Promise.resolve();
  }

  override destroy(): Promise<void> {
    return Promise.resolve();
  }
}

function byteLength(chunk: unknown): number {
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : 0;
}
