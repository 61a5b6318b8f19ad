import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MailbridgeError } from '../../errors/index.js';

/** Options of {@link startLoopbackListener}. */
export interface LoopbackListenerOptions {
  /**
   * The loopback redirect URI as configured (`http://localhost`, `http://127.0.0.1:8400/callback`).
   * Without a port (or port 0) a free one is picked; Entra accepts any port for a loopback URI.
   */
  redirectUri: string;
  /** Gets the one redirect's URL; its answer decides the page shown in the browser. */
  onRedirect(url: URL): { ok: true } | { ok: false; message: string };
}

/** A started listener: the redirect URI with its real port, and the one request it waits for. */
export interface LoopbackListener {
  /** The redirect URI to send in the sign-in request (with the port picked). */
  redirectUri: string;
  /** The URL the browser was redirected to; rejects on timeout or abort. Settles once. */
  wait(options: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<URL>;
  /** Stops listening (idempotent). */
  close(): Promise<void>;
}

const PAGE_STYLE = 'body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}';

function page(title: string, text: string): string {
  const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
}

/**
 * The loopback receiver of an authorization-code sign-in (RFC 8252 §7.3): an HTTP listener on the
 * loopback address of the redirect URI, on a free port, that takes exactly one request at the
 * redirect path, answers the browser with a short page (the code itself is never echoed), and
 * closes. Requests to other paths (a browser's `/favicon.ico`) get 404 and do not count. Bounded:
 * headers within Node's limit, no body read, one request at a time, the wait with a timeout.
 */
export async function startLoopbackListener(options: LoopbackListenerOptions): Promise<LoopbackListener> {
  const configured = new URL(options.redirectUri);
  const path = configured.pathname || '/';
  // `localhost` is bound on 127.0.0.1 (what browsers try first for it) and, when available, ::1.
  const hosts = configured.hostname === '[::1]' ? ['::1'] : configured.hostname === 'localhost' ? ['127.0.0.1', '::1'] : ['127.0.0.1'];

  let settle: ((result: { url: URL } | { error: MailbridgeError }) => void) | undefined;
  const settled = new Promise<{ url: URL } | { error: MailbridgeError }>((resolve) => {
    settle = (result) => {
      settle = undefined;
      resolve(result);
    };
  });

  const servers: Server[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const send = (status: number, html: string) => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close', 'referrer-policy': 'no-referrer' });
      response.end(html);
    };
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    if (settle === undefined || request.method !== 'GET' || url.pathname !== path) {
      send(404, page('Not found', 'This address is only for the mailbridge sign-in.'));
      return;
    }
    const verdict = options.onRedirect(url);
    if (verdict.ok) send(200, page('Signed in', 'mailbridge received the sign-in. You may close this window and return to the terminal.'));
    else send(400, page('Sign-in failed', `${verdict.message} Return to the terminal for details.`));
    settle({ url });
    // One request, then closed: no second redirect is accepted.
    response.on('finish', () => void closeAll());
  };

  const listen = (server: Server, host: string, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });

  const first = createServer(handler);
  first.headersTimeout = 10_000;
  first.requestTimeout = 10_000;
  let port: number;
  try {
    port = await listen(first, hosts[0] as string, Number(configured.port || 0));
  } catch (cause) {
    throw new MailbridgeError({
      code: 'NETWORK_ERROR',
      message: `Cannot listen on ${configured.hostname}:${configured.port || '(a free port)'} for the sign-in redirect: ${(cause as Error).message}.`,
      hint: 'Leave the port out of auth.redirectUri (http://localhost) so a free one is picked, or use `mailbridge login --no-browser`.',
      cause,
    });
  }
  servers.push(first);
  for (const host of hosts.slice(1)) {
    const extra = createServer(handler);
    extra.headersTimeout = 10_000;
    extra.requestTimeout = 10_000;
    // Best effort: a machine without IPv6 loopback has only the first.
    if (
      await listen(extra, host, port).then(
        () => true,
        () => false,
      )
    )
      servers.push(extra);
  }

  let closing: Promise<void> | undefined;
  const closeAll = (): Promise<void> => {
    closing ??= Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
    return closing;
  };

  const redirect = new URL(configured.href);
  redirect.port = String(port);
  // `new URL('http://localhost').href` ends with "/": keep the URI as written when it had no path,
  // since Entra compares the path of a loopback redirect URI (only the port may differ).
  const hadPath = /^http:\/\/[^/?#]+\//i.test(options.redirectUri);
  const redirectUri = hadPath ? redirect.href : `${redirect.protocol}//${redirect.host}`;

  return {
    redirectUri,
    async wait({ timeoutMs, signal }) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const stop = new Promise<{ error: MailbridgeError }>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              error: new MailbridgeError({
                code: 'AUTH_SIGN_IN_TIMEOUT',
                message: `No sign-in came back within ${Math.round(timeoutMs / 1000)} seconds.`,
                hint: 'Run `mailbridge login` again and finish signing in in the browser; if the browser showed an error (AADSTS…), `mailbridge doctor` explains it. On a machine without a browser use `mailbridge login --no-browser`.',
              }),
            }),
          timeoutMs,
        );
        onAbort = () => resolve({ error: new MailbridgeError({ code: 'AUTH_DECLINED', message: 'The sign-in was cancelled before it completed.', hint: 'Run `mailbridge login` again when you are ready to sign in.' }) });
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const result = await Promise.race([settled, stop]);
        if ('error' in result) throw result.error;
        return result.url;
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        await closeAll();
      }
    },
    close: closeAll,
  };
}
