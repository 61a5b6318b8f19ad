import { randomUUID } from 'node:crypto';
import type { TokenVerifier } from '../entra/token-verifier.js';
import type { FaultRegistry } from '../faults/fault-registry.js';
import { SendingLimitError } from '../mail/sending-limits.js';
import type { ApiModule, SimRequest, SimResponse } from '../server/http-types.js';
import type { SimState } from '../state/sim-state.js';
import type { UploadSessions } from '../upload/upload-sessions.js';
import { runBatch } from './batch-handler.js';
import { authenticate, authorize, type GraphCaller, resolveMailbox } from './graph-auth.js';
import type { GraphContext } from './graph-context.js';
import { GraphError, graphErrorResponse, graphResponseHeaders, graphStatusResponse } from './graph-error.js';
import { resolveRoute, splitSegments } from './graph-routes.js';
import { MailboxThrottle, type ThrottleLimits } from './mailbox-throttle.js';
import { sendingLimitResponse } from './sending-limit-response.js';

/** What the Graph module needs. */
export interface GraphModuleOptions {
  state: SimState;
  /** The token verifier (the Entra module); undefined until it is mounted, then every call is 401. */
  tokens: () => TokenVerifier | undefined;
  uploads: UploadSessions;
  throttle: ThrottleLimits;
  /** Host name of the upload URLs (a different host than Graph's, as Outlook's is). */
  uploadHost: string;
  /** Injected faults; Graph applies `latency` itself, inside the throttling window. */
  faults: FaultRegistry;
}

const NO_VERIFIER: TokenVerifier = { verify: () => ({ ok: false, error: 'bad-signature' }) };

/**
 * Microsoft Graph v1.0 mail under `/v1.0/`: authentication and authorization as Graph does it,
 * throttling per app per mailbox, the message/folder/attachment/delta/batch endpoints.
 */
export function createGraphModule(options: GraphModuleOptions): ApiModule {
  const { state } = options;
  const throttle = new MailboxThrottle(options.throttle);
  const now = (): number => state.now();

  async function dispatch(request: SimRequest): Promise<SimResponse & { clientId?: string }> {
    let caller: GraphCaller | undefined;
    try {
      caller = authenticate(request, options.tokens() ?? NO_VERIFIER, state);
      const segments = splitSegments(request.url.pathname).slice(1);
      const [head, userKey] = segments;
      if (head === '$batch' && segments.length === 1) {
        if (request.method !== 'POST') throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
        return await runBatch(request, (sub) => dispatch(sub));
      }
      let rest: string[];
      let mailboxSegment: 'me' | { user: string };
      if (head?.toLowerCase() === 'me') {
        mailboxSegment = 'me';
        rest = segments.slice(1);
      } else if (head?.toLowerCase() === 'users' && userKey !== undefined) {
        mailboxSegment = { user: userKey };
        rest = segments.slice(2);
      } else {
        throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${head ?? ''}'.`);
      }
      const route = resolveRoute(request.method, rest);
      const target = resolveMailbox(caller, state, mailboxSegment);
      authorize(caller, target, route.access, state);

      const admitted = throttle.enter(caller.clientId, target.mailbox.address, now());
      if (!admitted.ok) {
        if (admitted.reason === 'concurrency') {
          // The body Outlook returns for the concurrency limit is minimal (observed, see SOURCES.md).
          return {
            status: 429,
            headers: { ...graphResponseHeaders(request, randomUUID()), 'content-type': 'application/json', 'retry-after': String(admitted.retryAfterSeconds) },
            body: JSON.stringify({ error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } }),
          };
        }
        return graphStatusResponse(request, now(), 429, { retryAfterSeconds: admitted.retryAfterSeconds });
      }
      try {
        const latency = options.faults.empty ? undefined : options.faults.take('latency', { api: 'graph', path: request.url.pathname });
        if (latency) await new Promise((resolve) => setTimeout(resolve, latency.ms));
        const origin = request.url.origin;
        const prefer = String(request.headers['prefer'] ?? '');
        const bodyType = /outlook\.body-content-type="?(text|html)"?/i.exec(prefer)?.[1]?.toLowerCase() as 'text' | 'html' | undefined;
        const ctx: GraphContext = {
          request,
          state,
          caller,
          target,
          origin,
          uploadOrigin: `https://${options.uploadHost}:${request.url.port}`,
          uploads: options.uploads,
          preference: bodyType,
          contextBase: `${origin}/v1.0/$metadata#users('${target.user.id}')`,
        };
        const response = await route.run(ctx);
        // One headers object per answer: Graph's own headers, then the route's (which win).
        const headers = graphResponseHeaders(request, randomUUID());
        if (response.headers) Object.assign(headers, response.headers);
        response.headers = headers;
        return Object.assign(response, { clientId: caller.clientId });
      } finally {
        admitted.release();
      }
    } catch (error) {
      if (error instanceof SendingLimitError) {
        return { ...sendingLimitResponse(request, now(), error), ...(caller ? { clientId: caller.clientId } : {}) };
      }
      if (error instanceof GraphError) {
        return { ...graphErrorResponse(request, now(), error.status, error.code, error.message, error.headers), ...(caller ? { clientId: caller.clientId } : {}) };
      }
      throw error;
    }
  }

  return {
    name: 'graph',
    appliesFaults: ['latency'],
    matches: (request) => request.url.pathname.startsWith('/v1.0/'),
    errorResponse: (status, request, errorOptions) => graphStatusResponse(request, now(), status, errorOptions),
    async handle(request) {
      const { clientId, ...response } = await dispatch(request);
      return clientId ? { ...response, log: { ...response.log, clientId } } : response;
    },
  };
}
