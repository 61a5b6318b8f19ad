import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, createRetryPolicy, type HttpClient, MailbridgeError } from '@mailbridge/core';
import { createTestPki, mailbridgeFailure, type TestPki } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphTransport } from '../src/index.js';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

/**
 * A caller's own HttpClient (plain `fetch`, no mailbridge network settings) pointed at a loopback
 * port nobody listens on, a server that resets every connection and one that never answers: the
 * failures are the same coded MailbridgeErrors, hints and retries as with core's client — not
 * undici's raw "fetch failed" (which the Graph client turned into INTERNAL, never retried).
 */

const MAX_ATTEMPTS = 3;

/** A plain fetch-based HttpClient, counting its requests; `timeoutMs` is its own time limit, if any. */
function ownClient(options: { timeoutMs?: number } = {}): HttpClient & { calls: number } {
  const client = {
    calls: 0,
    userAgent: 'own-client/1.0',
    fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
      client.calls += 1;
      const signals = [init.signal, options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined].filter((signal): signal is AbortSignal => signal instanceof AbortSignal);
      return fetch(input, { ...init, ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}) });
    },
    async close(): Promise<void> {},
  };
  return client;
}

/** A loopback TCP server: `onSocket` decides what each connection gets. */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `https://127.0.0.1:${port}`, connections: () => connections };
}

let bed: GraphTestBed;
let token = '';
const servers: Server[] = [];
const sockets: Socket[] = [];
let refusedUrl = '';
let reset: Awaited<ReturnType<typeof tcpServer>>;
let silent: Awaited<ReturnType<typeof tcpServer>>;
let pkiDir = '';
let pki: TestPki;
let untrustedUrl = '';

beforeAll(async () => {
  bed = await startGraphTestBed();
  token = (await bed.tokenProvider.getToken('graph')).token;
  // A port that was free a moment ago and has no listener now.
  const closed = await tcpServer(() => undefined);
  refusedUrl = closed.url;
  await new Promise((resolve) => closed.server.close(resolve));
  reset = await tcpServer((socket) => socket.resetAndDestroy());
  silent = await tcpServer((socket) => sockets.push(socket));
  servers.push(reset.server, silent.server);
  // HTTPS with a certificate of a CA neither client trusts.
  pkiDir = mkdtempSync(join(tmpdir(), 'mailbridge-own-client-'));
  pki = createTestPki(pkiDir);
  pki.ca('unknown-ca');
  untrustedUrl = await pki.serve(pki.serverCertificate('untrusted', 'unknown-ca', 'IP:127.0.0.1,DNS:localhost'));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await pki?.close();
  await bed?.cleanup();
  if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
});

/** A transport on `graphEndpoint` through `http`, retrying quickly. */
function transportOn(graphEndpoint: string, http: HttpClient): GraphTransport {
  return bed.newTransport({ graphEndpoint, http, retry: createRetryPolicy({ maxAttempts: MAX_ATTEMPTS, baseDelayMs: 1, maxDelayMs: 1000 }) });
}

/** The same call through core's client (the test bed's) and through a caller's own. */
async function bothClients(graphEndpoint: string, call: (transport: GraphTransport) => Promise<unknown>, own = ownClient()): Promise<{ builtIn: MailbridgeError; callers: MailbridgeError; own: typeof own }> {
  const builtIn = await mailbridgeFailure(call(transportOn(graphEndpoint, bed.http)));
  const callers = await mailbridgeFailure(call(transportOn(graphEndpoint, own)));
  return { builtIn, callers, own };
}

/** No token in anything the caller can print or log. */
function expectNoToken(error: MailbridgeError): void {
  const texts: string[] = [error.message, error.hint, JSON.stringify(error.details)];
  for (let cause: unknown = error.cause, depth = 0; cause && depth < 8; cause = (cause as { cause?: unknown }).cause, depth += 1) {
    texts.push(String((cause as { message?: unknown }).message ?? cause), String((cause as { stack?: unknown }).stack ?? ''));
  }
  expect(token.length).toBeGreaterThan(20);
  for (const text of texts) expect(text).not.toContain(token);
}

/** The leaky client's text survived (cleaned), so the no-token check looked at real content. */
function authorizationSeen(error: MailbridgeError): boolean {
  const raw = (error.cause as MailbridgeError).cause as Error;
  return /fetch failed with authorization:\s*\[REDACTED\]/.test(raw.message);
}

describe("a caller's own HTTP client: network failures mapped as core's client maps them", () => {
  it('a refused connection (probe): NETWORK_ERROR with the same hint, retried as often, the raw error kept as cause', async () => {
    const { builtIn, callers, own } = await bothClients(refusedUrl, (transport) => transport.probe());
    expect(builtIn.code).toBe('NETWORK_ERROR');
    expect(callers.code).toBe(builtIn.code);
    expect(callers.hint).toBe(builtIn.hint);
    expect(callers.hint).toMatch(/Nothing accepts connections at 127\.0\.0\.1:\d+/);
    expect(callers.message).toMatch(/ECONNREFUSED/);
    expect(callers.details.attempts).toBe(MAX_ATTEMPTS);
    expect(callers.details.attempts).toBe(builtIn.details.attempts);
    expect(own.calls).toBe(MAX_ATTEMPTS);
    // The raw error is still there, under the mapped one of the last attempt.
    const lastAttempt = callers.cause as MailbridgeError;
    expect(MailbridgeError.isInstance(lastAttempt)).toBe(true);
    expect(lastAttempt.details.requestSent).toBe(false);
    expect((lastAttempt.cause as Error).message).toBe('fetch failed');
    expectNoToken(callers);
  });

  it('a refused connection on a send: never reached the server, so retried like a read', async () => {
    const send = (transport: GraphTransport) => transport.send({ to: [DEMO.secondMailbox], subject: 'refused', text: 'x' });
    const { builtIn, callers, own } = await bothClients(refusedUrl, send);
    expect(callers.code).toBe('NETWORK_ERROR');
    expect(callers.code).toBe(builtIn.code);
    expect(callers.hint).toBe(builtIn.hint);
    expect(callers.details.attempts).toBe(MAX_ATTEMPTS);
    expect(callers.details.attempts).toBe(builtIn.details.attempts);
    expect(own.calls).toBe(MAX_ATTEMPTS);
    expectNoToken(callers);
  });

  it('a server that resets every connection: NETWORK_ERROR with the same hint, as many connections tried', async () => {
    const before = reset.connections();
    const builtIn = await mailbridgeFailure(transportOn(reset.url, bed.http).probe());
    const builtInConnections = reset.connections() - before;
    const callers = await mailbridgeFailure(transportOn(reset.url, ownClient()).probe());
    const callersConnections = reset.connections() - before - builtInConnections;
    expect(builtIn.code).toBe('NETWORK_ERROR');
    expect(callers.code).toBe(builtIn.code);
    expect(callers.hint).toBe(builtIn.hint);
    expect(callers.hint).toMatch(/was closed by the other side/);
    expect(callers.message).toMatch(/ECONNRESET/);
    expect(callers.details.attempts).toBe(MAX_ATTEMPTS);
    expect(callersConnections).toBe(builtInConnections);
    expectNoToken(callers);
  });

  it('an untrusted certificate: TLS_ERROR with a hint by its cause, not retried', async () => {
    const { builtIn, callers, own } = await bothClients(untrustedUrl, (transport) => transport.probe());
    expect(builtIn.code).toBe('TLS_ERROR');
    expect(callers.code).toBe(builtIn.code);
    expect(callers.message).toMatch(/not trusted|certificate/i);
    expect(callers.hint).toMatch(/network\.caFile/);
    expect(callers.retryable).toBe(false);
    expect(own.calls).toBe(1);
    expectNoToken(callers);
  });

  it('a client whose errors quote the request headers and the token: none of it reaches the error', async () => {
    const leaky: HttpClient = {
      userAgent: 'leaky/1.0',
      async fetch(input, init = {}) {
        const authorization = new Headers(init.headers).get('authorization') ?? '';
        const refused = Object.assign(new Error(`connect ECONNREFUSED for ${String(input)}?access_token=${token} (sent ${authorization}; raw ${token})`), { code: 'ECONNREFUSED' });
        throw new TypeError(`fetch failed with authorization: ${authorization}`, { cause: refused });
      },
      async close() {},
    };
    const error = await mailbridgeFailure(transportOn(refusedUrl, leaky).probe());
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.hint).toMatch(/Nothing accepts connections/);
    expect(authorizationSeen(error)).toBe(true);
    expectNoToken(error);
  });

  it("the caller's abort signal: its AbortError is ABORTED, never retried", async () => {
    const own = ownClient();
    const error = await mailbridgeFailure(transportOn(silent.url, own).probe({ signal: AbortSignal.timeout(300) }));
    expect(error.code).toBe('ABORTED');
    expect(own.calls).toBe(1);
  });

  it("a server that never answers: the client's own time limit is a NETWORK_TIMEOUT, retried as often as core's timeout", async () => {
    const builtInHttp = createHttpClient({ caFile: bed.simulator.caFile, timeoutMs: 300 });
    try {
      const builtIn = await mailbridgeFailure(transportOn(silent.url, builtInHttp).probe());
      const own = ownClient({ timeoutMs: 300 });
      const callers = await mailbridgeFailure(transportOn(silent.url, own).probe());
      expect(builtIn.code).toBe('NETWORK_TIMEOUT');
      expect(callers.code).toBe(builtIn.code);
      // Core's hint names network.timeoutMs, its own setting; the caller's client has a limit of its own.
      expect(callers.hint).toMatch(/endpoint is reachable .* longer time limit/);
      expect(callers.details.attempts).toBe(MAX_ATTEMPTS);
      expect(callers.details.attempts).toBe(builtIn.details.attempts);
      expect(own.calls).toBe(MAX_ATTEMPTS);
      expectNoToken(callers);
    } finally {
      await builtInHttp.close();
    }
  });
});
