import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates, type SecureContext } from 'node:tls';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailbridgeError } from '../src/errors/index.js';
import type { HttpClient } from '../src/http/http-client.js';
import { createHttpClient, readBody, readText, requestBuffered } from '../src/http/index.js';
import { trustAlso } from '../src/http/load-ca-certificates.js';
import { createLogger, type LogRecord } from '../src/log/index.js';
import { redact } from '../src/redact/index.js';
import { createRetryPolicy } from '../src/retry/index.js';
import { mailbridgeFailure } from '../src/testing/index.js';

// A private CA and a server certificate for 127.0.0.1, made with the openssl binary (core has no
// certificate library, and the test must not add one).
let dir: string;
let caFile: string;
let key: string;
let cert: string;

function makeCertificates(): void {
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-http-'));
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=mailbridge test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  caFile = join(dir, 'ca.pem');
  key = readFileSync(join(dir, 'server.key'), 'utf8');
  cert = readFileSync(join(dir, 'server.pem'), 'utf8');
}

// The HTTPS server: one route per behaviour under test.
let server: HttpsServer;
let origin: string;
let connections = 0;
const openSockets = new Set<Socket>();

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => resolve(text));
  });
}

async function startServer(): Promise<void> {
  server = createHttpsServer({ key, cert }, async (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    if (path === '/echo') {
      const body = await readAll(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, userAgent: req.headers['user-agent'], body }));
    } else if (path === '/digest') {
      const hash = createHash('sha256');
      let length = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk);
        length += chunk.byteLength;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-range': String(req.headers['content-range']) });
      res.end(JSON.stringify({ method: req.method, userAgent: req.headers['user-agent'], length, sha256: hash.digest('hex') }));
    } else if (path === '/slow-read') {
      // Reads the upload at ~16 MB/s: a link slower than the client, as far as the client can tell.
      let length = 0;
      req.on('data', (chunk: Buffer) => {
        length += chunk.byteLength;
        req.pause();
        setTimeout(() => req.resume(), chunk.byteLength / 16_384);
      });
      req.on('end', () => res.end(JSON.stringify({ length })));
    } else if (path === '/gzip' || path === '/br' || path === '/bomb') {
      const accepted = String(req.headers['accept-encoding'] ?? '');
      const text = path === '/bomb' ? '0'.repeat(4 * 1024 * 1024) : JSON.stringify({ subject: 'compressed', accepted });
      const encoding = path === '/br' ? 'br' : 'gzip';
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(encoding === 'br' ? brotliCompressSync(text) : gzipSync(text));
    } else if (path === '/trickle') {
      // Headers at once, then one byte every 150 ms: never silent for long, never done.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('x'), 150);
      res.on('close', () => clearInterval(timer));
    } else if (path === '/no-headers') {
      // Never answers: the client's timeout must end it.
    } else if (path === '/stall-body') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk ');
    } else if (path === '/reset-after-body') {
      await readAll(req);
      req.socket.destroy();
    } else if (path === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(64 * 1024) });
      res.end(Buffer.alloc(64 * 1024, 1));
    } else if (path === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 16; i += 1) res.write(Buffer.alloc(4096, 2));
      res.end();
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  server.on('secureConnection', (socket) => {
    connections += 1;
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// A minimal HTTP CONNECT proxy that records the tunnels it opens; `refuseWith` makes it answer an error.
interface TestProxy {
  url: string;
  tunnels: string[];
  refuseWith?: number;
  close(): Promise<void>;
}

async function startProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const proxyServer: HttpServer = createHttpServer((_req, res) => {
    res.statusCode = 405;
    res.end();
  });
  const proxy: TestProxy = { url: '', tunnels: [], close: async () => {} };
  proxyServer.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    proxy.tunnels.push(req.url ?? '');
    if (proxy.refuseWith) {
      client.end(`HTTP/1.1 ${proxy.refuseWith} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      proxyServer.close(() => resolve());
    });
  return proxy;
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * A client whose pooled connection is already open, so that a short timeout measures what the
 * test is about, not a TLS handshake on a loaded machine.
 */
async function warmClient(options: Parameters<typeof createHttpClient>[0]): Promise<Required<HttpClient>> {
  const created = client(options);
  await (await created.fetch(`${origin}/echo`, { timeoutMs: 30_000 })).text();
  return created;
}

const clients: HttpClient[] = [];
function client(options: Parameters<typeof createHttpClient>[0] = {}): Required<HttpClient> {
  const created = createHttpClient({ env: {}, caFile, ...options });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  makeCertificates();
  await startServer();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const socket of openSockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('createHttpClient: TLS and user agent', () => {
  it('trusts the CA of network.caFile (added to the default roots) and sends the mailbridge user agent', async () => {
    const http = client();
    const response = await http.fetch(`${origin}/echo`, { method: 'POST', body: 'hello' });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${origin}/echo`);
    const echoed = (await response.json()) as { method: string; userAgent: string; body: string };
    expect(echoed).toMatchObject({ method: 'POST', body: 'hello' });
    expect(echoed.userAgent).toBe(http.userAgent);
    expect(http.userAgent).toMatch(/^mailbridge\/\d+\.\d+\.\d+\S* \(node v\d+\.\d+\.\d+; [a-z0-9]+\)$/);
  });

  it('puts a caller product token before its own and keeps a user agent the caller set', async () => {
    const http = client({ userAgent: 'mailbridge-cli/9.9.9' });
    expect(http.userAgent).toMatch(/^mailbridge-cli\/9\.9\.9 mailbridge\//);
    const own = await http.fetch(`${origin}/echo`, { headers: { 'user-agent': 'custom/1' } });
    expect(((await own.json()) as { userAgent: string }).userAgent).toBe('custom/1');
  });

  it('logs each request at debug level without the query string', async () => {
    const records: LogRecord[] = [];
    const http = client({ logger: createLogger({ level: 'debug', sink: (record) => records.push(record) }) });
    await (await http.fetch(`${origin}/echo?$top=5&token=abc`)).text();
    expect(records).toHaveLength(1);
    expect(records[0]?.fields).toMatchObject({ method: 'GET', url: `${origin}/echo`, status: 200 });
    expect(JSON.stringify(records)).not.toContain('token=abc');
  });

  it('accepts the CA as PEM text', async () => {
    const http = client({ caFile: undefined, caPem: readFileSync(caFile, 'utf8') });
    expect((await http.fetch(`${origin}/echo`)).status).toBe(200);
  });

  it('fails with TLS_ERROR naming network.caFile when the CA is not trusted', async () => {
    const http = client({ caFile: undefined });
    const error = await mailbridgeFailure(http.fetch(`${origin}/echo?sig=abc`));
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toContain('network.caFile');
    expect(error.hint).toContain('put its CA certificate in a PEM file');
    expect(error.retryable).toBe(false);
    expect(error.cause).toBeDefined();
    expect(error.message).toContain(`${origin}/echo`);
    expect(error.message).not.toContain('sig=');
  });

  it('with network.caFile set to a CA that did not sign the server, says so instead of "set network.caFile"', async () => {
    const otherCa = join(dir, 'other-ca.pem');
    writeFileSync(otherCa, rootCertificates[0]!);
    const error = await mailbridgeFailure(client({ caFile: otherCa }).fetch(`${origin}/echo`));
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toMatch(/not signed by the CA in network\.caFile/);
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });

  // The extra CA joins Node's default store instead of handing the ~150 bundled roots over again as
  // `ca` (cold start, issue 15 item 18); NODE_EXTRA_CA_CERTS, which Node leaves out of such a store, must still count.
  it('with network.caFile set to another CA, still trusts the CAs of NODE_EXTRA_CA_CERTS', async () => {
    const otherCa = join(dir, 'unrelated-ca.pem');
    writeFileSync(otherCa, rootCertificates[1]!);
    const http = client({ caFile: otherCa, env: { NODE_EXTRA_CA_CERTS: caFile } });
    expect((await http.fetch(`${origin}/echo`)).status).toBe(200);
    const without = await mailbridgeFailure(client({ caFile: otherCa, env: {} }).fetch(`${origin}/echo`));
    expect(without.code).toBe('TLS_ERROR');
  });

  it('on a Node without the native context the extra CA is still trusted (the whole store handed over as ca)', async () => {
    const { connect } = await import('node:tls');
    const extra = [readFileSync(caFile, 'utf8')];
    // A context object without Node's native `context`: the fallback must not throw and must trust the CA.
    const secureContext = trustAlso(extra, {}, {} as SecureContext);
    const port = Number(new URL(origin).port);
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, secureContext, servername: 'localhost' }, () => {
        resolve(socket.authorized);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(authorized).toBe(true);
  });

  it('refuses an unreadable or non-PEM caFile with CONFIG_INVALID at network.caFile', () => {
    const missing = (() => {
      try {
        createHttpClient({ env: {}, caFile: join(dir, 'nope.pem') });
      } catch (error) {
        return error as MailbridgeError;
      }
      throw new Error('expected a failure');
    })();
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.details.path).toBe('network.caFile');
    expect(missing.message).toContain('does not exist');
    writeFileSync(join(dir, 'garbage.pem'), 'not a certificate');
    expect(() => createHttpClient({ env: {}, caFile: join(dir, 'garbage.pem') })).toThrow(/holds no PEM certificate/);
  });

  it('reuses one pooled keep-alive connection for sequential requests', async () => {
    const http = client();
    const before = connections;
    for (let i = 0; i < 8; i += 1) await (await http.fetch(`${origin}/echo`)).text();
    // undici may open a second socket when a request is dispatched in the tick before the first
    // socket is back in the pool; without pooling this would be 8.
    expect(connections - before).toBeLessThanOrEqual(2);
  });
});

describe('createHttpClient: timeouts and abort', () => {
  it('gives NETWORK_TIMEOUT when the response headers do not come within timeoutMs', async () => {
    const http = await warmClient({ timeoutMs: 300 });
    const started = Date.now();
    const error = await mailbridgeFailure(http.fetch(`${origin}/no-headers`));
    expect(error.code).toBe('NETWORK_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.details.requestSent).toBe(true);
    expect(error.hint).toContain('network.timeoutMs');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  // Issue 14, item 4: a server trickling bytes kept a request (and `receive`) running far past timeoutMs.
  it('bounds the whole request, not only the gaps: a trickled answer ends in NETWORK_TIMEOUT near timeoutMs', async () => {
    const http = await warmClient({ timeoutMs: 1000 });
    for (const read of [async () => (await http.fetch(`${origin}/trickle`)).text(), async () => http.request(`${origin}/trickle`)]) {
      const started = Date.now();
      const error = await read().then(
        () => undefined,
        (caught: unknown) => caught as MailbridgeError,
      );
      expect(error?.code).toBe('NETWORK_TIMEOUT');
      expect(error?.message).toMatch(/did not complete within \d+ ms/);
      expect(error?.hint).toMatch(/whole request/);
      expect(Date.now() - started).toBeLessThan(3000);
    }
  });

  it('applies a per-request timeoutMs', async () => {
    const http = await warmClient({ timeoutMs: 60_000 });
    const error = await mailbridgeFailure(http.fetch(`${origin}/no-headers`, { timeoutMs: 200 }));
    expect(error.code).toBe('NETWORK_TIMEOUT');
  });

  it('gives NETWORK_TIMEOUT when the response body stalls', async () => {
    const http = await warmClient({ timeoutMs: 1000 });
    const response = await http.fetch(`${origin}/stall-body`);
    expect(response.status).toBe(200);
    const error = await mailbridgeFailure(response.text());
    expect(error.code).toBe('NETWORK_TIMEOUT');
  });

  it('maps failures of a streamed body (response.body) too, and streams a good one whole', async () => {
    const http = await warmClient({ timeoutMs: 1000 });
    const stalled = (await http.fetch(`${origin}/stall-body`)).body!.getReader();
    const first = await stalled.read();
    expect(new TextDecoder().decode(first.value)).toBe('first chunk ');
    const error = await mailbridgeFailure(stalled.read());
    expect(error.code).toBe('NETWORK_TIMEOUT');

    const response = await http.fetch(`${origin}/big-chunked`);
    let bytes = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
    expect(bytes).toBe(16 * 4096);
    expect(response.bodyUsed).toBe(true);
  });

  it('keeps clone() working and mapped', async () => {
    const http = await warmClient({ timeoutMs: 1000 });
    const response = await http.fetch(`${origin}/echo`);
    const copy = response.clone();
    expect(await copy.json()).toMatchObject({ method: 'GET' });
    expect(await response.json()).toMatchObject({ method: 'GET' });
    const stalled = (await http.fetch(`${origin}/stall-body`)).clone();
    expect((await mailbridgeFailure(stalled.text())).code).toBe('NETWORK_TIMEOUT');
  });

  it('gives ABORTED with the reason as cause when the caller aborts, before or during a request', async () => {
    const http = client({ timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = http.fetch(`${origin}/no-headers`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed Ctrl+C')), 100);
    const error = await mailbridgeFailure(pending);
    expect(error.code).toBe('ABORTED');
    expect(error.retryable).toBe(false);
    expect((error.cause as Error).message).toBe('user pressed Ctrl+C');

    const early = await mailbridgeFailure(http.fetch(`${origin}/echo`, { signal: AbortSignal.abort() }));
    expect(early.code).toBe('ABORTED');
  });

  it('gives ABORTED when the caller aborts while the body is read', async () => {
    const http = client({ timeoutMs: 10_000 });
    const controller = new AbortController();
    const response = await http.fetch(`${origin}/stall-body`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await mailbridgeFailure(response.text())).code).toBe('ABORTED');
  });
});

describe('createHttpClient: network errors and what the retry policy learns from them', () => {
  it('marks a refused connection as NETWORK_ERROR, retryable, not sent, and strips query and credentials from the URL', async () => {
    const port = await closedPort();
    const http = client();
    const error = await mailbridgeFailure(http.fetch(`https://user:hunter2@127.0.0.1:${port}/path?access_token=abc123`));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.details.requestSent).toBe(false);
    expect(error.message).toContain(`https://127.0.0.1:${port}/path`);
    expect(error.message).not.toMatch(/hunter2|abc123|\?/);
  });

  it('marks a connection broken after the body went out as sent: the retry policy calls it ambiguous for a send', async () => {
    const http = client();
    const error = await mailbridgeFailure(http.fetch(`${origin}/reset-after-body`, { method: 'POST', body: 'send me once' }));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.details.requestSent).toBe(true);

    const policy = createRetryPolicy({ sleep: async () => {} });
    let attempts = 0;
    const send = () => {
      attempts += 1;
      return http.fetch(`${origin}/reset-after-body`, { method: 'POST', body: 'send me once' });
    };
    const ambiguous = await mailbridgeFailure(policy.execute(send, { idempotent: false }));
    expect(attempts).toBe(1);
    expect(ambiguous.details.ambiguous).toBe(true);
    expect(ambiguous.cause).toBe(ambiguous.cause);

    attempts = 0;
    const exhausted = await mailbridgeFailure(policy.execute(send, { idempotent: true }));
    expect(attempts).toBe(6);
    expect(exhausted.code).toBe('NETWORK_ERROR');
    expect(exhausted.details.attempts).toBe(6);
  });
});

describe('createHttpClient: request (answers read whole, bodies sent without copies)', () => {
  it('sends text as UTF-8, sends no body by default, and keeps the method', async () => {
    const http = client();
    const posted = await http.request(`${origin}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"subject":"Störung €"}' });
    expect(JSON.parse(new TextDecoder().decode(posted.body))).toEqual({ method: 'POST', userAgent: http.userAgent, body: '{"subject":"Störung €"}' });
    const fetched = await http.request(`${origin}/echo`);
    expect(JSON.parse(new TextDecoder().decode(fetched.body))).toMatchObject({ method: 'GET', body: '' });
    expect(fetched.url).toBe(`${origin}/echo`);
  });

  it('sends the bytes as given, with the user agent and headers, and reads the whole answer', async () => {
    const http = client();
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const view = bytes.subarray(5, bytes.byteLength - 2);
    const answer = await http.request(`${origin}/digest`, { method: 'put', headers: { 'Content-Range': 'bytes 0-9/10' }, body: view });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-range')).toBe('bytes 0-9/10');
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({
      method: 'PUT',
      userAgent: http.userAgent,
      length: view.byteLength,
      sha256: createHash('sha256').update(view).digest('hex'),
    });
  });

  it('lets the caller reuse one buffer range after range (each answer means the bytes left)', async () => {
    const http = client();
    const buffer = Buffer.alloc(256 * 1024);
    for (let range = 0; range < 5; range += 1) {
      buffer.fill(range);
      const answer = await http.request(`${origin}/digest`, { method: 'PUT', body: buffer });
      expect(JSON.parse(new TextDecoder().decode(answer.body)).sha256).toBe(createHash('sha256').update(Buffer.alloc(buffer.byteLength, range)).digest('hex'));
    }
  });

  it('fails like fetch: NETWORK_TIMEOUT, ABORTED, a broken connection marked as sent, a refused one as not sent', async () => {
    const http = await warmClient({ timeoutMs: 300 });
    const body = Buffer.from('range');
    expect((await mailbridgeFailure(http.request(`${origin}/no-headers`, { method: 'PUT', body }))).code).toBe('NETWORK_TIMEOUT');
    expect((await mailbridgeFailure(http.request(`${origin}/no-headers`, { method: 'PUT', body, timeoutMs: 100 }))).code).toBe('NETWORK_TIMEOUT');

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 50);
    const aborted = await mailbridgeFailure(http.request(`${origin}/no-headers`, { method: 'PUT', body, signal: controller.signal, timeoutMs: 10_000 }));
    expect(aborted.code).toBe('ABORTED');
    expect((aborted.cause as Error).message).toBe('stop');

    const broken = await mailbridgeFailure(http.request(`${origin}/reset-after-body`, { method: 'PUT', body }));
    expect(broken.code).toBe('NETWORK_ERROR');
    expect(broken.details.requestSent).toBe(true);

    const port = await closedPort();
    const refused = await mailbridgeFailure(http.request(`https://127.0.0.1:${port}/upload?tempauth=secret-token`, { method: 'PUT', body }));
    expect(refused.code).toBe('NETWORK_ERROR');
    expect(refused.details.requestSent).toBe(false);
    expect(refused.message).not.toContain('secret-token');
  });

  it('keeps a slow upload alive: each 256 KB that leaves is progress, so only a real stall times out', async () => {
    const http = await warmClient({ timeoutMs: 800 });
    // 40 MB at ~16 MB/s: seconds in all, far more than the timeout, while the socket buffers hold a
    // few MB at most (what is in them when the last slice has left must arrive within the timeout).
    const body = randomBytes(40 * 1024 * 1024);
    const started = Date.now();
    const answer = await http.request(`${origin}/slow-read`, { method: 'PUT', body });
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({ length: body.byteLength });
    // It took well over the timeout in total: progress, not the total time, is what is timed.
    expect(Date.now() - started).toBeGreaterThan(1600);
  });

  it('asks for compressed answers and decompresses them; the limit applies to what comes out', async () => {
    const http = client();
    for (const path of ['/gzip', '/br']) {
      const answer = await http.request(`${origin}${path}`);
      expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({ subject: 'compressed', accepted: 'gzip, deflate, br' });
      expect(answer.headers.get('content-encoding')).toBeNull();
    }
    // 4 MB of zeros in a few KB of gzip.
    expect((await mailbridgeFailure(http.request(`${origin}/bomb`, { maxResponseBytes: 1024 * 1024 }))).code).toBe('INVALID_RESPONSE');
  });

  it('requestBuffered falls back to fetch for an HttpClient without request()', async () => {
    const full = client();
    const fetchOnly = { userAgent: full.userAgent, fetch: full.fetch, close: full.close };
    const answer = await requestBuffered(fetchOnly, `${origin}/digest`, { method: 'PUT', body: Buffer.from('old client') });
    expect(answer.status).toBe(201);
    expect(JSON.parse(new TextDecoder().decode(answer.body)).length).toBe(10);
    expect((await mailbridgeFailure(requestBuffered(fetchOnly, `${origin}/big`, { maxResponseBytes: 1024 }))).code).toBe('INVALID_RESPONSE');
  });

  it('refuses an answer larger than maxResponseBytes with INVALID_RESPONSE, declared or streamed', async () => {
    const http = client();
    const body = Buffer.from('x');
    for (const path of ['/big', '/big-chunked']) {
      const error = await mailbridgeFailure(http.request(`${origin}${path}`, { method: 'PUT', body, maxResponseBytes: 1024 }));
      expect(error.code).toBe('INVALID_RESPONSE');
    }
    const whole = await http.request(`${origin}/big-chunked`, { method: 'PUT', body });
    expect(whole.body.byteLength).toBe(16 * 4096);
  });

  it('goes through network.proxy, and refuses a URL that is not http(s)', async () => {
    const proxy = await startProxy();
    try {
      const http = client({ proxy: proxy.url });
      const answer = await http.request(`${origin}/digest`, { method: 'PUT', body: Buffer.from('via proxy') });
      expect(answer.status).toBe(201);
      expect(proxy.tunnels).toEqual([origin.replace('https://', '')]);
      expect((await mailbridgeFailure(http.request('file:///etc/passwd', { method: 'PUT', body: Buffer.from('x') }))).code).toBe('USAGE');
    } finally {
      await proxy.close();
    }
  });
});

describe('createHttpClient: proxy', () => {
  it('tunnels through network.proxy', async () => {
    const proxy = await startProxy();
    try {
      const http = client({ proxy: proxy.url });
      expect((await http.fetch(`${origin}/echo`)).status).toBe(200);
      expect(proxy.tunnels).toEqual([new URL(origin).host]);
    } finally {
      await proxy.close();
    }
  });

  it('tunnels through HTTPS_PROXY from the environment, and goes direct for a NO_PROXY host', async () => {
    const proxy = await startProxy();
    try {
      const viaEnv = client({ env: { HTTPS_PROXY: proxy.url } });
      await (await viaEnv.fetch(`${origin}/echo`)).text();
      expect(proxy.tunnels).toHaveLength(1);

      const bypassed = client({ env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' } });
      await (await bypassed.fetch(`${origin}/echo`)).text();
      const alsoConfigured = client({ proxy: proxy.url, env: { no_proxy: '127.0.0.1' } });
      await (await alsoConfigured.fetch(`${origin}/echo`)).text();
      expect(proxy.tunnels).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('gives PROXY_ERROR naming network.proxy when the proxy refuses or cannot be reached', async () => {
    let refusedHint = '';
    const proxy = await startProxy();
    try {
      proxy.refuseWith = 407;
      const refused = await mailbridgeFailure(client({ proxy: proxy.url }).fetch(`${origin}/echo`));
      expect(refused.code).toBe('PROXY_ERROR');
      expect(refused.hint).toContain('network.proxy');
      expect(refused.message).toContain('407');
      // Issue 14, item 7: the hint said `http://[REDACTED]@host:port` once redacted; it must read the same either way.
      expect(redact(refused.hint)).toBe(refused.hint);
      expect(refused.hint).toMatch(/user name and password .*HTTPS_PROXY/);
      refusedHint = refused.hint;
    } finally {
      await proxy.close();
    }
    const port = await closedPort();
    const unreachable = await mailbridgeFailure(client({ proxy: `http://127.0.0.1:${port}` }).fetch(`${origin}/echo`));
    expect(unreachable.code).toBe('PROXY_ERROR');
    expect(unreachable.hint).toContain('network.proxy');
    // The setting is named once, not "network.proxy (or network.proxy)".
    expect(unreachable.hint).not.toMatch(/network\.proxy \(or network\.proxy\)/);
    expect(refusedHint).not.toMatch(/network\.proxy \(or network\.proxy\)/);
    expect(unreachable.retryable).toBe(true);
  });

  it('refuses a proxy value that is not a URL', () => {
    expect(() => createHttpClient({ env: {}, proxy: 'proxy.corp:8080' })).toThrow(/network\.proxy: expected a proxy URL/);
    expect(() => createHttpClient({ env: { HTTPS_PROXY: '::nonsense' } })).toThrow(/HTTPS_PROXY: expected a proxy URL/);
  });
});

describe('readBody / readText', () => {
  it('reads a body within the limit', async () => {
    const http = client();
    expect(await readText(await http.fetch(`${origin}/echo`), { maxBytes: 10_000 })).toContain('"method":"GET"');
    expect((await readBody(await http.fetch(`${origin}/big`), { maxBytes: 64 * 1024 })).byteLength).toBe(64 * 1024);
  });

  it('refuses a body larger than the limit with INVALID_RESPONSE, by content-length or while streaming', async () => {
    const http = client();
    const declared = await mailbridgeFailure(readBody(await http.fetch(`${origin}/big`), { maxBytes: 1000 }));
    expect(declared.code).toBe('INVALID_RESPONSE');
    expect(declared.message).toContain('1000 bytes');
    const streamed = await mailbridgeFailure(readBody(await http.fetch(`${origin}/big-chunked`), { maxBytes: 10_000 }));
    expect(streamed.code).toBe('INVALID_RESPONSE');
  });
});
