import { type HttpClient, isOutcomeUnknown, type Logger, MailbridgeError, SENT_ITEMS_LOOK_DELAYS_MS, type Semaphore, sharedSemaphore, silentLogger, type TokenProvider, type TransportCapabilities } from '@mailbridge/core';
import { AuthenticationHandler, Client, type GraphRequest, ResponseType } from '@microsoft/microsoft-graph-client';
import { parseJsonAnswer } from './buffer-response.js';
import { graphCapabilities } from './graph-capabilities.js';
import { GraphCallScope, GraphFetchHandler } from './graph-fetch-handler.js';
import type { GraphTransportOptions } from './graph-transport-options.js';
import { type GraphErrorContext, type GraphOperation, invalidGraphResponse, mapGraphError } from './map-graph-error.js';
import { RequestRunner, type RunOptions } from './request-runner.js';
import { TokenAuthenticationProvider } from './token-authentication-provider.js';
import { UPLOAD_CHUNK_BYTES } from './upload-session.js';

/** HTTP methods the adapter uses. */
export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Graph's maximum `$top` for messages. */
export const GRAPH_MAX_PAGE_SIZE = 1000;

/** Options of one {@link GraphRequester.request}. */
export interface GraphCallOptions {
  operation: GraphOperation;
  /** Default true. */
  idempotent?: boolean;
  signal?: AbortSignal | undefined;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  from?: string | undefined;
  /** For sends: decides whether a failure that may have taken effect did (see RequestRunner). */
  onAmbiguous?: RunOptions['onAmbiguous'];
}

/** The transport's settings, with their defaults applied. */
export interface GraphSettings {
  pageSize: number;
  inlineLimit: number;
  chunkBytes: number;
  confirmDelaysMs: readonly number[];
}

/**
 * What every Graph operation of one transport shares: the Graph client with its middleware (token,
 * concurrency slot of the mailbox, retry), the mailbox's base path, error context, and whether the
 * transport is closed.
 */
export class GraphRequester {
  readonly mailbox: string;
  readonly graphOrigin: string;
  readonly http: HttpClient;
  readonly runner: RequestRunner;
  readonly semaphore: Semaphore;
  readonly logger: Logger;
  readonly settings: GraphSettings;
  readonly capabilities: TransportCapabilities = graphCapabilities();
  private readonly client: Client;
  private readonly auth: TokenAuthenticationProvider;
  private readonly tokenProvider: TokenProvider;
  private readonly ownsHttp: boolean;
  private readonly releaseSemaphore: () => void;
  private basePath: Promise<string> | undefined;
  private closed = false;

  constructor(options: GraphTransportOptions) {
    let endpoint: URL;
    try {
      endpoint = new URL(options.graphEndpoint);
    } catch (cause) {
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: `endpoints.graph: ${JSON.stringify(options.graphEndpoint)} is not a URL.`,
        hint: 'Use the Graph root of your cloud, e.g. https://graph.microsoft.com.',
        details: { path: 'endpoints.graph' },
        cause,
      });
    }
    this.mailbox = options.mailbox;
    this.http = options.http;
    this.tokenProvider = options.tokenProvider;
    this.graphOrigin = endpoint.origin;
    this.settings = {
      pageSize: Math.min(options.pageSize ?? 100, GRAPH_MAX_PAGE_SIZE),
      inlineLimit: options.inlineRequestLimitBytes ?? 3 * 1024 * 1024,
      chunkBytes: options.uploadChunkBytes ?? UPLOAD_CHUNK_BYTES,
      confirmDelaysMs: options.confirmDelaysMs ?? SENT_ITEMS_LOOK_DELAYS_MS,
    };
    this.ownsHttp = options.ownsHttp ?? false;
    this.logger = options.logger ?? silentLogger;
    this.runner = new RequestRunner(options.retry, this.logger);
    // Graph allows 4 concurrent requests per app per mailbox (MailboxConcurrency), counted per app and
    // mailbox, not per transport object: staying under it means the adapter never causes its own 429s.
    const limit = options.maxConcurrency ?? 4;
    const shared = sharedSemaphore(`graph|${this.graphOrigin}|${this.mailbox.toLowerCase()}|${limit}`, limit);
    this.semaphore = shared.semaphore;
    this.releaseSemaphore = shared.release;
    this.auth = new TokenAuthenticationProvider(options.tokenProvider);
    this.client = Client.initWithMiddleware({
      baseUrl: this.graphOrigin + endpoint.pathname.replace(/\/+$/, ''),
      // The library attaches the token only to hosts it knows as Graph; a sovereign, proxied or
      // simulated Graph host must be listed, or requests would go out unauthenticated.
      customHosts: new Set([endpoint.hostname]),
      middleware: [new AuthenticationHandler(this.auth), new GraphFetchHandler(this.http, this.runner, this.semaphore)],
    });
  }

  assertOpen(): void {
    if (this.closed) {
      throw new MailbridgeError({ code: 'USAGE', message: 'This Graph transport is closed.', hint: 'Create a new transport after close().' });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releaseSemaphore();
    if (this.ownsHttp) await this.http.close();
  }

  /**
   * `/users/{mailbox}` for app-only tokens; `/me` for a delegated token of the mailbox's own user
   * (a delegated token for another mailbox the person may access uses `/users/{mailbox}`). Never `/me`
   * with an app-only token: Graph refuses it.
   */
  base(): Promise<string> {
    this.basePath ??= (async () => {
      const users = `/users/${encodeURIComponent(this.mailbox)}`;
      if (this.tokenProvider.kind !== 'delegated') return users;
      const { claims } = await this.tokenProvider.getToken('graph');
      const own = [claims.upn, claims.preferred_username, claims.email].filter((value): value is string => typeof value === 'string');
      return !this.mailbox || own.some((value) => value.toLowerCase() === this.mailbox.toLowerCase()) ? '/me' : users;
    })();
    this.basePath.catch(() => {
      this.basePath = undefined;
    });
    return this.basePath;
  }

  errorContext(operation: GraphOperation, from?: string): GraphErrorContext {
    const claims = this.auth.lastClaims;
    const context: GraphErrorContext = { operation, mailbox: this.mailbox, tokenKind: this.tokenProvider.kind };
    const clientId = claims?.appid ?? claims?.azp;
    if (clientId) context.clientId = clientId;
    if (from) context.from = from;
    return context;
  }

  /**
   * One Graph request through the client (and so through the middleware chain: token, concurrency
   * slot, retry). Resolves to a 2xx response; anything else becomes a coded MailbridgeError.
   */
  async request(method: GraphMethod, path: string, body: unknown, options: GraphCallOptions): Promise<Response> {
    const scope = new GraphCallScope({ signal: options.signal, idempotent: options.idempotent ?? true, onAmbiguous: options.onAmbiguous });
    let request: GraphRequest = this.client.api(path).middlewareOptions([scope]).responseType(ResponseType.RAW);
    if (options.query) request = request.query(options.query);
    if (options.headers) request = request.headers(options.headers);
    let response: Response;
    try {
      switch (method) {
        case 'GET':
          response = (await request.get()) as Response;
          break;
        case 'POST':
          response = (await request.post(body ?? '')) as Response;
          break;
        case 'PATCH':
          response = (await request.patch(body)) as Response;
          break;
        case 'DELETE':
          response = (await request.delete()) as Response;
          break;
      }
    } catch (error) {
      throw this.unwrap(error, scope, options);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = text ? parseJsonAnswer(text, response.status) : undefined;
      } catch (error) {
        // Too deeply nested is an answer of its own; malformed JSON is just an error without details.
        if (MailbridgeError.isInstance(error)) throw error;
        parsed = undefined;
      }
      throw mapGraphError(response.status, parsed, response.headers, this.errorContext(options.operation, options.from));
    }
    return response;
  }

  /** A request whose 2xx answer is a JSON document. */
  async requestJson<T>(method: GraphMethod, path: string, body: unknown, options: GraphCallOptions): Promise<T> {
    return this.json<T>(await this.request(method, path, body, options));
  }

  async json<T>(response: Response): Promise<T> {
    const text = await response.text();
    let parsed: unknown;
    try {
      // Depth first: what follows (conversion, --json output) walks the answer recursively.
      parsed = parseJsonAnswer(text, response.status);
    } catch (cause) {
      if (MailbridgeError.isInstance(cause)) throw cause;
      throw invalidGraphResponse('the body is not JSON', response.status, response.headers, cause);
    }
    return parsed as T;
  }

  /** Follows only links on our Graph origin: the token must never go elsewhere. */
  nextLink(link: string | undefined): string | undefined {
    if (link === undefined || link === null) return undefined;
    if (typeof link !== 'string' || !link.startsWith(`${this.graphOrigin}/`)) {
      throw invalidGraphResponse('a paging link points outside the Graph endpoint', 200);
    }
    return link;
  }

  /** The error behind a failed call: ours from the middleware (kept in the scope), or a mapped one. */
  private unwrap(error: unknown, scope: GraphCallScope, options: GraphCallOptions): MailbridgeError {
    const tokenFailure = scope.failure === undefined ? this.auth.failureBehind(error) : undefined;
    // A token request that failed (Entra down, throttled) is Entra's error, never blamed on Graph.
    if (tokenFailure) return tokenFailure;
    const failure = scope.failure ?? error;
    if (MailbridgeError.isInstance(failure)) {
      // The retry budget ran out on a throttled / unavailable answer: give the Graph-specific error.
      const cause = failure.cause;
      const last = MailbridgeError.isInstance(cause) ? cause : failure;
      const status = typeof last.details.status === 'number' ? last.details.status : undefined;
      if ((failure.code === 'THROTTLED' || failure.code === 'SERVICE_UNAVAILABLE') && status !== undefined && !isOutcomeUnknown(failure)) {
        let parsed: unknown;
        try {
          parsed = parseJsonAnswer(String(last.details.responseBody ?? ''), status);
        } catch {
          parsed = undefined;
        }
        const mapped = mapGraphError(status, parsed, undefined, this.errorContext(options.operation, options.from));
        Object.assign(mapped.details, { requestId: last.details.requestId, attempts: failure.details.attempts });
        return new MailbridgeError({ code: mapped.code, message: mapped.message, hint: mapped.hint, details: mapped.details, cause: failure, retryable: true });
      }
      return failure;
    }
    return new MailbridgeError({
      code: 'INTERNAL',
      message: `The Graph client failed: ${error instanceof Error ? error.message : String(error)}`,
      hint: 'This is a bug in mailbridge; please report it with --verbose output.',
      cause: error,
    });
  }
}
