import type { SimRequest, SimResponse } from '../server/http-types.js';
import type { SimState } from '../state/sim-state.js';
import type { UploadSessions } from '../upload/upload-sessions.js';
import type { GraphCaller, MailboxTarget } from './graph-auth.js';
import type { BodyPreference } from './graph-serializer.js';

/** What every Graph handler gets: the request, who calls, which mailbox, and response helpers. */
export interface GraphContext {
  request: SimRequest;
  state: SimState;
  caller: GraphCaller;
  target: MailboxTarget;
  /** `https://host:port` as the client addressed us (for @odata.context and links). */
  origin: string;
  /** Origin of the "Outlook" upload host (same server, another host name). */
  uploadOrigin: string;
  uploads: UploadSessions;
  preference: BodyPreference;
  /** `{origin}/v1.0/$metadata#users('{id}')`: the start of @odata.context values. */
  contextBase: string;
}

/** Graph's JSON content type. */
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** A JSON answer (Graph headers are added by the module). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': GRAPH_JSON, ...headers }, body: JSON.stringify(body) };
}

/** An empty answer (202 Accepted, 204 No Content). */
export function empty(status: number, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { ...headers, 'content-length': '0' } };
}
