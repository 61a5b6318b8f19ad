import https from 'node:https';
import type { Simulator } from '../../src/types.js';

/** A response as tests read it. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: <T = Record<string, any>>() => T;
}

/** Options of one request. */
export interface TestRequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bearer token to send. */
  token?: string;
}

/**
 * A minimal HTTPS client for tests: keep-alive, trusting only the simulator's CA (never
 * NODE_TLS_REJECT_UNAUTHORIZED).
 */
export class SimClient {
  readonly agent: https.Agent;

  constructor(readonly sim: Simulator) {
    this.agent = new https.Agent({ ca: sim.caPem, keepAlive: true, maxSockets: 64 });
  }

  request(method: string, pathOrUrl: string, options: TestRequestOptions = {}): Promise<TestResponse> {
    const url = new URL(pathOrUrl, this.sim.url);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (options.body !== undefined) req.write(options.body);
      req.end();
    });
  }

  get(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('GET', path, options);
  }

  /** JSON POST/PATCH. */
  send(method: string, path: string, body: unknown, options: TestRequestOptions = {}): Promise<TestResponse> {
    return this.request(method, path, { ...options, headers: { 'content-type': 'application/json', ...options.headers }, body: JSON.stringify(body) });
  }

  /** Client-credentials token from the simulated Entra ID (raw OAuth form post, as any client sends it). */
  async token(options: { tenant: string; clientId: string; secret: string; scope?: string }): Promise<string> {
    const form = new URLSearchParams({
      client_id: options.clientId,
      client_secret: options.secret,
      grant_type: 'client_credentials',
      scope: options.scope ?? 'https://graph.microsoft.com/.default',
    }).toString();
    const response = await this.request('POST', `/${options.tenant}/oauth2/v2.0/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${response.text}`);
    return response.json<{ access_token: string }>().access_token;
  }

  /**
   * A delegated token through the device-code flow, approved as `userMail` (what the person does in
   * the browser), exactly as a public client would poll for it.
   */
  async delegatedToken(options: { tenant: string; clientId: string; userMail: string; scopes: string[] }): Promise<string> {
    const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const device = await this.request('POST', `/${options.tenant}/oauth2/v2.0/devicecode`, form({ client_id: options.clientId, scope: options.scopes.join(' ') }));
    if (device.status !== 200) throw new Error(`devicecode failed: ${device.status} ${device.text}`);
    const { user_code: userCode, device_code: deviceCode } = device.json<{ user_code: string; device_code: string }>();
    this.sim.approveDeviceCode(userCode, options.userMail);
    const token = await this.request('POST', `/${options.tenant}/oauth2/v2.0/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: options.clientId, device_code: deviceCode }));
    if (token.status !== 200) throw new Error(`device-code token failed: ${token.status} ${token.text}`);
    return token.json<{ access_token: string }>().access_token;
  }

  close(): void {
    this.agent.destroy();
  }
}
