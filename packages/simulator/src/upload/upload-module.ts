import { timingSafeEqual } from 'node:crypto';
import { graphErrorResponse, graphStatusResponse } from '../graph/graph-error.js';
import { newAttachment } from '../mail/message-parts.js';
import type { ApiModule, SimRequest, SimResponse } from '../server/http-types.js';
import type { SimState } from '../state/sim-state.js';
import { UPLOAD_LIMITS, type UploadSession, type UploadSessions } from './upload-sessions.js';

const SESSION_PATH = /^\/api\/v2\.0\/Users\('([^']+)'\)\/Messages\('([^']+)'\)\/AttachmentSessions\('([^']+)'\)$/;

/** The upload URL of a session (Outlook's host is separate from Graph's; ours is `localhost`, see README). */
export function uploadUrl(origin: string, session: UploadSession): string {
  return `${origin}/api/v2.0/Users('${encodeURIComponent(`${session.userId}@${session.tenantId}`)}')/Messages('${encodeURIComponent(session.message.id)}')/AttachmentSessions('${encodeURIComponent(session.id)}')?authtoken=${session.token}`;
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function expiry(ms: number): string {
  // Outlook prints 7 fractional digits.
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Reads the request body into `session`, bounded by the declared range length. */
function streamInto(request: SimRequest, session: UploadSession, length: number): Promise<{ ok: true; chunks: Buffer[] } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const raw = request.raw;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > length) {
        if (!settled) {
          settled = true;
          resolve({ ok: false, reason: 'The request body is longer than the Content-Range.' });
        }
        return;
      }
      chunks.push(chunk);
    });
    raw.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(size === length ? { ok: true, chunks } : { ok: false, reason: 'The request body is shorter than the Content-Range.' });
    });
    raw.on('error', () => {
      if (settled) return;
      settled = true;
      resolve({ ok: false, reason: 'The upload was interrupted.' });
    });
    void session;
  });
}

/**
 * Pre-authenticated upload URLs of Outlook attachment upload sessions: PUT ranges (streamed, in
 * order, each under 4 MB, no Authorization header), GET the session status, DELETE to cancel.
 */
export function createUploadModule(options: { state: SimState; sessions: UploadSessions }): ApiModule {
  const { state, sessions } = options;
  const now = (): number => state.now();
  const error = (request: SimRequest, status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse => graphErrorResponse(request, now(), status, code, message, headers);
  const status = (session: UploadSession, request: SimRequest): SimResponse => {
    const origin = `https://${request.headers.host}`;
    return {
      status: 200,
      headers: { 'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8' },
      body: JSON.stringify({
        '@odata.context': `${origin}/api/v2.0/$metadata#Users('${encodeURIComponent(`${session.userId}@${session.tenantId}`)}')/Messages('${encodeURIComponent(session.message.id)}')/AttachmentSessions/$entity`,
        ExpirationDateTime: expiry(session.expiresAtMs),
        NextExpectedRanges: [String(session.received)],
      }),
    };
  };

  return {
    name: 'upload',
    streaming: true,
    matches: (request) => request.url.pathname.startsWith('/api/v2.0/'),
    errorResponse: (code, request, errorOptions) => graphStatusResponse(request, now(), code, errorOptions),
    async handle(request) {
      const match = SESSION_PATH.exec(request.url.pathname);
      if (!match) return error(request, 404, 'ResourceNotFound', 'Resource could not be discovered.');
      if (request.headers.authorization !== undefined) {
        // The upload URL carries its own token; Outlook rejects a bearer token on it.
        return error(request, 401, 'InvalidAuthenticationToken', 'The upload URL is pre-authenticated: send the PUT without an Authorization header.');
      }
      const session = sessions.get(decodeURIComponent(match[3]!));
      if (!session || !tokenMatches(request.url.searchParams.get('authtoken'), session.token)) {
        return error(request, 401, 'InvalidAuthenticationToken', 'The upload session token is not valid.');
      }
      if (session.expiresAtMs < now()) {
        sessions.delete(session.id);
        return error(request, 404, 'ErrorItemNotFound', 'The upload session has expired.');
      }
      if (request.method === 'GET') return status(session, request);
      if (request.method === 'DELETE') {
        sessions.delete(session.id);
        return { status: 204 };
      }
      if (request.method !== 'PUT') return error(request, 405, 'ErrorInvalidRequest', `The method ${request.method} is not allowed on an upload session.`);

      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(request.headers['content-range'] ?? ''));
      if (!range) return error(request, 400, 'ErrorInvalidContentRange', 'The Content-Range header is missing or malformed; expected "bytes {start}-{end}/{total}".');
      const start = Number(range[1]);
      const end = Number(range[2]);
      const total = Number(range[3]);
      const length = end - start + 1;
      if (end < start || total !== session.size || end >= total) {
        return error(request, 400, 'ErrorInvalidContentRange', `The Content-Range bytes ${start}-${end}/${total} does not fit the attachment size ${session.size}.`);
      }
      if (length >= UPLOAD_LIMITS.maxRange) {
        return error(request, 400, 'ErrorInvalidContentRange', `Each upload range must be smaller than 4 MB (${UPLOAD_LIMITS.maxRange} bytes); this one is ${length} bytes.`);
      }
      const declared = request.headers['content-length'];
      if (declared !== undefined && Number(declared) !== length) {
        return error(request, 400, 'ErrorInvalidContentRange', `Content-Length ${declared} does not match the Content-Range length ${length}.`);
      }
      if (start !== session.received || session.busy) {
        return error(request, 416, 'ErrorInvalidRange', `The range must start at the next expected byte ${session.received}.`, {
          'content-range': `bytes */${session.size}`,
        });
      }
      session.busy = true;
      let result;
      try {
        result = await streamInto(request, session, length);
      } finally {
        session.busy = false;
      }
      if (!result.ok) return error(request, 400, 'ErrorInvalidContentRange', result.reason);
      session.chunks.push(...result.chunks);
      session.received += length;
      session.expiresAtMs = now() + UPLOAD_LIMITS.lifetimeMs;
      if (session.received < session.size) return status(session, request);

      // Last range: the attachment is created on the message.
      sessions.delete(session.id);
      const message = session.mailbox.message(session.message.id);
      if (!message) return error(request, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const nowIso = state.nowIso();
      const attachment = newAttachment(
        {
          name: session.name,
          contentType: session.contentType,
          content: session.chunks,
          isInline: session.isInline,
          ...(session.contentId ? { contentId: session.contentId } : {}),
        },
        nowIso,
      );
      message.attachments.push(attachment);
      session.mailbox.touch(message, nowIso, 'updated', true);
      const origin = `https://${request.headers.host}`;
      return {
        status: 201,
        headers: {
          location: `${origin}/api/v2.0/Users('${encodeURIComponent(`${session.userId}@${session.tenantId}`)}')/Messages('${encodeURIComponent(message.id)}')/Attachments('${encodeURIComponent(attachment.id)}')`,
          'content-length': '0',
        },
      };
    },
  };
}
