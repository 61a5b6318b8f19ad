import { request as httpsRequest } from 'node:https';

/** Options of {@link completeSignInPage}. */
export interface CompleteSignInPageOptions {
  /** The simulator's CA (PEM): the only certificate trusted. */
  ca: string;
  /** The account to sign in with (a seeded user). */
  email: string;
  /** Its password, when the seed gives it one. */
  password?: string | undefined;
  /** Press "Cancel" instead of "Accept". @default false */
  decline?: boolean | undefined;
  /** Per-request time limit. @default 10000 */
  timeoutMs?: number | undefined;
}

/** Where the sign-in page sent the browser, or the page it showed instead (an error, the form again). */
export type SignInPageOutcome = { kind: 'redirect'; location: string } | { kind: 'page'; status: number; html: string };

const MAX_PAGE_BYTES = 1024 * 1024;

function call(url: string, options: { method: 'GET' | 'POST'; body?: string; ca: string; timeoutMs: number; cookie?: string }): Promise<{ status: number; location?: string; html: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (options.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const req = httpsRequest(url, { method: options.method, ca: options.ca, headers, timeout: options.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_PAGE_BYTES) req.destroy(new Error('sign-in page larger than 1 MiB'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(typeof res.headers.location === 'string' ? { location: res.headers.location } : {}), html: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${new URL(url).origin} within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function attribute(html: string, pattern: RegExp): string | undefined {
  const raw = pattern.exec(html)?.[1];
  return raw
    ?.replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/**
 * Does what a person does on the simulator's sign-in page, with a real HTTPS client: opens the
 * authorization URL (as a browser would after `getAuthCodeUrl`), fills in the form (account,
 * password) and presses Accept or Cancel. Returns the redirect the simulator answered with (its
 * `Location`, carrying `code` and `state`, or `error`), without following it; or the page shown
 * instead (Entra's error page, or the form again with a sign-in error).
 */
export async function completeSignInPage(authorizeUrl: string, options: CompleteSignInPageOptions): Promise<SignInPageOutcome> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const first = await call(authorizeUrl, { method: 'GET', ca: options.ca, timeoutMs });
  if (first.location) return { kind: 'redirect', location: first.location };
  const requestId = attribute(first.html, /name="request" value="([^"]*)"/);
  const action = attribute(first.html, /<form method="post" action="([^"]*)"/);
  if (first.status !== 200 || requestId === undefined || action === undefined) return { kind: 'page', status: first.status, html: first.html };
  const body = new URLSearchParams({ request: requestId, email: options.email, password: options.password ?? '', action: options.decline ? 'cancel' : 'accept' }).toString();
  const second = await call(new URL(action, authorizeUrl).href, { method: 'POST', body, ca: options.ca, timeoutMs });
  if (second.location) return { kind: 'redirect', location: second.location };
  return { kind: 'page', status: second.status, html: second.html };
}
