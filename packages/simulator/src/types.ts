import type { MailbridgeConfigInput } from '@mailbridge/core';
import type { EwsThrottlingPolicy } from './ews/ews-throttle.js';
import type { SendingLimitOptions, SendingLimitStats } from './mail/sending-limits.js';

/**
 * The public shape of the simulator: how to seed it and what a started simulator hands back.
 * Every other package's tests depend on this file; change it only compatibly.
 */

/** A tenant of the simulated Entra ID. */
export interface SeedTenant {
  /** Directory (tenant) id, a GUID. */
  id: string;
  /** Verified domains; the first is the default (e.g. `contoso.onmicrosoft.com`). */
  domains: string[];
  /** Which national cloud this tenant lives in (default `global`): its tokens carry that cloud's audiences. */
  cloud?: 'global' | 'usgov' | 'usgov-dod' | 'china';
  /** Per-tenant EWS policy (Exchange Online, since 2026-10-01: EWS blocked for apps not on the allow list). */
  ews?: {
    /** `Set-OrganizationConfig -EwsEnabled`; default true. */
    enabled?: boolean;
    /** `-EwsAllowedAppIDs`; when set, only these client ids may use EWS app-only or delegated. */
    allowedAppIds?: string[];
  };
  /** A personal-accounts (MSA, "consumers") tenant, like Microsoft's 9188040d-6c67-4c5b-b112-36a304b66dad. */
  consumers?: boolean;
}

/** A client secret of an app registration. `value` is the secret; `id` is its (GUID) secret ID. */
export interface SeedSecret {
  id: string;
  value: string;
  /** ISO date-time; a token request with an expired secret fails with AADSTS7000222. */
  expiresAt: string;
}

/** An application permission (app role) granted on a resource. */
export interface SeedAppPermission {
  resource: 'graph' | 'ews';
  /** e.g. `Mail.Send`, `Mail.ReadWrite`, `Mail.Read`, `full_access_as_app`. */
  role: string;
  /** Whether an administrator granted admin consent; without it the role is not in the token. Default true. */
  adminConsent?: boolean;
}

/** An app registration (and its service principal in its home tenant). */
export interface SeedApp {
  clientId: string;
  displayName?: string;
  /** Home tenant id. */
  tenantId: string;
  /** Multi-tenant apps can be used from other tenants (where `consentedTenants` lists them). */
  multiTenant?: boolean;
  /** Other tenants where the app has a service principal (admin consented). */
  consentedTenants?: string[];
  /** A public client may use the device-code flow, and redeem authorization codes without a credential (PKCE). */
  publicClient?: boolean;
  /**
   * Redirect URIs of the authorization code flow (Authentication > platforms). A loopback
   * `http://localhost` / `http://127.0.0.1` URI matches with any port, as Entra allows; Microsoft's
   * `https://login.microsoftonline.com/common/oauth2/nativeclient` also stands for the simulator's
   * own `{url}/common/oauth2/nativeclient`.
   */
  redirectUris?: string[];
  /** Whether a person may consent on the sign-in page to delegated permissions not granted yet (default true); false → AADSTS65001. */
  userConsent?: boolean;
  /** Also allow personal (consumers) accounts to sign in. */
  allowPersonalAccounts?: boolean;
  secrets?: SeedSecret[];
  /** PEM X.509 certificates whose key may sign client assertions. */
  certificates?: string[];
  /** Federated credentials: issuer + subject of the external token (workload identity). */
  federatedCredentials?: Array<{ issuer: string; subject: string; audience?: string }>;
  permissions?: SeedAppPermission[];
  /** Delegated scopes users have consented to (device code), e.g. `Mail.Send`, `EWS.AccessAsUser.All`. */
  delegatedScopes?: Array<{ resource: 'graph' | 'ews'; scope: string }>;
  /**
   * Mailbox scoping (RBAC for Applications / Application Access Policy): when set, the app may act
   * only on these mailboxes (SMTP addresses); everything else answers access denied.
   */
  mailboxScope?: string[];
}

/** A user with a mailbox. */
export interface SeedUser {
  /** Object id (GUID); generated when absent. */
  id?: string;
  tenantId: string;
  /** Primary SMTP address (also the UPN). */
  mail: string;
  displayName?: string;
  /** Password for basic/NTLM (on-premises EWS) and for approving device codes by code. */
  password?: string;
  /** Whether the mailbox exists and is enabled for REST (false → MailboxNotEnabledForRESTAPI). Default true. */
  mailboxEnabled?: boolean;
  /** Users (SMTP) allowed to send as this mailbox (shared mailbox SendAs). */
  sendAs?: string[];
  /** Exchange management roles (on-premises EWS): `ApplicationImpersonation` lets this account impersonate others. */
  ewsRoles?: Array<'ApplicationImpersonation'>;
  messages?: SeedMessage[];
}

/** A message placed in a mailbox at seed time. */
export interface SeedMessage {
  folder?: string; // well-known name, default 'inbox'
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text?: string;
  html?: string;
  isRead?: boolean;
  receivedAt?: string;
  internetMessageId?: string;
  attachments?: Array<{ filename: string; contentType?: string; contentBase64: string; contentId?: string }>;
}

/** Everything a simulator can be seeded with (from code or a JSON file). */
export interface SeedData {
  tenants: SeedTenant[];
  apps: SeedApp[];
  users: SeedUser[];
}

export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind; default `127.0.0.1`. Loopback only. */
  host?: string;
  /** Seed data, or a path to a JSON file of it. Default: {@link demoSeed}. */
  seed?: SeedData | string;
  /** Folder for the generated CA file (default: a new temp folder, removed on close). */
  dataDir?: string;
  /** EWS flavour: `online` (Exchange Online: OAuth only) or `onprem` (Exchange Server: Basic, NTLM, OAuth). Default `online`. */
  ewsMode?: 'online' | 'onprem';
  /** Validate every EWS request and response against the official XSDs (default true). */
  validateEws?: boolean;
  /** Clock offset in ms (clock-skew faults); tokens' iat/nbf/exp use the simulator's clock. */
  clockSkewMs?: number;
  /**
   * Graph throttling per app per mailbox, as Outlook documents it: at most `concurrency` requests
   * at once (default 4) and `requests` per `windowMs` (default 10,000 per 10 minutes).
   */
  throttling?: { concurrency?: number; requests?: number; windowMs?: number };
  /**
   * EWS throttling per budget owner, as Exchange Online applies it: EWSMaxConcurrency (default 27
   * concurrent requests, over it ErrorExceededConnectionCount) and the budget (EwsMaxBurst 300,000 ms,
   * EwsRechargeRate 900,000 ms per hour, EwsCutoffBalance 3,000,000 ms; past the cutoff ErrorServerBusy
   * with BackOffMilliseconds). `Infinity` is Exchange's Unlimited. See {@link EwsThrottlingPolicy}.
   */
  ewsThrottling?: Partial<EwsThrottlingPolicy>;
  /**
   * Exchange Online's sending limits per mailbox (messages per minute, recipients per rolling 24
   * hours, recipients per message), with what Graph and EWS answer over them and the block that
   * follows. `true` enforces Exchange Online's defaults (30/min, 10,000/24 h, 500/message); an object
   * changes some of them, e.g. `{ messages: 60, windowMs: 10_000 }` for tests that run in seconds.
   * Off by default here, so load tests and benchmarks can send hundreds per second; `mailbridge
   * sandbox` turns the real defaults on.
   */
  sendingLimits?: SendingLimitOptions | boolean;
  /** Seconds between device-code polls that clients are told (`interval`); default 5 as Entra. Tests may use 1. */
  deviceCodeIntervalSeconds?: number;
}

/** A logged request. Bearer tokens, secrets and passwords are redacted before they are stored. */
export interface LoggedRequest {
  time: string;
  method: string;
  /** Path and query. */
  url: string;
  /** `entra` | `graph` | `ews` | `upload` | `admin`. */
  api: string;
  headers: Record<string, string>;
  status: number;
  /** For EWS: the SOAP operation, and whether the request validated against the XSDs. */
  ewsOperation?: string;
  schemaValid?: boolean;
  schemaErrors?: string[];
  /** Client (app) id from the token, when there was one. */
  clientId?: string;
  /**
   * What the simulator noticed about a request that Microsoft would accept but recommends against
   * (e.g. EWS impersonation without X-AnchorMailbox). Absent when there is nothing to say.
   */
  notes?: string[];
  durationMs: number;
}

/** A message delivered to a domain outside the simulated tenants. */
export interface OutboundMessage {
  from: string;
  to: string[];
  internetMessageId: string;
  subject: string;
  mime: string;
  time: string;
}

/** A request that reached the redirect target of the `hostile` `redirect` fault, as it arrived (nothing redacted). */
export interface CaughtRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body as UTF-8 (its first 64 KiB). */
  body: string;
}

/** A fault to inject. Every fault has a scope and a count or time window. */
export type FaultSpec =
  | { kind: 'latency'; ms: number; api?: string; count?: number }
  | { kind: 'status'; status: 429 | 503 | 500 | 502 | 504; api?: string; count: number; retryAfterSeconds?: number; pathIncludes?: string }
  | { kind: 'ews-server-busy'; count: number; backOffMs: number }
  /**
   * An EWS operation answers HTTP 200 with an error response message (ResponseClass="Error") for
   * each item instead of taking effect, e.g. `ErrorInternalServerError` with an inner error as in
   * Microsoft's DeleteItem sample (`innerResponseCode: 'ErrorQuotaExceededOnDelete'`). `operation`
   * limits it to one SOAP operation (e.g. `DeleteItem`); texts default to Exchange's.
   */
  | {
      kind: 'ews-error';
      responseCode: string;
      count: number;
      operation?: string;
      messageText?: string;
      innerResponseCode?: string;
      innerMessageText?: string;
    }
  /** Drop the connection before the request is processed (it never takes effect). */
  | { kind: 'reset-before'; api?: string; count: number; pathIncludes?: string }
  /** Process the request fully (it takes effect), then drop the connection without answering. */
  | { kind: 'reset-after'; api?: string; count: number; pathIncludes?: string }
  | { kind: 'token-outage'; count?: number; untilMs?: number }
  | { kind: 'clock-skew'; ms: number }
  /**
   * Exchange files the sender's copy of each sent message in Sent Items only `ms` after the send
   * (until then it waits in the Outbox), as a busy mailbox does: a look in Sent Items right after
   * the send misses it. For Graph and EWS alike; lasts until removed or `clearFaults()`.
   */
  | { kind: 'late-sent-copy'; ms: number }
  /**
   * Answer with a hostile body instead of processing the request (it never takes effect): what a
   * broken proxy, a cut connection or an attacker in the path sends. Status 200 unless `status` is
   * given. `gigantic-body` streams `sizeBytes` (default 1 GiB) without a length, lazily.
   * `deep-nesting` is a well-formed answer nested `depth` levels deep (what overflows a recursive
   * walk). `trickle` sends the headers, then one byte every `intervalMs`, and never finishes.
   * `redirect` answers `status` (default 307) with `Location` on a second listener (same path and
   * query) that records whatever reaches it: {@link Simulator.caughtRedirects}. A client that keeps
   * its credentials to itself leaves that list empty.
   */
  | {
      kind: 'hostile';
      api?: string;
      count: number;
      pathIncludes?: string;
      body: 'truncated-xml' | 'xml-entity-expansion' | 'xml-external-entity' | 'malformed-json' | 'wrong-content-type' | 'empty-body' | 'gigantic-body' | 'redirect' | 'deep-nesting' | 'trickle';
      status?: number;
      sizeBytes?: number;
      /** Levels of a `deep-nesting` body (objects in JSON, elements in SOAP). @default 100000 */
      depth?: number;
      /** Milliseconds between the bytes of a `trickle` body. @default 2000 */
      intervalMs?: number;
    };

/** A message as the simulator stores it (one store, seen by Graph and EWS alike). */
export interface StoredMessageView {
  /** Graph id. */
  id: string;
  /** EWS ItemId. */
  ewsId: string;
  folder: string;
  internetMessageId: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  isRead: boolean;
  receivedAt: string;
  attachments: Array<{ name: string; size: number; contentType: string; isInline: boolean; contentId?: string }>;
  /** Custom X- headers as sent. */
  headers: Record<string, string>;
  bodyText?: string;
  bodyHtml?: string;
}

/** A running simulator: everything a client needs, and what tests inspect. */
export interface Simulator {
  /** `https://127.0.0.1:PORT`. Entra is at `{url}/{tenant}/...`, Graph at `{url}/v1.0/...`, EWS at {@link ewsUrl}. */
  readonly url: string;
  readonly port: number;
  /** Authority host for msal-node (same origin as `url`). */
  readonly authorityHost: string;
  /** Graph root (the client appends `/v1.0`). */
  readonly graphUrl: string;
  /** `https://127.0.0.1:PORT/EWS/Exchange.asmx`. */
  readonly ewsUrl: string;
  /** Path of the generated CA certificate (PEM): the only trust a client needs. */
  readonly caFile: string;
  readonly caPem: string;
  /** Key for the `/_admin/*` endpoints (header `x-simulator-admin-key`), generated at start. */
  readonly adminKey: string;

  /** Add to the state at run time. */
  seed(data: Partial<SeedData>): void;
  /** Messages of a mailbox, optionally of one folder (well-known name). */
  messages(mailbox: string, folder?: string): StoredMessageView[];
  /** How many copies of a message (by Internet Message-ID) exist, per mailbox folder and in the outbound log. */
  deliveries(internetMessageId: string): { mailboxes: Array<{ mailbox: string; folder: string }>; outbound: number };
  /** Mail sent to domains outside the simulated tenants. */
  outbound(): OutboundMessage[];

  /** Inject a fault; returns a function that removes it. */
  inject(fault: FaultSpec): () => void;
  clearFaults(): void;

  /** The request log (bearer tokens, secrets and passwords redacted). */
  requests(): LoggedRequest[];
  clearRequests(): void;
  /** What reached the second listener of the `hostile` `redirect` fault, raw (what a client leaked by following it). */
  caughtRedirects(): CaughtRequest[];
  clearCaughtRedirects(): void;

  /** Approve a pending device-code sign-in as this user (what a person does in the browser). */
  approveDeviceCode(userCode: string, userMail: string, options?: { decline?: boolean }): void;
  /** Revoke every refresh token of a user, as "Revoke sessions" or a password change does (refreshes then fail with AADSTS50173). */
  revokeSignIns(userMail: string): void;
  /** Access-token lifetime in seconds for tokens issued from now on (default 3599): short lifetimes exercise renewal. */
  setAccessTokenLifetime(seconds: number): void;
  /** Places messages in a mailbox (as the `messages` of a seeded user); the mailbox must exist. */
  seedMessages(mailbox: string, messages: SeedMessage[]): void;
  /**
   * Makes a Conditional Access policy block (or stop blocking) a user (by mail) or an app (by client
   * id) with AADSTS53003; `{ flow: 'device-code' }` blocks only the device code flow, as the
   * "Authentication flows" condition does (browser sign-in still works).
   */
  setConditionalAccessBlock(principal: string, blocked: boolean, options?: { flow?: 'device-code' }): void;
  /**
   * A federated (workload identity) assertion, signed as its external issuer would sign it: what a
   * workload finds in its token file. Seed the app with a federated credential `{ issuer, subject }`
   * matching it (the default issuer is `https://federation.mailbridge-simulator.invalid`).
   */
  issueFederatedAssertion(options: { subject: string; issuer?: string; audience?: string; lifetimeSeconds?: number }): Promise<string>;
  /** {@link issueFederatedAssertion}, written to `path` (mode 0600) for `auth.clientAssertionFile`. Returns the path. */
  writeFederatedAssertionFile(path: string, options: { subject: string; issuer?: string; audience?: string; lifetimeSeconds?: number }): Promise<string>;

  /**
   * A ready mailbridge config object (PRODUCT.md shape) pointing at this simulator: endpoints,
   * `network.caFile`, and the app's credentials (secret inline unless `secretEnv` is given).
   */
  config(options?: { transport?: 'graph' | 'ews'; clientId?: string; secret?: string; secretEnv?: string; tenant?: string; mailbox?: string }): MailbridgeConfigInput;

  /** What the simulator saw of a mailbox's sending against its limits (with `sendingLimits` on). */
  sendingLimitStats(mailbox: string): SendingLimitStats;

  close(): Promise<void>;
}
