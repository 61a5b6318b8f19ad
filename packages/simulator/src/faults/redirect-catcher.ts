import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CaughtRequest } from '../types.js';

/** The most of a request body the catcher keeps: enough to hold any secret, token or assertion. */
const MAX_KEPT_BODY_BYTES = 64 * 1024;
/** The most requests kept: a client stuck in a redirect loop must not fill memory. */
const MAX_KEPT_REQUESTS = 1000;

/** The second listener of the `hostile` `redirect` fault (see {@link startRedirectCatcher}). */
export interface RedirectCatcher {
  /** `https://HOST:PORT` of the listener, started on first use. */
  origin(): Promise<string>;
  /** Everything that reached it, raw (nothing redacted: tests look for the secrets in it). */
  caught(): CaughtRequest[];
  clear(): void;
  close(): Promise<void>;
}

/**
 * The "other host" a hostile endpoint redirects to: an HTTPS listener on loopback (same certificate
 * as the simulator, so a client that follows the redirect gets through TLS and its request is seen)
 * that records every request whole — method, path, headers, body — and answers a bland 200 `{}`.
 * A client that refuses redirects leaves it empty. Started lazily, on the first redirect answered.
 */
export function createRedirectCatcher(options: { host: string; certPem: string; keyPem: string }): RedirectCatcher {
  const requests: CaughtRequest[] = [];
  let server: Server | undefined;
  let starting: Promise<string> | undefined;

  const start = async (): Promise<string> => {
    const listener = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        if (size < MAX_KEPT_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      req.on('end', () => {
        if (requests.length < MAX_KEPT_REQUESTS) {
          requests.push({
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            headers: { ...req.headers },
            body: Buffer.concat(chunks).subarray(0, MAX_KEPT_BODY_BYTES).toString('utf8'),
          });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(0, options.host, () => resolve());
    });
    const port = (listener.address() as AddressInfo).port;
    return `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  };

  return {
    origin() {
      starting ??= start();
      return starting;
    },
    caught: () => requests.map((request) => ({ ...request, headers: { ...request.headers } })),
    clear() {
      requests.length = 0;
    },
    async close() {
      const listener = server;
      if (!listener) return;
      await starting?.catch(() => undefined);
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
