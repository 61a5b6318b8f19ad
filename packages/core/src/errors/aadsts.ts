import type { ErrorCode } from './error-codes.js';
import { type ErrorDetails, MailbridgeError } from './mailbridge-error.js';

/** One Entra `AADSTS` error mailbridge explains: the code it maps to and what the admin should do. */
export interface AadstsEntry {
  /** The number after `AADSTS`. */
  aadsts: number;
  code: ErrorCode;
  /** What happened, in the user's terms (the number is appended). */
  message: string;
  /** What to do, naming the Entra admin center page where it applies. */
  hint: string;
}

const APP = 'Entra admin center > App registrations > your app';
const TENANT_ID = 'Entra admin center > Overview > Directory (tenant) ID';
const NEW_SECRET = `${APP} > Certificates & secrets > New client secret`;
const CLOUD_HINT = 'If the tenant is in a national cloud, set "cloud" to "usgov" (GCC High), "usgov-dod" or "china" (21Vianet); GCC (moderate) tenants use "global".';

/**
 * The Entra ID (`AADSTS`) errors mailbridge translates, with admin-actionable hints. Sources:
 * Microsoft's "Microsoft Entra authentication and authorization error codes" reference and the
 * observed bodies in shared/protocol/identity/samples. Numbers not listed map to AUTH_FAILED.
 */
export const AADSTS_TABLE: readonly AadstsEntry[] = [
  {
    aadsts: 7000215,
    code: 'AUTH_INVALID_SECRET',
    message: 'Entra ID rejected the client secret',
    hint: `Check that auth.clientSecret holds the secret's Value (${APP} > Certificates & secrets: the Value column, shown only once when the secret is created), not its Secret ID, and that the secret belongs to the app in auth.clientId. If the Value is lost, create a new one (${NEW_SECRET}) and update the config and auth.secretExpiresAt.`,
  },
  {
    aadsts: 7000222,
    code: 'AUTH_SECRET_EXPIRED',
    message: 'The client secret has expired',
    hint: `Create a new one: ${NEW_SECRET}. Put its Value where auth.clientSecret points (the env variable or file), and set auth.secretExpiresAt to its expiry date so that doctor warns 30 days ahead next time.`,
  },
  {
    aadsts: 700016,
    code: 'AUTH_APP_NOT_FOUND',
    message: 'No application with this client id exists in the tenant',
    hint: `Check that auth.clientId (Application (client) ID) and auth.tenant (Directory (tenant) ID) come from the same app registration (${APP} > Overview). An app registered in another tenant must be multi-tenant and consented to by an administrator of this tenant. An app registered in a national cloud exists only there: check "cloud".`,
  },
  {
    aadsts: 90002,
    code: 'AUTH_TENANT_NOT_FOUND',
    message: 'Entra ID does not know this tenant',
    hint: `Check auth.tenant against ${TENANT_ID}. ${CLOUD_HINT}`,
  },
  {
    aadsts: 900023,
    code: 'AUTH_TENANT_NOT_FOUND',
    message: 'The tenant is neither a valid directory (tenant) id nor a verified domain',
    hint: `Set auth.tenant to the Directory (tenant) ID (${TENANT_ID}) or to a domain listed under Entra admin center > Domain names.`,
  },
  {
    aadsts: 65001,
    code: 'AUTH_CONSENT_REQUIRED',
    message: 'The app has not been granted consent for the permissions it asks for',
    hint: `An administrator must open ${APP} > API permissions and click "Grant admin consent for <your tenant>"; the Status column must then read "Granted". For a delegated sign-in, the user may consent when signing in unless the tenant requires admin consent.`,
  },
  {
    aadsts: 50194,
    code: 'AUTH_TENANT_REQUIRED',
    message: 'The app is not multi-tenant, so it cannot sign in through a shared authority ("common" or "organizations")',
    hint: `Set auth.tenant to your tenant id (${TENANT_ID}), or make the app multi-tenant (${APP} > Authentication > Supported account types).`,
  },
  {
    aadsts: 500011,
    code: 'AUTH_USER_NOT_IN_TENANT',
    message: "The API's service principal (Microsoft Graph or Office 365 Exchange Online) was not found in the tenant",
    hint: `The tenant has no service principal for the API the token is for. Check that "cloud" matches the tenant's cloud (a GCC High tenant needs "usgov"), that the tenant has Exchange Online, and that the app's API permissions include that API (for EWS: Office 365 Exchange Online > full_access_as_app) with admin consent granted.`,
  },
  {
    aadsts: 700027,
    code: 'AUTH_INVALID_ASSERTION',
    message: "Entra ID could not verify the client assertion's signature",
    hint: `Upload the certificate of auth.certificate.certificateFile to the app (${APP} > Certificates & secrets > Certificates) and check that the Thumbprint shown there is the certificate's, and that privateKeyFile is its key. For clientAssertionFile, check the app's federated credential (issuer, subject, audience).`,
  },
  {
    aadsts: 700211,
    code: 'AUTH_INVALID_ASSERTION',
    message: 'No federated credential of the app has the issuer of the assertion in auth.clientAssertionFile',
    hint: `Add a federated credential (${APP} > Certificates & secrets > Federated credentials) whose Issuer is the "iss" of the token in the file (e.g. the cluster's OIDC issuer URL).`,
  },
  {
    aadsts: 700212,
    code: 'AUTH_INVALID_ASSERTION',
    message: 'No federated credential of the app has the audience of the assertion in auth.clientAssertionFile',
    hint: `The token in the file must be issued for the audience of the app's federated credential (${APP} > Certificates & secrets > Federated credentials > Audience, by default api://AzureADTokenExchange); fix the audience where the token is projected (e.g. the service account token volume).`,
  },
  {
    aadsts: 700213,
    code: 'AUTH_INVALID_ASSERTION',
    message: 'No federated credential of the app has the subject of the assertion in auth.clientAssertionFile',
    hint: `Add (or correct) a federated credential (${APP} > Certificates & secrets > Federated credentials) whose Subject identifier is the "sub" of the token in the file, e.g. system:serviceaccount:<namespace>:<service account> for Kubernetes.`,
  },
  {
    aadsts: 50011,
    code: 'AUTH_REDIRECT_URI_MISMATCH',
    message: 'The redirect URI of the sign-in is not registered on the app',
    hint: `Add the redirect URI to ${APP} > Authentication > Add a platform > Mobile and desktop applications (http://localhost accepts any port), or set auth.redirectUri to one the app lists.`,
  },
  {
    aadsts: 54005,
    code: 'AUTH_CODE_INVALID',
    message: 'The authorization code was already redeemed',
    hint: 'An authorization code works once. Run `mailbridge login` again for a new one (do not paste an address from an earlier sign-in).',
  },
  {
    aadsts: 501481,
    code: 'AUTH_CODE_INVALID',
    message: 'The PKCE code verifier does not match the code challenge of the sign-in',
    hint: 'The address pasted (or received) belongs to another sign-in. Run `mailbridge login` again and finish that sign-in in the browser.',
  },
  {
    aadsts: 700024,
    code: 'AUTH_INVALID_ASSERTION',
    message: 'The client assertion is not within its valid time range',
    hint: "Check this machine's clock (NTP). With clientAssertionFile, the federated token in the file has expired: the platform that writes it (e.g. workload identity) must refresh it; mailbridge re-reads it on every token request.",
  },
  {
    aadsts: 9001023,
    code: 'AUTH_ACCOUNT_TYPE_MISMATCH',
    message: 'This sign-in is not supported on the "common" or "consumers" authority',
    hint: `For app-only (client-credentials) set auth.tenant to your tenant id (${TENANT_ID}); for work accounts use "organizations" or the tenant id; "consumers" is for personal accounts only.`,
  },
  {
    aadsts: 9002331,
    code: 'AUTH_ACCOUNT_TYPE_MISMATCH',
    message: 'The app is for personal Microsoft accounts only, but the sign-in went to a work-account authority',
    hint: `Set auth.tenant to "consumers" for personal Outlook.com / Hotmail / Live accounts, or change the app's Supported account types (${APP} > Authentication) to include work accounts.`,
  },
  {
    aadsts: 900382,
    code: 'AUTH_INVALID_REQUEST',
    message: 'Confidential clients are not supported in a cross-cloud request: the app and the tenant are in different clouds',
    hint: `Set "cloud" to the cloud the tenant is in, and use an app registered in that cloud. ${CLOUD_HINT}`,
  },
  {
    aadsts: 1002012,
    code: 'AUTH_INVALID_SCOPE',
    message: 'The scope is not valid for app-only tokens: client credentials must ask for "<resource>/.default"',
    hint: 'mailbridge asks app-only tokens for the resource\'s "/.default"; check "cloud" and any "endpoints" overrides. If they are right, report this with --verbose output.',
  },
  {
    aadsts: 53003,
    code: 'AUTH_CONDITIONAL_ACCESS',
    message: 'A Conditional Access policy blocked the token',
    hint: 'An administrator can find the policy in Entra admin center > Sign-in logs (search the correlation id; app-only sign-ins are under "Service principal sign-ins") and exclude this app or this host\'s network location from it.',
  },
  {
    aadsts: 70011,
    code: 'AUTH_INVALID_SCOPE',
    message: 'The requested scope is not valid',
    hint: 'Check "cloud" and any "endpoints" overrides: the scope names the cloud\'s API (e.g. https://graph.microsoft.us/.default in GCC High). For delegated sign-in, the app must list the permission under API permissions.',
  },
  {
    aadsts: 50079,
    code: 'AUTH_INTERACTION_REQUIRED',
    message: 'The user must enrol in multi-factor authentication',
    hint: 'Sign in interactively (`mailbridge login`) and complete the MFA registration. For unattended use prefer client-credentials (app-only).',
  },
  {
    aadsts: 50076,
    code: 'AUTH_INTERACTION_REQUIRED',
    message: 'Multi-factor authentication is required',
    hint: 'Sign in again with `mailbridge login` and complete MFA. For unattended use prefer client-credentials (app-only).',
  },
  {
    aadsts: 7000218,
    code: 'AUTH_INVALID_REQUEST',
    message: 'The app expects a client secret or certificate, but the request carried none',
    hint: `For device-code sign-in, allow public client flows (${APP} > Authentication > Advanced settings > Allow public client flows: Yes). For app-only, use auth.flow "client-credentials" with a credential.`,
  },
  {
    aadsts: 700025,
    code: 'AUTH_INVALID_REQUEST',
    message: 'The app is a public client, so it may not send a client secret or assertion',
    hint: `For app-only (client-credentials), use an app registration that is not a public client (${APP} > Authentication > Allow public client flows: No), or use auth.flow "device-code".`,
  },
  {
    aadsts: 65004,
    code: 'AUTH_DECLINED',
    message: 'The user declined to consent to the app',
    hint: 'Sign in again with `mailbridge login` and accept the permissions, or ask an administrator to grant admin consent.',
  },
  {
    aadsts: 70019,
    code: 'AUTH_DEVICE_CODE_EXPIRED',
    message: 'The device code expired before the sign-in was completed',
    hint: 'Run `mailbridge login` again and enter the code within its validity (15 minutes).',
  },
  {
    aadsts: 700082,
    code: 'AUTH_INTERACTION_REQUIRED',
    message: 'The refresh token expired after a long time unused',
    hint: 'Sign in again with `mailbridge login`.',
  },
  {
    aadsts: 70008,
    code: 'AUTH_INTERACTION_REQUIRED',
    message: 'The refresh token has expired or was revoked',
    hint: 'Sign in again with `mailbridge login`.',
  },
];

const BY_NUMBER = new Map(AADSTS_TABLE.map((entry) => [entry.aadsts, entry]));

/** The table entry of an AADSTS number, if mailbridge explains it. */
export function aadstsEntry(aadsts: number): AadstsEntry | undefined {
  return BY_NUMBER.get(aadsts);
}

// OAuth `error` values that identify the problem without a number (device-code polling, msal).
const BY_ERROR: Record<string, Omit<AadstsEntry, 'aadsts'>> = {
  authorization_declined: { code: 'AUTH_DECLINED', message: 'The user declined the sign-in', hint: 'Run `mailbridge login` again and approve the sign-in.' },
  expired_token: { code: 'AUTH_DEVICE_CODE_EXPIRED', message: 'The device code expired before the sign-in was completed', hint: 'Run `mailbridge login` again and enter the code within its validity (15 minutes).' },
  consent_required: { code: 'AUTH_CONSENT_REQUIRED', message: 'Consent is required', hint: `An administrator must click "Grant admin consent" in ${APP} > API permissions.` },
  interaction_required: { code: 'AUTH_INTERACTION_REQUIRED', message: 'The sign-in needs user interaction', hint: 'Sign in again with `mailbridge login`.' },
};

/** The fields of Entra's token-endpoint error body (and of msal-node's ServerError) mailbridge reads. */
export interface EntraError {
  /** OAuth error, e.g. `invalid_client`. */
  error?: string;
  aadsts?: number;
  /** The description's first line, without the trace/correlation/timestamp lines. */
  description?: string;
  traceId?: string;
  correlationId?: string;
  timestamp?: string;
  errorUri?: string;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Reads an Entra error: the JSON body of a token-endpoint error (object or text), or an object
 * shaped like msal-node's `ServerError` (`errorCode`, `errorMessage`, `errorNo`, `correlationId`).
 * Returns undefined for anything else.
 */
export function parseEntraError(body: unknown): EntraError | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      value = /AADSTS\d+/.test(body) ? { error_description: body } : undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const b = value as Record<string, unknown>;
  const fullDescription = str(b.error_description) ?? str(b.errorMessage) ?? str(b.message);
  const error = str(b.error) ?? str(b.errorCode);
  const codes = Array.isArray(b.error_codes) ? b.error_codes.filter((n): n is number => typeof n === 'number' && Number.isInteger(n)) : [];
  const fromText = fullDescription ? /AADSTS(\d+)/.exec(fullDescription)?.[1] : undefined;
  const errorNo = typeof b.errorNo === 'number' ? String(b.errorNo) : str(b.errorNo);
  const aadsts = codes[0] ?? (fromText ? Number(fromText) : errorNo && /^\d+$/.test(errorNo) ? Number(errorNo) : undefined);
  const fromDescription = (label: string) => (fullDescription ? new RegExp(`${label}:\\s*([0-9a-fA-F-]{36})`).exec(fullDescription)?.[1] : undefined);
  const out: EntraError = {};
  if (error) out.error = error;
  if (aadsts !== undefined) out.aadsts = aadsts;
  if (fullDescription) {
    const first = fullDescription.split(/\r?\n/)[0]!.trim();
    if (first) out.description = first;
  }
  const traceId = str(b.trace_id) ?? fromDescription('Trace ID');
  if (traceId) out.traceId = traceId;
  const correlationId = str(b.correlation_id) ?? str(b.correlationId) ?? fromDescription('Correlation ID');
  if (correlationId) out.correlationId = correlationId;
  const timestamp = str(b.timestamp);
  if (timestamp) out.timestamp = timestamp;
  const errorUri = str(b.error_uri);
  if (errorUri) out.errorUri = errorUri;
  if (out.error === undefined && out.aadsts === undefined && out.description === undefined) return undefined;
  return out;
}

/** Options of {@link mapEntraError}. */
export interface MapEntraErrorOptions {
  /** HTTP status of the token response. */
  status?: number;
  /** True when the configured client secret is GUID-shaped (a `SECRET_LOOKS_LIKE_ID` config warning). */
  configuredSecretLooksLikeId?: boolean;
  /** The config's `auth.secretExpiresAt`, quoted in the expired-secret message. */
  secretExpiresAt?: string;
  /** The kind of credential configured: hints name what to fix for that kind only. */
  credentialKind?: 'secret' | 'certificate' | 'assertion';
  cause?: unknown;
}

/** "AADSTS90002: Tenant 'x' not found. This may..." → "Tenant 'x' not found." */
function firstSentence(description: string): string {
  const text = description.replace(/^AADSTS\d+:\s*/, '');
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

/**
 * Translates an Entra ID error into a MailbridgeError with a stable code and an admin-actionable
 * hint, keeping the AADSTS number, trace id and correlation id in `details` (and `toJSON()`) for
 * support. Unknown numbers give AUTH_FAILED with the number and the first sentence of Entra's
 * description.
 */
export function mapEntraError(body: unknown, options: MapEntraErrorOptions = {}): MailbridgeError {
  const parsed = parseEntraError(body);
  const details: ErrorDetails = {};
  if (options.status !== undefined) details.status = options.status;
  if (parsed?.error) details.serviceCode = parsed.error;
  if (parsed?.aadsts !== undefined) details.aadsts = parsed.aadsts;
  if (parsed?.traceId) details.traceId = parsed.traceId;
  if (parsed?.correlationId) details.correlationId = parsed.correlationId;
  if (parsed?.timestamp) details.timestamp = parsed.timestamp;
  if (parsed?.description) details.description = parsed.description;
  if (parsed?.errorUri) details.errorUri = parsed.errorUri;
  const cause = options.cause === undefined ? {} : { cause: options.cause };
  const tag = parsed?.aadsts !== undefined ? ` (AADSTS${parsed.aadsts})` : '';

  const entry = parsed?.aadsts !== undefined ? aadstsEntry(parsed.aadsts) : undefined;
  if (entry) {
    let { message, hint } = entry;
    if (entry.aadsts === 7000215 && options.configuredSecretLooksLikeId) {
      message = `${message}: the configured secret looks like the secret ID, not its Value`;
      hint = `Copy the Value column, not the Secret ID: ${APP} > Certificates & secrets shows the Value only once, when the secret is created. If it is no longer shown, create a new client secret (${NEW_SECRET}), and update the config and auth.secretExpiresAt.`;
    }
    if (entry.aadsts === 7000222 && options.secretExpiresAt) message = `${message} (auth.secretExpiresAt: ${options.secretExpiresAt})`;
    if (entry.aadsts === 700027 && options.credentialKind === 'assertion') {
      message = "Entra ID could not verify the federated assertion's signature with its issuer";
      hint = `The token in auth.clientAssertionFile must come from the issuer of the app's federated credential (${APP} > Certificates & secrets > Federated credentials > Issuer), which publishes its signing keys (OIDC discovery, JWKS): check the Issuer URL (e.g. the cluster's OIDC issuer) and that the issuer's discovery document is publicly reachable.`;
    } else if (entry.aadsts === 700027 && options.credentialKind === 'certificate') {
      hint = `Upload the certificate of auth.certificate.certificateFile to the app (${APP} > Certificates & secrets > Certificates), check that the Thumbprint shown there is the certificate's, that it has not expired, and that privateKeyFile is its key.`;
    }
    return new MailbridgeError({ code: entry.code, message: `${message}${tag}.`, hint, details, ...cause });
  }
  const byError = parsed?.error ? BY_ERROR[parsed.error] : undefined;
  if (byError) return new MailbridgeError({ code: byError.code, message: `${byError.message}${tag}.`, hint: byError.hint, details, ...cause });

  const status = options.status !== undefined ? ` (HTTP ${options.status})` : '';
  if (parsed?.aadsts !== undefined) {
    const sentence = parsed.description ? `: ${firstSentence(parsed.description)}` : '';
    return new MailbridgeError({
      code: 'AUTH_FAILED',
      message: `Entra ID refused the token request with AADSTS${parsed.aadsts}${sentence}`,
      hint: `Look the number up at ${parsed.errorUri ?? `https://login.microsoftonline.com/error?code=${parsed.aadsts}`}; when asking Microsoft support, give the trace id and correlation id.`,
      details,
      ...cause,
    });
  }
  return new MailbridgeError({
    code: 'AUTH_FAILED',
    message: `Entra ID refused the token request${status}${parsed?.error ? ` with error "${parsed.error}"` : ' without a readable error'}${parsed?.description ? `: ${firstSentence(parsed.description)}` : '.'}`,
    hint: 'Check auth.tenant, auth.clientId, the credential and "cloud"; `mailbridge doctor` checks them one by one.',
    details,
    ...cause,
  });
}
