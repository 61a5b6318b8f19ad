/**
 * Every error code mailbridge can produce, with what it means and the CLI exit code it maps to.
 * Codes are stable: renaming or removing one is a breaking change. Add new ones at the end of their group.
 */
export const ERROR_CODES = {
  // Configuration and usage (exit 2)
  CONFIG_NOT_FOUND: { exitCode: 2, meaning: 'The config file does not exist or cannot be read.' },
  CONFIG_PARSE: { exitCode: 2, meaning: 'The config file is not valid JSON.' },
  CONFIG_INVALID: { exitCode: 2, meaning: 'The config does not match the schema; the message names the JSON path.' },
  SECRET_UNRESOLVED: { exitCode: 2, meaning: 'A secret reference ({env} or {file}) could not be resolved.' },
  USAGE: { exitCode: 2, meaning: 'The command line or the arguments of a call are wrong.' },
  INVALID_MESSAGE: { exitCode: 2, meaning: 'The message to send is invalid (addresses, headers, attachments).' },
  ADAPTER_MISSING: { exitCode: 2, meaning: 'The adapter package for the configured transport is not installed.' },
  SANDBOX_SEED_INVALID: { exitCode: 2, meaning: 'The seed file of `mailbridge sandbox --seed` (or a `--fault`) cannot be read or does not match its schema; the message names the path in the file.' },

  // Entra ID / authentication (exit 1)
  AUTH_INVALID_SECRET: { exitCode: 1, meaning: 'The client secret is wrong (AADSTS7000215), or the secret ID was used instead of its value.' },
  AUTH_SECRET_EXPIRED: { exitCode: 1, meaning: 'The client secret has expired (AADSTS7000222).' },
  AUTH_APP_NOT_FOUND: { exitCode: 1, meaning: 'No app with this client id in this tenant (AADSTS700016).' },
  AUTH_TENANT_NOT_FOUND: { exitCode: 1, meaning: 'The tenant does not exist (AADSTS90002), is not a valid tenant id or verified domain (AADSTS900023), or is in another cloud.' },
  AUTH_CONSENT_REQUIRED: { exitCode: 1, meaning: 'Admin consent was not granted for the permission (AADSTS65001).' },
  AUTH_TENANT_REQUIRED: { exitCode: 1, meaning: 'A single-tenant app was used through common/organizations: a specific tenant is needed (AADSTS50194).' },
  AUTH_USER_NOT_IN_TENANT: { exitCode: 1, meaning: 'The resource principal was not found in the tenant (AADSTS500011).' },
  AUTH_INVALID_ASSERTION: { exitCode: 1, meaning: 'The certificate or federated client assertion was rejected (AADSTS700027, AADSTS700024).' },
  AUTH_ACCOUNT_TYPE_MISMATCH: { exitCode: 1, meaning: 'A personal account used a work-only authority or the reverse (AADSTS9002331, AADSTS9001023).' },
  AUTH_INVALID_REQUEST: { exitCode: 1, meaning: 'Entra rejected the token request for how the app is set up: cross-cloud (AADSTS900382), public vs confidential client (AADSTS7000218, AADSTS700025).' },
  AUTH_CONDITIONAL_ACCESS: { exitCode: 1, meaning: 'A Conditional Access policy blocked the sign-in (AADSTS53003).' },
  AUTH_INVALID_SCOPE: { exitCode: 1, meaning: 'The requested scope is not valid for this flow (AADSTS70011, AADSTS1002012).' },
  AUTH_INTERACTION_REQUIRED: { exitCode: 1, meaning: 'The signed-in session can no longer be renewed silently; sign in again.' },
  AUTH_DEVICE_CODE_EXPIRED: { exitCode: 1, meaning: 'The device code expired before sign-in completed.' },
  AUTH_DECLINED: { exitCode: 1, meaning: 'The user declined consent or cancelled sign-in.' },
  AUTH_FAILED: { exitCode: 1, meaning: 'Entra returned an error without a more specific mapping; see the AADSTS number.' },
  AUTH_WRONG_AUDIENCE: { exitCode: 1, meaning: 'The token was issued for another API than the one called.' },
  AUTH_MISSING_PERMISSION: { exitCode: 1, meaning: 'The token lacks the permission (role or scope) the operation needs.' },
  AUTH_REDIRECT_URI_MISMATCH: { exitCode: 1, meaning: 'The redirect URI of a browser sign-in is not registered on the app (AADSTS50011).' },
  AUTH_STATE_MISMATCH: { exitCode: 1, meaning: 'The address a browser sign-in came back with does not belong to this sign-in (its state differs).' },
  AUTH_CODE_INVALID: { exitCode: 1, meaning: 'The authorization code was refused: already used (AADSTS54005), expired (AADSTS70008), or its PKCE verifier does not match (AADSTS501481).' },
  AUTH_SIGN_IN_TIMEOUT: { exitCode: 1, meaning: 'The browser sign-in did not come back in time.' },
  AUTH_WRONG_CLOUD: { exitCode: 1, meaning: 'The tenant is in another national cloud than the configured "cloud" (AADSTS500011 for the cloud\'s API).' },

  // Mailbox / service (exit 1)
  MAILBOX_ACCESS_DENIED: { exitCode: 1, meaning: 'The app may not access this mailbox (RBAC for Applications or an application access policy).' },
  MAILBOX_NOT_FOUND: { exitCode: 1, meaning: 'The mailbox does not exist or is not enabled for this API.' },
  MAILBOX_NOT_ENABLED_FOR_REST: { exitCode: 1, meaning: 'The mailbox is inactive, soft-deleted or hosted on-premises (MailboxNotEnabledForRESTAPI).' },
  SEND_AS_DENIED: { exitCode: 1, meaning: 'The identity may not send as the given From address (ErrorSendAsDenied).' },
  MESSAGE_TOO_LARGE: { exitCode: 1, meaning: 'The message or an attachment exceeds the service limit.' },
  ITEM_NOT_FOUND: { exitCode: 1, meaning: 'The message, folder or attachment does not exist.' },
  EWS_BLOCKED_BY_POLICY: { exitCode: 1, meaning: 'EWS is disabled for this app or tenant (EwsEnabled / EwsAllowedAppIDs).' },
  EWS_IMPERSONATION_DENIED: { exitCode: 1, meaning: 'The app may not impersonate this mailbox (ErrorImpersonateUserDenied).' },
  THROTTLED: { exitCode: 1, meaning: 'The service throttled the requests and the retry budget ran out.' },
  SERVICE_UNAVAILABLE: { exitCode: 1, meaning: 'The service answered 5xx or ErrorServerBusy and the retry budget ran out.' },
  SERVICE_ERROR: { exitCode: 1, meaning: 'The service returned an error without a more specific mapping.' },
  INVALID_RESPONSE: { exitCode: 1, meaning: 'The service answered with something that is not a valid response (malformed JSON/XML, wrong content type, too large).' },
  SEND_UNCONFIRMED: { exitCode: 1, meaning: 'A send failed in a way that may have taken effect, and it could not be confirmed either way.' },
  SENDING_QUOTA_EXCEEDED: { exitCode: 1, meaning: "The mailbox reached the service's sending limit (EWS ErrorSubmissionQuotaExceeded, NDR 5.1.90): it may not send until its rolling 24-hour recipient count drops." },

  // Outbox (exit 1)
  OUTBOX_STORE_UNAVAILABLE: { exitCode: 1, meaning: 'The outbox store (spool folder or Redis) cannot be read or written.' },
  OUTBOX_MESSAGE_EXPIRED: { exitCode: 1, meaning: 'An outbox message was not delivered within outbox.maxAgeHours.' },
  OUTBOX_NOT_FOUND: { exitCode: 1, meaning: 'No outbox message has this id (it may have been dropped).' },

  // Network (exit 1)
  NETWORK_ERROR: { exitCode: 1, meaning: 'The connection failed (DNS, refused, reset).' },
  NETWORK_TIMEOUT: { exitCode: 1, meaning: 'The request did not complete within network.timeoutMs.' },
  TLS_ERROR: { exitCode: 1, meaning: 'The TLS handshake failed (untrusted certificate, wrong host name).' },
  PROXY_ERROR: { exitCode: 1, meaning: 'The proxy refused or failed the connection.' },
  ABORTED: { exitCode: 1, meaning: 'The operation was aborted by the caller.' },
  REDIRECT_REFUSED: { exitCode: 1, meaning: 'A server answered with a redirect; mailbridge never follows one (requests carry credentials). The message names the host it pointed to.' },
  STATUS_LISTEN_FAILED: { exitCode: 1, meaning: 'The status listener (relay.status or outbox.status) could not listen on its address: the port is in use, or the address is not on this machine.' },

  // SMTP relay (exit 1)
  RELAY_LISTEN_FAILED: { exitCode: 1, meaning: 'A relay listener could not open its port (in use, or a privileged port without the right to bind it).' },
  RELAY_TLS_INVALID: { exitCode: 1, meaning: 'The relay certificate or key file is missing, unreadable or not a matching PEM pair.' },

  INTERNAL: { exitCode: 1, meaning: 'A bug in mailbridge; please report it with --verbose output.' },
} as const satisfies Record<string, { exitCode: 1 | 2; meaning: string }>;

/** A stable mailbridge error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The CLI exit code for an error code: 2 for usage and config problems, 1 for everything else. */
export function exitCodeFor(code: ErrorCode): 1 | 2 {
  return ERROR_CODES[code]?.exitCode ?? 1;
}
