import { Agent, request as httpsRequest } from 'node:https';
import { createEntraModule, type EntraModule } from '../../src/entra/index.js';
import type { EwsThrottlingPolicy } from '../../src/ews/ews-throttle.js';
import { createEwsModule, validateEwsSoap } from '../../src/ews/index.js';
import { FaultRegistry } from '../../src/faults/fault-registry.js';
import { seedMessages } from '../../src/mail/seed-messages.js';
import type { ApiModule } from '../../src/server/http-types.js';
import { RequestLog } from '../../src/server/request-log.js';
import { startSimServer } from '../../src/server/sim-server.js';
import { SimState } from '../../src/state/sim-state.js';
import { processCertificates } from '../../src/tls/certificates.js';
import type { SeedData } from '../../src/types.js';

/**
 * Test harness for the EWS module on real HTTPS (loopback, port 0): the simulator's own server,
 * state, Entra module (real tokens) and EWS module, assembled as the simulator does. Every EWS
 * response a test receives through {@link EwsHarness.soap} is checked against the official XSDs.
 */

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const OTHER_TENANT = '99999999-2222-3333-4444-555555555555';
export const DOMAIN = 'contoso.com';
export const APP = { clientId: '66666666-7777-8888-9999-000000000001', secret: 'ews-app-secret-value-0001' };
export const SCOPED_APP = { clientId: '66666666-7777-8888-9999-000000000002', secret: 'ews-app-secret-value-0002' };
export const NO_PERMISSION_APP = { clientId: '66666666-7777-8888-9999-000000000003', secret: 'ews-app-secret-value-0003' };
export const GRAPH_ONLY_APP = { clientId: '66666666-7777-8888-9999-000000000004', secret: 'ews-app-secret-value-0004' };
export const PUBLIC_APP = '66666666-7777-8888-9999-000000000005';
/** An app with an Exchange app role other than full_access_as_app (the legacy REST Mail.Read). */
export const REST_ROLE_APP = { clientId: '66666666-7777-8888-9999-000000000006', secret: 'ews-app-secret-value-0006' };
export const PASSWORD = 'Passw0rd!-sim';
export const ALICE = `alice@${DOMAIN}`;
export const BOB = `bob@${DOMAIN}`;
export const SHARED = `shared@${DOMAIN}`;
export const SERVICE = `svc-ews@${DOMAIN}`;

const secret = (value: string) => [{ id: '0f0f0f0f-0000-0000-0000-000000000001', value, expiresAt: '2099-01-01T00:00:00Z' }];

/** The seed every EWS test starts from. */
export function ewsSeed(): SeedData {
  const hour = 3600_000;
  const now = Date.now();
  return {
    tenants: [
      { id: TENANT, domains: [DOMAIN], cloud: 'global' },
      { id: OTHER_TENANT, domains: ['fabrikam.com'], cloud: 'global' },
    ],
    apps: [
      {
        clientId: APP.clientId,
        tenantId: TENANT,
        secrets: secret(APP.secret),
        permissions: [
          { resource: 'ews', role: 'full_access_as_app' },
          { resource: 'graph', role: 'Mail.ReadWrite' },
          { resource: 'graph', role: 'Mail.Send' },
        ],
      },
      { clientId: SCOPED_APP.clientId, tenantId: TENANT, secrets: secret(SCOPED_APP.secret), permissions: [{ resource: 'ews', role: 'full_access_as_app' }], mailboxScope: [ALICE] },
      { clientId: NO_PERMISSION_APP.clientId, tenantId: TENANT, secrets: secret(NO_PERMISSION_APP.secret), permissions: [{ resource: 'ews', role: 'full_access_as_app', adminConsent: false }] },
      { clientId: GRAPH_ONLY_APP.clientId, tenantId: TENANT, secrets: secret(GRAPH_ONLY_APP.secret), permissions: [{ resource: 'graph', role: 'Mail.Read' }] },
      { clientId: REST_ROLE_APP.clientId, tenantId: TENANT, secrets: secret(REST_ROLE_APP.secret), permissions: [{ resource: 'ews', role: 'Mail.Read' }] },
      { clientId: PUBLIC_APP, tenantId: TENANT, publicClient: true, delegatedScopes: [{ resource: 'ews', scope: 'EWS.AccessAsUser.All' }] },
    ],
    users: [
      {
        tenantId: TENANT,
        mail: ALICE,
        displayName: 'Alice Example',
        password: PASSWORD,
        messages: [
          { from: `Bob <${BOB}>`, to: [ALICE], subject: 'First & <oldest>', text: 'one', receivedAt: new Date(now - 3 * hour).toISOString(), isRead: true },
          { from: `Bob <${BOB}>`, to: [ALICE], subject: 'Second', html: '<html><head><meta charset="utf-8"></head><body><p>two &amp; <b>bold</b></p></body></html>', receivedAt: new Date(now - 2 * hour).toISOString() },
          {
            from: 'Monitoring <monitor@fabrikam.com>',
            to: [ALICE],
            subject: 'Third with attachment',
            text: 'three',
            receivedAt: new Date(now - hour).toISOString(),
            attachments: [{ filename: 'report.txt', contentType: 'text/plain', contentBase64: Buffer.from('report body').toString('base64') }],
          },
        ],
      },
      { tenantId: TENANT, mail: BOB, displayName: 'Bob Example', password: PASSWORD },
      { tenantId: TENANT, mail: SHARED, displayName: 'Shared', password: PASSWORD, sendAs: [ALICE] },
      { tenantId: TENANT, mail: SERVICE, displayName: 'EWS service', password: PASSWORD, ewsRoles: ['ApplicationImpersonation'] } as SeedData['users'][number],
      { tenantId: OTHER_TENANT, mail: 'carol@fabrikam.com', password: PASSWORD },
    ],
  };
}

/** One HTTP exchange. */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface EwsHarness {
  url: string;
  ewsUrl: string;
  caPem: string;
  state: SimState;
  faults: FaultRegistry;
  log: RequestLog;
  entra: EntraModule;
  /** An HTTPS request to the simulator (trusting its CA); `agent` to pin a keep-alive connection. */
  http(method: string, path: string, options?: { headers?: Record<string, string>; body?: string | Buffer; agent?: Agent }): Promise<HttpResult>;
  /** An app-only token for EWS (client credentials, scope `https://outlook.office365.com/.default`). */
  appToken(app?: { clientId: string; secret: string }, tenant?: string, scope?: string): Promise<string>;
  /** A delegated token (device-code flow of the public app, approved as `user`) with scope EWS.AccessAsUser.All. */
  delegatedToken(user: string, scope?: string): Promise<string>;
  /**
   * POSTs a SOAP request to EWS and checks the response against the XSDs (throws if it does not
   * validate: that would be a simulator bug).
   */
  soap(xml: string, headers?: Record<string, string>): Promise<HttpResult>;
  close(): Promise<void>;
}

export async function startEwsHarness(options: { mode?: 'online' | 'onprem'; seed?: SeedData; validate?: boolean; maxMessageBytes?: number; throttling?: Partial<EwsThrottlingPolicy> } = {}): Promise<EwsHarness> {
  const certs = await processCertificates();
  const state = new SimState();
  const seed = options.seed ?? ewsSeed();
  state.seedDirectory(seed);
  seedMessages(state, seed.users);
  const faults = new FaultRegistry();
  const log = new RequestLog();
  let modules: ApiModule[] = [];
  const server = await startSimServer({ host: '127.0.0.1', port: 0, certPem: certs.certPem, keyPem: certs.keyPem, modules: () => modules, faults, log, now: () => state.now() });
  const url = `https://127.0.0.1:${server.port}`;
  const entra = createEntraModule({ directory: state, baseUrl: url });
  const ews = createEwsModule({
    directory: state,
    store: state,
    tokens: entra,
    faults,
    mode: options.mode ?? 'online',
    validate: options.validate ?? true,
    ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.throttling ? { throttling: options.throttling } : {}),
  });
  modules = [entra, ews];
  const defaultAgent = new Agent({ ca: certs.caPem, keepAlive: true, maxSockets: 4 });

  const http: EwsHarness['http'] = (method, path, opts = {}) =>
    new Promise((resolve, reject) => {
      const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
      const req = httpsRequest(`${url}${path}`, { method, agent: opts.agent ?? defaultAgent, headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...opts.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const tokens = new Map<string, string>();
  const appToken: EwsHarness['appToken'] = async (app = APP, tenant = TENANT, scope = 'https://outlook.office365.com/.default') => {
    const key = `${app.clientId}|${tenant}|${scope}`;
    const cached = tokens.get(key);
    if (cached) return cached;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret, scope });
    const result = await http('POST', `/${tenant}/oauth2/v2.0/token`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    if (result.status !== 200) throw new Error(`token request failed: ${result.status} ${result.body}`);
    const token = (JSON.parse(result.body) as { access_token: string }).access_token;
    tokens.set(key, token);
    return token;
  };

  const delegatedToken: EwsHarness['delegatedToken'] = async (user, scope = 'https://outlook.office365.com/EWS.AccessAsUser.All') => {
    const key = `delegated|${user}|${scope}`;
    const cached = tokens.get(key);
    if (cached) return cached;
    const form = (values: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(values).toString() });
    const started = await http('POST', `/${TENANT}/oauth2/v2.0/devicecode`, form({ client_id: PUBLIC_APP, scope }));
    if (started.status !== 200) throw new Error(`devicecode failed: ${started.status} ${started.body}`);
    const code = JSON.parse(started.body) as { device_code: string; user_code: string };
    entra.approveDeviceCode(code.user_code, user);
    const result = await http('POST', `/${TENANT}/oauth2/v2.0/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC_APP, device_code: code.device_code }));
    if (result.status !== 200) throw new Error(`device-code token failed: ${result.status} ${result.body}`);
    const token = (JSON.parse(result.body) as { access_token: string }).access_token;
    tokens.set(key, token);
    return token;
  };

  const soap: EwsHarness['soap'] = async (xml, headers = {}) => {
    const result = await http('POST', '/EWS/Exchange.asmx', { headers: { 'content-type': 'text/xml; charset=utf-8', ...headers }, body: xml });
    if ((result.headers['content-type'] ?? '').toString().startsWith('text/xml')) {
      const check = validateEwsSoap(result.body);
      if (!check.valid) throw new Error(`EWS response does not validate: ${JSON.stringify(check.problems.slice(0, 3))}\n${result.body.slice(0, 2000)}`);
    }
    return result;
  };

  return {
    url,
    ewsUrl: `${url}/EWS/Exchange.asmx`,
    caPem: certs.caPem,
    state,
    faults,
    log,
    entra,
    http,
    appToken,
    delegatedToken,
    soap,
    close: async () => {
      defaultAgent.destroy();
      await server.close();
    },
  };
}

/**
 * A SOAP request envelope around a Body element, with optional header blocks (types namespace prefix
 * `t:`) and RequestServerVersion (`Exchange2016` unless given; `null` sends none).
 */
export function envelope(body: string, header = '', version: string | null = 'Exchange2016'): string {
  const versionHeader = version === null ? '' : `<t:RequestServerVersion Version="${version}"/>`;
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">' +
    `<soap:Header>${versionHeader}${header}</soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/** The ExchangeImpersonation header for an SMTP address. */
export function impersonate(smtp: string): string {
  return `<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${smtp}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`;
}

/** Values of an attribute of every element with this local name (any prefix). */
export function attrs(xml: string, element: string, attribute: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<(?:[\\w-]+:)?${element}\\b[^>]*?\\s${attribute}="([^"]*)"`, 'g');
  for (const match of xml.matchAll(re)) out.push(match[1]!);
  return out;
}

/** Text content of every element with this local name (any prefix). */
export function texts(xml: string, element: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<(?:[\\w-]+:)?${element}\\b[^>]*>([^<]*)</(?:[\\w-]+:)?${element}>`, 'g');
  for (const match of xml.matchAll(re)) out.push(match[1]!);
  return out;
}
