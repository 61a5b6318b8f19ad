import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MailbridgeError } from '@mailbridge/core';
import type { FaultRegistry } from '../faults/fault-registry.js';
import { hostileResponse } from '../faults/hostile-response.js';
import type { ApiModule, SimRequest, SimResponse } from './http-types.js';
import { type RequestLog, redactHeaders, redactUrl } from './request-log.js';

/** How the HTTPS front end is set up. */
export interface SimServerOptions {
  host: string;
  port: number;
  certPem: string;
  keyPem: string;
  /** Asked in order; the first whose `matches` is true handles the request. */
  modules: () => readonly ApiModule[];
  faults: FaultRegistry;
  log: RequestLog;
  /** Simulated clock (ms), for the log's time stamps. */
  now: () => number;
  /** Largest body the server reads for a non-streaming module (bytes). */
  maxBodyBytes?: number;
  /** Origin of the listener a `hostile` `redirect` fault points to. */
  redirectTarget?: () => Promise<string>;
}

/** What a user of `mailbridge sandbox --port` can meet when the port cannot be bound. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): MailbridgeError {
  if (error.code === 'EADDRINUSE') {
    return new MailbridgeError({ code: 'USAGE', message: `Port ${port} on ${host} is already in use.`, hint: 'Choose another port, or 0 to let the system pick a free one.', cause: error });
  }
  if (error.code === 'EACCES') {
    return new MailbridgeError({ code: 'USAGE', message: `Not allowed to listen on port ${port} of ${host}.`, hint: 'Ports below 1024 need privileges: choose a port of 1024 or more, or 0.', cause: error });
  }
  return new MailbridgeError({ code: 'NETWORK_ERROR', message: `The simulator could not listen on ${host}:${port}: ${error.message}`, hint: 'Check the host and port.', cause: error });
}

/** A started HTTPS server. */
export interface SimServer {
  readonly port: number;
  close(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);
/** EWS accepts messages up to 150 MB (as base64 more); nothing legitimate is bigger. */
const DEFAULT_MAX_BODY = 220 * 1024 * 1024;

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.reject(new BodyTooLargeError());
  if (declared === 0 && request.headers['transfer-encoding'] === undefined) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.destroy();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    request.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fallbackError(status: number, message: string, retryAfterSeconds?: number): SimResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return { status, headers, body: JSON.stringify({ error: { code: status === 404 ? 'NotFound' : 'ServiceError', message } }) };
}

function errorFrom(module: ApiModule | undefined, status: number, request: SimRequest, options: { retryAfterSeconds?: number; message?: string }): SimResponse {
  if (module?.errorResponse) return module.errorResponse(status, request, options);
  return fallbackError(status, options.message ?? 'Error', options.retryAfterSeconds);
}

async function writeResponse(res: ServerResponse, response: SimResponse): Promise<void> {
  const headers = response.headers ?? {};
  const body = response.body;
  if (body instanceof Readable) {
    res.writeHead(response.status, headers);
    await pipeline(body, res);
    return;
  }
  // A string body goes to the socket as is (no intermediate Buffer copy on the hot path); only its
  // UTF-8 length is computed for Content-Length.
  const payload = body === undefined ? EMPTY : body;
  if (headers['content-length'] === undefined && response.status !== 204 && response.status !== 304) {
    headers['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length);
  }
  res.writeHead(response.status, headers);
  if (typeof payload === 'string') res.end(payload, 'utf8');
  else res.end(payload);
}

/**
 * The HTTPS front end: TLS with the generated certificate, keep-alive, dispatch to API modules,
 * transport-level faults (latency, injected statuses, connection resets) and the request log. The
 * hot path does no file I/O and no logging beyond one in-memory log entry.
 */
export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let baseOrigin = `https://${options.host}`;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const request: SimRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', req.headers.host ? `https://${req.headers.host}` : baseOrigin),
      headers: req.headers,
      body: EMPTY,
      raw: req,
    };
    const module = options.modules().find((candidate) => candidate.matches(request));
    const api = module?.name ?? 'unknown';
    let status = 0;
    let logExtra: SimResponse['log'];
    try {
      const faults = options.faults;
      const target = faults.empty ? undefined : { api, path: request.url.pathname };
      if (target && faults.take('reset-before', target)) {
        req.socket.destroy();
        return;
      }
      const latency = target && !module?.appliesFaults?.includes('latency') && faults.take('latency', target);
      if (latency) await sleep(latency.ms);
      const injected = target && faults.take('status', target);
      if (injected) {
        if (!module?.streaming) await readBody(req, maxBody).catch(() => EMPTY);
        const retryAfterSeconds = injected.retryAfterSeconds ?? (injected.status === 429 || injected.status === 503 ? 1 : undefined);
        const response = errorFrom(module, injected.status, request, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
        status = response.status;
        await writeResponse(res, response);
        return;
      }
      const hostile = target && faults.take('hostile', target);
      if (hostile) {
        if (!module?.streaming) await readBody(req, maxBody).catch(() => EMPTY);
        const response = hostileResponse(hostile, api, hostile.body === 'redirect' && options.redirectTarget ? `${await options.redirectTarget()}${request.url.pathname}${request.url.search}` : undefined);
        status = response.status;
        await writeResponse(res, response);
        return;
      }
      if (!module) {
        const response = fallbackError(404, `No API of the simulator serves ${request.method} ${request.url.pathname}.`);
        status = 404;
        await writeResponse(res, response);
        return;
      }
      if (!module.streaming) request.body = await readBody(req, maxBody);
      const response = await module.handle(request);
      logExtra = response.log;
      status = response.status;
      if (response.destroySocket || (target && faults.take('reset-after', target))) {
        // The request took effect; the client never learns it.
        status = 0;
        req.socket.destroy();
        return;
      }
      await writeResponse(res, response);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        status = 413;
        if (!res.headersSent) await writeResponse(res, errorFrom(module, 413, request, { message: 'The request body is too large.' })).catch(() => undefined);
        return;
      }
      if (res.headersSent) {
        res.destroy();
        status = status || 500;
        return;
      }
      status = 500;
      await writeResponse(res, errorFrom(module, 500, request, { message: `Internal simulator error: ${(error as Error).message}` })).catch(() => undefined);
    } finally {
      options.log.add({
        time: new Date(options.now()).toISOString(),
        method: request.method,
        url: redactUrl(req.url ?? '/'),
        api,
        headers: redactHeaders(req.headers),
        status,
        ...(logExtra?.clientId ? { clientId: logExtra.clientId } : {}),
        ...(logExtra?.ewsOperation ? { ewsOperation: logExtra.ewsOperation } : {}),
        ...(logExtra?.schemaValid !== undefined ? { schemaValid: logExtra.schemaValid } : {}),
        ...(logExtra?.schemaErrors ? { schemaErrors: logExtra.schemaErrors } : {}),
        ...(logExtra?.notes && logExtra.notes.length > 0 ? { notes: logExtra.notes } : {}),
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
    }
  }

  const server: Server = createServer({ cert: options.certPem, key: options.keyPem, keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 300_000 }, (req, res) => {
    void onRequest(req, res);
  });
  // A client that drops a connection mid-request is normal (resets, aborted uploads): never crash on it.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, options.host, options.port));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseOrigin = `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
