import * as z from 'zod';
import type { CloudName } from '../cloud/clouds.js';
import { relaySchema } from './relay-schema.js';
import { secretRefSchema } from './secret-ref.js';
import { statusSchema } from './status-schema.js';

/**
 * The one runtime schema of the config file (PRODUCT.md, "The config file"). The TypeScript types
 * and the published JSON Schema (`@mailbridge/core/schema.json`) are both derived from it, so the
 * three cannot drift apart. Messages here are what a user reads after `json.path: `; they never quote
 * the value they reject (it may be a secret typed in the wrong place).
 */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// A DNS name with at least two labels, the form every verified domain (and *.onmicrosoft.com) has.
const DOMAIN = /^(?=.{4,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;

/** Entra's multi-tenant authority aliases. App-only tokens cannot be issued through them. */
export const MULTI_TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;
/** The tenant id of personal Microsoft accounts: the same as `consumers`, so refused for app-only too. */
const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

const TENANT_ID_WHERE = 'Entra admin center > Overview > Directory (tenant) ID';
const CLIENT_ID_WHERE = 'Entra admin center > App registrations > your app > Overview';

/** The transports mailbridge has adapters for. */
export const TRANSPORTS = ['graph', 'ews'] as const;
/** The national clouds (see `CLOUDS`). */
export const CLOUD_NAMES = ['global', 'usgov', 'usgov-dod', 'china'] as const satisfies readonly CloudName[];
/** The `auth.flow` values. */
export const AUTH_FLOWS = ['client-credentials', 'device-code', 'authorization-code', 'basic', 'ntlm'] as const;
/**
 * The `ExchangeVersion` names ews-javascript-api knows (its enum, minus its internal
 * `Exchange_Version_Not_Updated`). The EWS adapter passes the name through to the library.
 */
export const EWS_VERSIONS = [
  'Exchange2007_SP1',
  'Exchange2010',
  'Exchange2010_SP1',
  'Exchange2010_SP2',
  'Exchange2013',
  'Exchange2013_SP1',
  'Exchange2015',
  'Exchange2016',
  'V2015_10_05',
  'V2016_01_06',
  'V2016_04_13',
  'V2016_07_13',
  'V2016_10_10',
  'V2017_01_07',
  'V2017_04_14',
  'V2017_07_11',
  'V2017_10_09',
  'V2018_01_08',
] as const;

/** Default file name of the device-code token cache, next to the config file. */
export const DEFAULT_TOKEN_CACHE = 'mailbridge.token-cache.json';

/** Defers to the generic message (e.g. "is required") when the key is missing. */
function unlessMissing(message: string): { error: (issue: { input?: unknown }) => string | undefined } {
  return { error: (issue) => (issue.input === undefined ? undefined : message) };
}

const guid = (message: string) => z.string(unlessMissing(message)).regex(GUID, { error: message });

const clientId = guid(`expected a GUID: copy the Application (client) ID from ${CLIENT_ID_WHERE}`).meta({
  description: `The app registration's Application (client) ID (${CLIENT_ID_WHERE}).`,
});

const filePath = (description: string) => z.string(unlessMissing('expected a file path')).min(1, { error: 'expected a file path, not an empty string' }).meta({ description });

function httpsUrl(description: string, example: string, check?: (url: URL) => string | undefined) {
  return z
    .string(unlessMissing('expected an https:// URL'))
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected an https:// URL, e.g. "${example}"` });
        return;
      }
      if (url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: `expected an https:// URL, not ${url.protocol.replace(':', '')}://: Microsoft's endpoints (and the simulator) only speak HTTPS` });
        return;
      }
      if (url.username || url.password) {
        ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password: credentials belong in "auth"' });
        return;
      }
      const problem = check?.(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description, format: 'uri', pattern: '^https://' });
}

/** `tenant` for app-only tokens: a GUID or a verified domain, never a multi-tenant alias. */
const appOnlyTenant = z
  .string(unlessMissing(`expected your tenant id (a GUID) or a verified domain (${TENANT_ID_WHERE})`))
  .superRefine((value, ctx) => {
    const lower = value.trim().toLowerCase();
    if ((MULTI_TENANT_ALIASES as readonly string[]).includes(lower)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${lower}" cannot be used with client-credentials: app-only tokens need your tenant id (${TENANT_ID_WHERE})`,
      });
    } else if (lower === CONSUMERS_TENANT_ID) {
      ctx.addIssue({
        code: 'custom',
        message: `this is the tenant of personal Microsoft accounts, where app-only tokens cannot be issued: use your organisation's tenant id (${TENANT_ID_WHERE}), or auth.flow "device-code" for a personal mailbox`,
      });
    } else if (!GUID.test(value) && !DOMAIN.test(value)) {
      ctx.addIssue({ code: 'custom', message: `expected your tenant id (a GUID) or a verified domain such as contoso.onmicrosoft.com (${TENANT_ID_WHERE})` });
    }
  })
  .meta({
    description: `Your tenant: its Directory (tenant) ID (${TENANT_ID_WHERE}) or a verified domain. Not common/organizations/consumers.`,
    pattern: `^(${GUID.source.slice(1, -1)}|${DOMAIN.source.slice(1, -1)})$`,
    not: { enum: [...MULTI_TENANT_ALIASES] },
  });

/** `tenant` for delegated sign-in: the aliases are fine too. */
const delegatedTenant = z
  .string(unlessMissing('expected "common", "organizations", "consumers", a tenant id (GUID) or a verified domain'))
  .superRefine((value, ctx) => {
    const lower = value.trim().toLowerCase();
    if (!(MULTI_TENANT_ALIASES as readonly string[]).includes(lower) && !GUID.test(value) && !DOMAIN.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected "common" (work or personal accounts), "consumers" (personal only), "organizations" (work only), a tenant id (GUID) or a verified domain`,
      });
    }
  })
  .default('common')
  .meta({ description: '"common" (any account, default), "consumers" (personal Outlook.com accounts), "organizations" (work accounts), or one tenant (GUID or verified domain).' });

const secretExpiresAt = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: 'expected a date as YYYY-MM-DD (the "Expires" column in Entra admin center > App registrations > your app > Certificates & secrets)',
  })
  .meta({ description: 'When the client secret expires (YYYY-MM-DD); doctor warns 30 days ahead and fails after.' });

const certificate = z
  .strictObject({
    certificateFile: filePath('PEM file of the certificate uploaded to the app registration (Certificates & secrets > Certificates).'),
    privateKeyFile: filePath('PEM file of its private key.'),
    passphrase: secretRefSchema.optional().meta({ description: 'Passphrase of an encrypted private key.' }),
  })
  .meta({ description: 'A certificate credential (recommended over a client secret).' });

const CREDENTIALS = ['clientSecret', 'certificate', 'clientAssertionFile'] as const;

/** App-only: a confidential client in one tenant, with exactly one credential. */
export const clientCredentialsAuthSchema = z
  .strictObject({
    flow: z.literal('client-credentials').default('client-credentials'),
    tenant: appOnlyTenant,
    clientId,
    clientSecret: secretRefSchema.optional().meta({ description: 'The client secret Value (not its Secret ID).' }),
    certificate: certificate.optional(),
    clientAssertionFile: filePath('A federated token file (workload identity), read on every token request.').optional(),
    secretExpiresAt: secretExpiresAt.optional(),
  })
  .superRefine(
    (auth, ctx) => {
      const present = CREDENTIALS.filter((key) => (auth as Record<string, unknown>)[key] !== undefined);
      if (present.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'no credential: add exactly one of "clientSecret" (e.g. {"env": "MAILBRIDGE_CLIENT_SECRET"}), "certificate" or "clientAssertionFile" (Entra admin center > App registrations > your app > Certificates & secrets)',
        });
      } else if (present.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: `has ${present.map((key) => `"${key}"`).join(' and ')}: keep exactly one credential`,
        });
      }
    },
    { when: () => true },
  )
  .meta({
    title: 'App-only (client credentials)',
    oneOf: CREDENTIALS.map((key) => ({ required: [key] })),
  });

/** Delegated: a person signs in with a device code; the refresh token is kept in `tokenCache`. */
export const deviceCodeAuthSchema = z
  .strictObject({
    flow: z.literal('device-code'),
    tenant: delegatedTenant,
    clientId: clientId.meta({ description: 'The Application (client) ID of a public-client app registration ("Allow public client flows" = Yes).' }),
    tokenCache: filePath('File where the refresh token is kept (created with mode 0600); relative to the config file.').default(DEFAULT_TOKEN_CACHE),
  })
  .meta({ title: 'Delegated (device code sign-in)' });

/**
 * The redirect URI of the `nativeclient` page: where Entra sends a browser that signed in for an app
 * with no web server of its own; the person copies the address it ended on. Each cloud's authority
 * host has one (login.microsoftonline.us, login.chinacloudapi.cn, the simulator).
 */
export const NATIVE_CLIENT_PATH = '/common/oauth2/nativeclient';

/** True for `http://localhost…`, `http://127.0.0.1…` and `http://[::1]…`: a listener on this machine may receive it. */
export function isLoopbackRedirectUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

const redirectUri = z
  .string(unlessMissing('expected a redirect URI such as "http://localhost" or "https://login.microsoftonline.com/common/oauth2/nativeclient"'))
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a redirect URI such as "http://localhost" or "https://login.microsoftonline.com/common/oauth2/nativeclient"' });
      return;
    }
    if (url.hash || url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a #fragment, a user name or a password (Entra refuses such redirect URIs)' });
    } else if (url.protocol === 'http:' && !isLoopbackRedirectUri(value)) {
      ctx.addIssue({ code: 'custom', message: 'http:// is allowed only for a loopback address (http://localhost, http://127.0.0.1): use https:// or the nativeclient URI' });
    } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'expected an http://localhost or https:// redirect URI' });
    }
  })
  .meta({
    description:
      'The redirect URI registered on the app (Authentication > Mobile and desktop applications). Default: a loopback http://localhost with a free port, received by `mailbridge login`. The nativeclient URI (https://login.microsoftonline.com/common/oauth2/nativeclient) makes the person paste the address the browser ended on.',
    format: 'uri',
  });

const DELEGATED_CREDENTIALS = ['clientSecret', 'certificate'] as const;

/**
 * Delegated, in a browser: the authorization code flow with PKCE. Without a credential a public
 * client; with a client secret or certificate a confidential client (as alerting products' set-up
 * sheets register it).
 */
export const authorizationCodeAuthSchema = z
  .strictObject({
    flow: z.literal('authorization-code'),
    tenant: delegatedTenant,
    clientId: clientId.meta({ description: 'The Application (client) ID of the app registration whose redirect URIs include auth.redirectUri.' }),
    clientSecret: secretRefSchema.optional().meta({ description: 'The client secret Value of a confidential client (not its Secret ID). Without a credential the app is used as a public client (PKCE).' }),
    certificate: certificate.optional(),
    secretExpiresAt: secretExpiresAt.optional(),
    redirectUri: redirectUri.optional(),
    tokenCache: filePath('File where the refresh token is kept (created with mode 0600); relative to the config file.').default(DEFAULT_TOKEN_CACHE),
  })
  .superRefine(
    (auth, ctx) => {
      const present = DELEGATED_CREDENTIALS.filter((key) => (auth as Record<string, unknown>)[key] !== undefined);
      if (present.length > 1) ctx.addIssue({ code: 'custom', path: [], message: `has ${present.map((key) => `"${key}"`).join(' and ')}: keep at most one credential` });
    },
    { when: () => true },
  )
  .meta({ title: 'Delegated (authorization code sign-in in a browser)' });

const onPremisesAuth = <F extends 'basic' | 'ntlm'>(flow: F) =>
  z
    .strictObject({
      flow: z.literal(flow),
      username: z.string(unlessMissing('expected a user name')).min(1, { error: 'expected a user name, not an empty string' }).meta({ description: 'The Windows/Exchange user name (or user@domain).' }),
      password: secretRefSchema,
      domain: z.string(unlessMissing('expected a Windows domain name')).min(1, { error: 'expected a domain name, not an empty string' }).optional().meta({ description: 'The Windows domain (NetBIOS name), if not part of username.' }),
    })
    .meta({ title: `${flow === 'basic' ? 'Basic' : 'NTLM'} (EWS on Exchange Server only)` });

/** `basic` (EWS on Exchange Server only). */
export const basicAuthSchema = onPremisesAuth('basic');
/** `ntlm` (EWS on Exchange Server only). */
export const ntlmAuthSchema = onPremisesAuth('ntlm');

/** `auth`: discriminated on `flow`, which defaults to `client-credentials`. */
export const authSchema = z.discriminatedUnion('flow', [clientCredentialsAuthSchema, deviceCodeAuthSchema, authorizationCodeAuthSchema, basicAuthSchema, ntlmAuthSchema], {
  error: (issue) => (issue.input === undefined ? undefined : `expected a JSON object with "flow": one of ${AUTH_FLOWS.map((f) => `"${f}"`).join(', ')}`),
});

const endpointsSchema = z
  .strictObject({
    authorityHost: httpsUrl('Entra ID authority host, without tenant: e.g. https://login.microsoftonline.com.', 'https://login.microsoftonline.com', (url) =>
      url.pathname !== '/' && url.pathname !== '' ? `expected the host only (e.g. "https://login.microsoftonline.com"): the tenant goes in auth.tenant` : undefined,
    ).optional(),
    graph: httpsUrl('Microsoft Graph root, without version: e.g. https://graph.microsoft.com.', 'https://graph.microsoft.com', (url) =>
      /\/(v1\.0|beta)\/?$/i.test(url.pathname) ? 'expected the Graph root without the version (e.g. "https://graph.microsoft.com")' : undefined,
    ).optional(),
    ews: httpsUrl('EWS URL: e.g. https://outlook.office365.com/EWS/Exchange.asmx.', 'https://outlook.office365.com/EWS/Exchange.asmx').optional(),
  })
  .meta({ description: "Overrides of the cloud's endpoints (where to connect; token audiences stay the cloud's)." });

const networkSchema = z
  .strictObject({
    proxy: z
      .string(unlessMissing('expected a proxy URL such as "http://proxy.corp:8080"'))
      .superRefine((value, ctx) => {
        let url: URL | undefined;
        try {
          url = new URL(value);
        } catch {
          url = undefined;
        }
        if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
          ctx.addIssue({ code: 'custom', message: 'expected a proxy URL such as "http://proxy.corp:8080" (http:// or https://)' });
        }
      })
      .optional()
      .meta({ description: 'HTTP(S) proxy URL; without it HTTPS_PROXY / NO_PROXY apply.', format: 'uri' }),
    caFile: filePath("Extra CA certificates (PEM) to trust, e.g. a TLS-inspecting proxy's; relative to the config file.").optional(),
    timeoutMs: z
      .number(unlessMissing('expected a number of milliseconds'))
      .int({ error: 'expected a whole number of milliseconds' })
      .positive({ error: 'must be a positive number of milliseconds, e.g. 30000' })
      .max(600_000, { error: 'must be at most 600000 (10 minutes)' })
      .default(30_000)
      .meta({ description: 'Time limit of one whole HTTP request, in milliseconds: connecting, sending, waiting and reading the complete answer (plus 1 s per 64 KiB moved, for large transfers), not only the silences between bytes.' }),
  })
  .prefault({});

const ewsSchema = z
  .strictObject({
    version: z
      .enum(EWS_VERSIONS, { error: (issue) => (issue.input === undefined ? undefined : `expected one of ${EWS_VERSIONS.join(', ')}`) })
      .optional()
      .meta({ description: "EWS schema version requested (ews-javascript-api ExchangeVersion name). Default: the adapter's." }),
    impersonate: z.boolean(unlessMissing('expected true or false')).optional().meta({ description: 'Use ExchangeImpersonation of the mailbox. Default: true for client-credentials, false otherwise.' }),
  })
  .prefault({});

const retrySchema = z
  .strictObject({
    maxAttempts: z
      .number(unlessMissing('expected a number of attempts'))
      .int({ error: 'expected a whole number of attempts' })
      .min(1, { error: 'must be at least 1 (1 = no retry)' })
      .max(20, { error: 'must be at most 20' })
      .default(6)
      .meta({ description: 'Attempts per request, the first included.' }),
    maxDelayMs: z
      .number(unlessMissing('expected a number of milliseconds'))
      .int({ error: 'expected a whole number of milliseconds' })
      .min(0, { error: 'must not be negative' })
      .max(3_600_000, { error: 'must be at most 3600000 (1 hour)' })
      .default(120_000)
      .meta({ description: 'Cap on the total time spent waiting between attempts, in milliseconds.' }),
  })
  .prefault({});

const positiveInt = (what: string, max: number) =>
  z
    .number(unlessMissing(`expected a number of ${what}`))
    .int({ error: `expected a whole number of ${what}` })
    .min(1, { error: 'must be at least 1' })
    .max(max, { error: `must be at most ${max}` });

const fileStoreSchema = z
  .strictObject({
    type: z.literal('file'),
    dir: filePath('The spool folder (created when missing); relative to the config file.').default('./mailbridge-outbox'),
  })
  .meta({ title: 'File spool (embedded default)' });

const redisStoreSchema = z
  .strictObject({
    type: z.literal('redis'),
    url: secretRefSchema.meta({ description: 'redis:// or rediss:// URL (may hold a password: a secret reference such as {"env": "REDIS_URL"} is best).' }),
    prefix: z
      .string(unlessMissing('expected a key prefix'))
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'expected 1-64 letters, digits, "_", ".", ":" or "-"' })
      .default('mailbridge')
      .meta({ description: 'Prefix of every Redis key of this outbox.' }),
  })
  .meta({ title: 'Redis (BullMQ), for fleets of workers' });

/** `outbox`: the durable, rate-shaped outbox of `@mailbridge/outbox`. */
export const outboxSchema = z
  .strictObject({
    store: z
      .discriminatedUnion('type', [fileStoreSchema, redisStoreSchema], {
        error: (issue) => (issue.input === undefined ? undefined : 'expected {"type": "file", "dir": "..."} or {"type": "redis", "url": "redis://..."}'),
      })
      .default({ type: 'file', dir: './mailbridge-outbox' }),
    limits: z
      .strictObject({
        messagesPerMinute: positiveInt('messages', 100_000).default(30).meta({ description: 'Messages per minute per sending mailbox (Exchange Online: 30).' }),
        recipientsPerDay: positiveInt('recipients', 10_000_000).default(10_000).meta({ description: 'Recipients per rolling 24 hours per sending mailbox (Exchange Online: 10,000).' }),
        recipientsPerMessage: positiveInt('recipients', 100_000).default(500).meta({ description: 'Recipients (To + Cc + Bcc) per message (Exchange Online: 500).' }),
      })
      .prefault({}),
    maxAgeHours: z
      .number(unlessMissing('expected a number of hours'))
      .positive({ error: 'must be a positive number of hours' })
      .max(24 * 30, { error: 'must be at most 720 (30 days)' })
      .default(24)
      .meta({ description: 'A message not delivered this long after it was enqueued fails.' }),
    concurrency: positiveInt('sends', 64).default(4).meta({ description: 'Sends in flight per worker process (Graph allows 4 concurrent requests per mailbox).' }),
    status: statusSchema.optional().meta({ description: 'The status listener of `mailbridge outbox work`: status page, /metrics, /healthz, /readyz. Served only when present.' }),
  })
  .meta({ description: 'The durable outbox (@mailbridge/outbox, mailbridge outbox work).' });

/** The config object as written (before defaults); see {@link configSchema}. */
const configObjectSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'The JSON Schema of this file, for editors.' }),
    transport: z
      .enum(TRANSPORTS, { error: (issue) => (issue.input === undefined ? undefined : 'expected "graph" (Microsoft Graph) or "ews" (Exchange Web Services)') })
      .meta({ description: 'graph (Microsoft Graph) or ews (Exchange Web Services).' }),
    mailbox: z.email({ error: (issue) => (issue.input === undefined ? undefined : 'expected an e-mail address such as "alerts@contoso.com"') }).meta({ description: 'The SMTP address that is sent from and read.' }),
    cloud: z
      .enum(CLOUD_NAMES, { error: (issue) => (issue.input === undefined ? undefined : `expected one of ${CLOUD_NAMES.map((c) => `"${c}"`).join(', ')}`) })
      .default('global')
      .meta({ description: 'global (default), usgov (GCC High), usgov-dod, or china (21Vianet).' }),
    auth: authSchema,
    endpoints: endpointsSchema.optional(),
    network: networkSchema,
    ews: ewsSchema,
    retry: retrySchema,
    outbox: outboxSchema.optional(),
    relay: relaySchema.optional().meta({ description: 'The SMTP relay (mailbridge relay).' }),
  })
  .superRefine(
    (config, ctx) => {
      // Rules across fields. They run even when a field above failed, so one pass lists every problem;
      // hence the defensive reads.
      const flow = (config?.auth as { flow?: unknown } | undefined)?.flow;
      if ((flow === 'basic' || flow === 'ntlm') && config.transport === 'graph') {
        ctx.addIssue({
          code: 'custom',
          path: ['auth', 'flow'],
          message: `"${flow}" is only valid with transport "ews" (EWS on Exchange Server): Microsoft Graph needs "client-credentials", "device-code" or "authorization-code"`,
        });
      }
      if ((flow === 'basic' || flow === 'ntlm') && config.transport === 'ews' && config.endpoints?.ews === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', 'ews'],
          message: `is required with auth.flow "${flow}": set it to your Exchange Server's EWS URL, e.g. "https://mail.contoso.com/EWS/Exchange.asmx" (Exchange Online no longer accepts ${flow} sign-in)`,
        });
      }
    },
    { when: () => true },
  );

/**
 * The config schema. Parsing fills the defaults (`cloud`, `auth.flow`, `network.timeoutMs`,
 * `retry`, `ews.impersonate`) and enforces the rules across fields (one credential, no
 * `common` tenant for app-only, basic/NTLM only with EWS). Prefer `parseConfig`/`loadConfig`, which
 * also apply environment overrides, resolve relative paths and turn problems into a
 * `MailbridgeError` that lists each one by JSON path.
 */
export const configSchema = configObjectSchema
  .transform((config) => ({
    ...config,
    ews: { ...config.ews, impersonate: config.ews.impersonate ?? config.auth.flow === 'client-credentials' },
  }))
  .meta({
    title: 'mailbridge config',
    description: 'Configuration of mailbridge (send and read email through a Microsoft mailbox over Graph or EWS).',
  });

/** The config as written in the file (defaults not applied yet). */
export type MailbridgeConfigInput = z.input<typeof configSchema>;
/** The config after parsing: defaults applied; with `loadConfig`/`parseConfig`, file paths absolute. */
export type MailbridgeConfig = z.output<typeof configSchema>;
/** `auth` after parsing, one variant per flow. */
export type AuthConfig = MailbridgeConfig['auth'];
/** `auth` of the client-credentials flow. */
export type ClientCredentialsAuthConfig = Extract<AuthConfig, { flow: 'client-credentials' }>;
/** `auth` of the device-code flow. */
export type DeviceCodeAuthConfig = Extract<AuthConfig, { flow: 'device-code' }>;
/** `auth` of the authorization-code flow. */
export type AuthorizationCodeAuthConfig = Extract<AuthConfig, { flow: 'authorization-code' }>;
/** `auth` of the delegated flows (a person signs in; the refresh token is kept in `tokenCache`). */
export type DelegatedAuthConfig = DeviceCodeAuthConfig | AuthorizationCodeAuthConfig;
/** `auth` of the basic and NTLM flows. */
export type OnPremisesAuthConfig = Extract<AuthConfig, { flow: 'basic' | 'ntlm' }>;
/** An `ExchangeVersion` name accepted in `ews.version`. */
export type EwsVersionName = (typeof EWS_VERSIONS)[number];
/** `outbox` after parsing (defaults filled). */
export type OutboxConfig = NonNullable<MailbridgeConfig['outbox']>;

/** True when a string has the shape of a GUID (e.g. a client id, or a secret's ID pasted as its value). */
export function isGuidShaped(value: string): boolean {
  return GUID.test(value.trim());
}
