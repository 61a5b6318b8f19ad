import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, MailbridgeError } from '@mailbridge/core';
import type { ReadinessReport } from './readiness.js';
import { renderStatusPage } from './render-status-page.js';
import { createStatusAuth, type StatusCredentials } from './status-auth.js';
import type { StatusMetrics } from './status-metrics.js';
import type { StatusSnapshot } from './status-snapshot.js';

/** Options of {@link startStatusServer}. */
export interface StatusServerOptions {
  /**
   * Address to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Port; 0 picks a free one.
   * @default 8025
   */
  port?: number;
  /** Resolved `status.auth`; required when `host` is not a loopback address. */
  auth?: StatusCredentials;
  /** JSON path of the listener's config, for messages (e.g. `relay.status`). */
  configPath?: string;
  /** Builds the page's data (fresh for each request). */
  snapshot(): Promise<StatusSnapshot>;
  metrics: StatusMetrics;
  /** Brings the gauges up to date before a scrape. */
  refreshGauges?(): Promise<void>;
  readiness: { run(): Promise<ReadinessReport> };
  /**
   * Seconds between page refreshes when JavaScript is on.
   * @default 10
   */
  refreshSeconds?: number;
}

/** A running status listener. */
export interface StatusServer {
  /** `http://host:port`, e.g. to print at start. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
} as const;

function send(response: ServerResponse, head: boolean, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  const buffer = Buffer.from(body, 'utf8');
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': String(buffer.length), ...headers });
  response.end(head ? undefined : buffer);
}

/** The host name part of a Host header: `[::1]:8025` → `::1`, `localhost:8025` → `localhost`. */
function hostOf(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'));
  const colon = header.lastIndexOf(':');
  return colon >= 0 ? header.slice(0, colon) : header;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the status listener: `GET /` (the status page), `/metrics` (Prometheus), `/healthz`,
 * `/readyz`. Beyond loopback it refuses to start without `auth`. Without auth, it answers only
 * requests whose Host is a loopback name, so a web page elsewhere cannot read it through DNS
 * rebinding. Only GET and HEAD; request bodies are never read; slow clients are cut off.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8025;
  const where = options.configPath ?? 'status';
  if (!isLoopbackHost(host) && options.auth === undefined) {
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: `${where}.auth: is required when the status listener is reachable from other machines (host "${host}").`,
      hint: `Add ${where}.auth: {"bearer": {"env": "NAME"}} or {"basic": {"user": "NAME", "password": {"env": "NAME"}}}, or set ${where}.host to "127.0.0.1".`,
      details: { path: `${where}.auth` },
    });
  }
  const auth = options.auth ? createStatusAuth(options.auth) : undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) {
      send(response, false, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD are supported.\n', { allow: 'GET, HEAD' });
      return;
    }
    if (auth === undefined && !isLoopbackHost(hostOf(request.headers.host))) {
      send(response, head, 403, 'text/plain; charset=utf-8', 'This status listener answers only requests addressed to this machine (Host: localhost or 127.0.0.1).\n');
      return;
    }
    if (auth !== undefined && !auth.allows(request)) {
      send(response, head, 401, 'text/plain; charset=utf-8', 'Authentication required.\n', { 'www-authenticate': auth.challenge });
      return;
    }
    const path = new URL(request.url ?? '/', 'http://status.invalid').pathname;
    switch (path) {
      case '/': {
        const nonce = randomBytes(16).toString('base64');
        const page = renderStatusPage(await options.snapshot(), { nonce, ...(options.refreshSeconds ? { refreshSeconds: options.refreshSeconds } : {}) });
        send(response, head, 200, 'text/html; charset=utf-8', page, {
          'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        });
        return;
      }
      case '/metrics': {
        await options.refreshGauges?.();
        const { contentType, body } = await options.metrics.render();
        send(response, head, 200, contentType, body);
        return;
      }
      case '/healthz':
        send(response, head, 200, 'application/json; charset=utf-8', '{"ok":true}\n');
        return;
      case '/readyz': {
        const report = await options.readiness.run();
        const body = report.ok ? { ok: true, passing: report.passing } : { ok: false, failing: report.failing, passing: report.passing };
        send(response, head, report.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
        return;
      }
      default:
        send(response, head, 404, 'text/plain; charset=utf-8', 'Not found. Try /, /metrics, /healthz or /readyz.\n');
    }
  };

  const server = createServer({ requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: 16_384 }, (request, response) => {
    // The body of a GET is never read; drop it so the socket does not stall.
    request.resume();
    handle(request, response).catch(() => {
      // No error detail goes to the client: it may name internals. The page's parts report their own problems.
      if (!response.headersSent) send(response, request.method === 'HEAD', 500, 'text/plain; charset=utf-8', 'The status could not be produced; see the process log.\n');
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new MailbridgeError({
          code: 'STATUS_LISTEN_FAILED',
          message: `The status listener cannot listen on ${formatHost(host)}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EADDRNOTAVAIL' ? 'the address is not on this machine' : error.code === 'EACCES' ? 'permission denied' : (error.code ?? 'error')}.`,
          hint: `Choose another ${where}.port (0 picks a free one), or stop what uses it; ${where}.host must be an address of this machine.`,
          details: { path: `${where}.port` },
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${formatHost(host)}:${address.port}`,
    port: address.port,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
