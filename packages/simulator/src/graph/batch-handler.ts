import { Readable } from 'node:stream';
import type { SimRequest, SimResponse } from '../server/http-types.js';
import { json } from './graph-context.js';
import { GraphError } from './graph-error.js';
import { readJson } from './message-input.js';

/** Graph's JSON batching limit. */
export const MAX_BATCH_REQUESTS = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

function parseItems(body: Record<string, unknown>): BatchItem[] {
  const requests = body['requests'];
  if (!Array.isArray(requests)) throw new GraphError(400, 'BadRequest', "Invalid batch payload format: the 'requests' array is required.");
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw new GraphError(400, 'BadRequest', `The number of requests in a batch must not exceed ${MAX_BATCH_REQUESTS}; got ${requests.length}.`);
  }
  const ids = new Set<string>();
  const items = requests.map((raw: Record<string, unknown>) => {
    const id = raw?.['id'];
    const method = raw?.['method'];
    const url = raw?.['url'];
    if (typeof id !== 'string' || id === '' || typeof method !== 'string' || typeof url !== 'string') {
      throw new GraphError(400, 'BadRequest', 'Invalid batch payload format: every request needs id, method and url.');
    }
    if (ids.has(id)) throw new GraphError(400, 'BadRequest', `Invalid batch payload format: duplicate request id '${id}'.`);
    ids.add(id);
    const dependsOn = raw['dependsOn'];
    if (dependsOn !== undefined && (!Array.isArray(dependsOn) || !dependsOn.every((entry) => typeof entry === 'string'))) {
      throw new GraphError(400, 'BadRequest', `Invalid batch payload format: dependsOn of request '${id}' must be an array of ids.`);
    }
    return {
      id,
      method: method.toUpperCase(),
      url,
      ...(raw['headers'] && typeof raw['headers'] === 'object' ? { headers: raw['headers'] as Record<string, string> } : {}),
      ...(raw['body'] !== undefined ? { body: raw['body'] } : {}),
      ...(dependsOn ? { dependsOn: dependsOn as string[] } : {}),
    };
  });
  for (const item of items) {
    for (const dependency of item.dependsOn ?? []) {
      if (!ids.has(dependency) || dependency === item.id) {
        throw new GraphError(400, 'BadRequest', `Invalid dependsOn of request '${item.id}': no earlier request '${dependency}'.`);
      }
    }
  }
  return items;
}

function subRequest(outer: SimRequest, item: BatchItem): SimRequest {
  let relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
  // The Graph SDK's BatchRequestContent keeps the version segment ("/v1.0/me/..."); Graph accepts both.
  if (/^\/v1\.0\//i.test(relative)) relative = relative.slice(5);
  const url = new URL(`/v1.0${relative}`, outer.url.origin);
  const headers: SimRequest['headers'] = {};
  // The batch's own credentials and client-request-id apply to every request in it.
  for (const name of ['authorization', 'client-request-id', 'host', 'prefer']) if (outer.headers[name] !== undefined) headers[name] = outer.headers[name];
  for (const [name, value] of Object.entries(item.headers ?? {})) headers[name.toLowerCase()] = String(value);
  let body: Buffer = Buffer.alloc(0);
  if (item.body !== undefined) {
    if (typeof item.body === 'string') {
      body = Buffer.from(item.body, 'utf8');
    } else {
      body = Buffer.from(JSON.stringify(item.body), 'utf8');
      headers['content-type'] ??= 'application/json';
    }
  }
  return { method: item.method, url, headers, body, raw: outer.raw };
}

async function responseBody(response: SimResponse): Promise<unknown> {
  let body = response.body;
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    body = Buffer.concat(chunks);
  }
  if (body === undefined || body === '' || (Buffer.isBuffer(body) && body.length === 0)) return undefined;
  const text = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body, 'utf8') : undefined;
  if (!text) return undefined;
  const type = response.headers?.['content-type'] ?? '';
  // JSON stays JSON; anything else is base64, as Graph batching returns binary content.
  return type.startsWith('application/json') ? JSON.parse(text.toString('utf8')) : text.toString('base64');
}

/**
 * POST /v1.0/$batch: up to 20 requests, run one after another in an order that honours
 * `dependsOn`; a request whose dependency failed answers 424 Failed Dependency.
 */
export async function runBatch(outer: SimRequest, dispatch: (request: SimRequest) => Promise<SimResponse>): Promise<SimResponse> {
  const items = parseItems(readJson(outer.body));
  const statuses = new Map<string, number>();
  const responses: Array<Record<string, unknown>> = [];
  const pending = [...items];
  // Bounded: each pass runs at least one request or stops (a dependency cycle).
  while (pending.length > 0) {
    const index = pending.findIndex((item) => (item.dependsOn ?? []).every((dependency) => statuses.has(dependency)));
    if (index < 0) throw new GraphError(400, 'BadRequest', 'Invalid dependsOn: the requests depend on each other in a cycle.');
    const item = pending.splice(index, 1)[0]!;
    const failed = (item.dependsOn ?? []).find((dependency) => (statuses.get(dependency) ?? 0) >= 400);
    if (failed) {
      statuses.set(item.id, 424);
      responses.push({
        id: item.id,
        status: 424,
        body: { error: { code: 'FailedDependency', message: `The dependent request '${failed}' failed.` } },
      });
      continue;
    }
    const response = await dispatch(subRequest(outer, item));
    statuses.set(item.id, response.status);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      if (name === 'content-length' || name === 'request-id' || name === 'client-request-id' || name === 'x-ms-ags-diagnostic' || name === 'cache-control') continue;
      headers[name === 'content-type' ? 'Content-Type' : name === 'location' ? 'Location' : name === 'retry-after' ? 'Retry-After' : name] = value;
    }
    const body = await responseBody(response);
    responses.push({ id: item.id, status: response.status, headers, ...(body !== undefined ? { body } : response.status === 204 ? { body: null } : {}) });
  }
  return json(200, { responses });
}
