import type { IncomingMessage } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { isRedirectStatus, MailbridgeError, readBoundedFileSync, redirectRefused } from '@mailbridge/core';

interface NtlmClient {
  createType1Message(workstation?: string, target?: string): string;
  decodeType2Message(header: string): unknown;
  createType3Message(type2: unknown, username: string, password: string, workstation?: string, target?: string): string;
}

let client: NtlmClient | undefined;

/**
 * NTLM message construction (NTLMv2 included) from the library ews-javascript-api itself relies on,
 * loaded when a connection first signs in: a process that uses OAuth or Basic never loads it.
 */
function ntlmClient(): NtlmClient {
  client ??= createRequire(import.meta.url)('@ewsjs/ntlm-client') as NtlmClient;
  return client;
}

/** Credentials and network settings of NTLM. */
export interface NtlmSettings {
  username: string;
  /** The password, or a function giving it when first needed. */
  password: string | (() => Promise<string>);
  /** Windows (NetBIOS) domain; also taken from a `DOMAIN\user` user name. */
  domain?: string;
  workstation?: string;
  /** Extra CA certificates (PEM) to trust, as `network.caFile`. */
  caPem?: string | Buffer;
  /** Upper bound of idle authenticated connections kept. */
  maxConnections?: number;
}

/** One keep-alive connection and whether the server already authenticated it. */
interface NtlmConnection {
  agent: Agent | HttpAgent;
  authenticated: boolean;
}

/**
 * NTLM authenticates a TCP connection, not a request: the Type 1 → Type 2 → Type 3 handshake must run
 * on one connection, and later requests on it need no header (IIS keeps the connection's identity).
 * A pooled `fetch` cannot promise that, so NTLM requests go over connections of their own: each
 * {@link NtlmConnection} is an agent with exactly one keep-alive socket. They take the CA file and time
 * limit of the config; a proxy is not supported with NTLM (the handshake would need a CONNECT tunnel
 * per connection) and is refused when the transport is created.
 */
export class NtlmAuthenticator {
  private readonly idle: NtlmConnection[] = [];
  private readonly username: string;
  private readonly domain: string;
  private readonly workstation: string;
  private readonly ca: string[] | undefined;

  // The User-Agent comes with the headers of each request (from core's HTTP client settings).
  constructor(private readonly settings: NtlmSettings) {
    const [maybeDomain, maybeUser] = settings.username.includes('\\') ? settings.username.split('\\', 2) : [undefined, settings.username];
    this.username = maybeUser ?? settings.username;
    this.domain = (settings.domain ?? maybeDomain ?? '').toUpperCase();
    this.workstation = settings.workstation ?? 'MAILBRIDGE';
    this.ca = settings.caPem ? [...rootCertificates, settings.caPem.toString()] : undefined;
  }

  /** Loads `network.caFile` for {@link NtlmSettings.caPem} (bounded as core reads it: 10 MB, 5 s). */
  static readCaFile(path: string | undefined): Buffer | undefined {
    return path ? readBoundedFileSync(path, { maxBytes: 10 * 1024 * 1024, timeoutMs: 5_000 }) : undefined;
  }

  /** A fetch with the NTLM handshake done on the connection first when needed. */
  async fetch(url: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
    const connection = this.idle.pop() ?? this.newConnection(url);
    let keep = true;
    try {
      const body = await bodyBytes(init.body);
      if (!connection.authenticated) return await this.handshake(connection, url, init, body);
      const response = await send(connection, url, init, body, undefined);
      if (response.statusCode === 401 && /\bNTLM\b/i.test(String(response.headers['www-authenticate'] ?? ''))) {
        // The socket was replaced (idle timeout on the server): authenticate the new one.
        response.resume();
        connection.authenticated = false;
        return await this.handshake(connection, url, init, body);
      }
      return toResponse(response);
    } catch (error) {
      keep = false;
      throw error;
    } finally {
      if (keep && this.idle.length < (this.settings.maxConnections ?? 10)) this.idle.push(connection);
      else connection.agent.destroy();
    }
  }

  /** Closes the kept connections. */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.agent.destroy();
  }

  private newConnection(url: string): NtlmConnection {
    const https = new URL(url).protocol === 'https:';
    const agent = https ? new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, ...(this.ca ? { ca: this.ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    return { agent, authenticated: false };
  }

  private async handshake(connection: NtlmConnection, url: string, init: RequestInit & { timeoutMs?: number }, body: Buffer): Promise<Response> {
    const type1 = ntlmClient().createType1Message(this.workstation, this.domain);
    // The negotiation carries no body; the real request goes with the Type 3 message.
    const challenge = await send(connection, url, init, Buffer.alloc(0), type1);
    challenge.resume();
    // A redirect is never followed (node:https does not either): say where it pointed.
    if (isRedirectStatus(challenge.statusCode ?? 0)) throw redirectRefused(url, challenge.statusCode ?? 0, challenge.headers.location);
    const header = String(challenge.headers['www-authenticate'] ?? '');
    const match = /\bNTLM\s+([A-Za-z0-9+/=]+)/i.exec(header);
    if (challenge.statusCode !== 401 || !match) {
      throw new MailbridgeError({
        code: 'AUTH_FAILED',
        message: `The server did not offer NTLM (status ${challenge.statusCode}${header ? `, WWW-Authenticate: ${header.split(/[\s,]/)[0]}` : ''}).`,
        hint: 'Enable Windows (NTLM) authentication on the EWS virtual directory, or use auth.flow "basic".',
        details: { status: challenge.statusCode ?? 0 },
      });
    }
    const type2 = ntlmClient().decodeType2Message(`NTLM ${match[1]}`);
    const password = typeof this.settings.password === 'string' ? this.settings.password : await this.settings.password();
    const type3 = ntlmClient().createType3Message(type2, this.username, password, this.workstation, this.domain);
    const response = await send(connection, url, init, body, type3);
    connection.authenticated = response.statusCode !== 401;
    return toResponse(response);
  }
}

async function bodyBytes(body: RequestInit['body']): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // A stream body (a large attachment) is read here: NTLM needs the body after the handshake.
  return Buffer.from(await new Response(body).arrayBuffer());
}

function send(connection: NtlmConnection, url: string, init: RequestInit & { timeoutMs?: number }, body: Buffer, authorization: string | undefined): Promise<IncomingMessage> {
  const target = new URL(url);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    if (key !== 'authorization') headers[key] = value;
  });
  headers['content-length'] = String(body.length);
  headers.connection = 'keep-alive';
  if (authorization) headers.authorization = authorization;
  const options: RequestOptions = {
    method: init.method ?? 'POST',
    agent: connection.agent,
    headers,
    ...(init.signal ? { signal: init.signal } : {}),
  };
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, options, resolve);
    if (init.timeoutMs) {
      req.setTimeout(init.timeoutMs, () => {
        const error = new Error('NTLM request timed out');
        error.name = 'TimeoutError';
        req.destroy(error);
      });
    }
    req.on('error', reject);
    req.end(body);
  });
}

function toResponse(message: IncomingMessage): Response {
  const headers = new Headers();
  for (const [key, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(key, item);
  }
  const status = message.statusCode ?? 500;
  const body = status === 204 || status === 304 ? null : (Readable.toWeb(message) as ReadableStream<Uint8Array>);
  return new Response(body, { status, headers });
}
