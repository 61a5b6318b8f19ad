import { type ErrorCode, MailbridgeError, mailboxScopeHint } from '@mailbridge/core';
import { ewsLibrary } from './ews-library.js';

/** What is known about one failed EWS exchange, from the HTTP layer or from the library's parsing. */
export interface EwsFailure {
  /** HTTP status, when a response came back. */
  status?: number;
  /** The EWS response code (`ErrorAccessDenied`, ...), from a ResponseMessage or a SOAP fault. */
  responseCode?: string;
  /** The server's own message text (never holds a secret). */
  serverMessage?: string;
  /** The `x-ms-diagnostics` response header (Exchange Online explains 401s there). */
  diagnostics?: string;
  /** How the adapter authenticated: the hint of a 401 depends on it. */
  auth: 'app-only' | 'delegated' | 'basic' | 'ntlm';
  /** The mailbox acted on, for the message. */
  mailbox: string;
  /** The app's client id (from the token's claims), for the PowerShell checks in hints. */
  clientId?: string;
  /** The SOAP operation, e.g. `CreateItem`. */
  operation?: string;
  /** The request id Exchange returned (`request-id` header), kept for support. */
  requestId?: string;
  /** A wait the server asked for (ErrorServerBusy BackOffMilliseconds); read by core's retry policy. */
  retryAfterMs?: number;
  /** A raw `Retry-After` header value; read by core's retry policy. */
  retryAfter?: string;
}

const PERMISSION_HINT =
  'In the Entra admin center, open the app registration > API permissions > Add a permission > "APIs my organization uses" > ' +
  '"Office 365 Exchange Online" > Application permissions > full_access_as_app; then an administrator must click "Grant admin consent".';

const POLICY_HINT =
  'Exchange Online blocks EWS for apps that are not allow-listed (since October 2026) and turns EWS off on 1 April 2027. ' +
  'An Exchange administrator can allow this app for now with `Set-OrganizationConfig -EwsAllowedAppIDs @{Add="<client id>"}` ' +
  '(and check that `EwsEnabled` is not false), but the way forward is Microsoft Graph: set "transport": "graph" in the config.';

interface Mapping {
  /** The code, or a choice by what is known (the same response code can have different causes). */
  code: ErrorCode | ((f: EwsFailure) => ErrorCode);
  message: (f: EwsFailure) => string;
  hint: (f: EwsFailure) => string;
  retryable?: boolean;
}

const BY_RESPONSE_CODE: Record<string, Mapping> = {
  // An app (app-only token) is refused a mailbox when an RBAC for Applications scope or an application
  // access policy leaves it out: the same cause, code and hint as Graph's 403 "Access to OData is
  // disabled". An account (delegated, Basic, NTLM) is refused when it lacks ApplicationImpersonation.
  ErrorImpersonateUserDenied: {
    code: (f) => (f.auth === 'app-only' ? 'MAILBOX_ACCESS_DENIED' : 'EWS_IMPERSONATION_DENIED'),
    message: (f) =>
      f.auth === 'app-only'
        ? `The app may not access the mailbox ${f.mailbox} (ErrorImpersonateUserDenied): an RBAC for Applications scope or an application access policy excludes it.`
        : `The account may not impersonate ${f.mailbox} (ErrorImpersonateUserDenied).`,
    hint: (f) =>
      f.auth === 'app-only'
        ? mailboxScopeHint({ mailbox: f.mailbox, ...(f.clientId ? { clientId: f.clientId } : {}) })
        : 'The account may not impersonate this mailbox: an Exchange administrator must assign it the ApplicationImpersonation role ' +
          "(New-ManagementRoleAssignment -Role ApplicationImpersonation -User <account>, optionally with a management scope that includes the mailbox), or use the account's own mailbox.",
  },
  ErrorNonExistentMailbox: {
    code: 'MAILBOX_NOT_FOUND',
    message: (f) => `The mailbox ${f.mailbox} does not exist (ErrorNonExistentMailbox).`,
    hint: () => 'Check "mailbox" in the config: it must be the primary SMTP address of an existing, licensed mailbox.',
  },
  ErrorNonPrimarySmtpAddress: {
    code: 'MAILBOX_NOT_FOUND',
    message: (f) => `${f.mailbox} is not the primary SMTP address of its mailbox (ErrorNonPrimarySmtpAddress).`,
    hint: () => 'Set "mailbox" to the mailbox\'s primary SMTP address, not an alias.',
  },
  ErrorMailboxMoveInProgress: {
    code: 'SERVICE_UNAVAILABLE',
    message: (f) => `The mailbox ${f.mailbox} is being moved (ErrorMailboxMoveInProgress).`,
    hint: () => 'Try again later; the move usually finishes within hours.',
    retryable: true,
  },
  ErrorAccessDenied: {
    code: 'MAILBOX_ACCESS_DENIED',
    message: (f) => `Access to the mailbox ${f.mailbox} was denied (ErrorAccessDenied${f.operation ? ` in ${f.operation}` : ''}).`,
    hint: (f) =>
      f.auth === 'app-only'
        ? `The app lacks access to this mailbox. Check that full_access_as_app is granted with admin consent. ${mailboxScopeHint({ mailbox: f.mailbox, ...(f.clientId ? { clientId: f.clientId } : {}) })}`
        : 'The signed-in account has no access to this mailbox or folder: grant it Full Access (Add-MailboxPermission) or use its own mailbox.',
  },
  ErrorSendAsDenied: {
    code: 'SEND_AS_DENIED',
    message: () => 'The identity may not send as the From address (ErrorSendAsDenied).',
    hint: () => 'Send from the configured mailbox itself, or ask an Exchange administrator to grant Send As on the From mailbox (Add-RecipientPermission -AccessRights SendAs).',
  },
  ErrorMessageSizeExceeded: {
    code: 'MESSAGE_TOO_LARGE',
    message: () => 'The message exceeds the size limit of the mailbox or organisation (ErrorMessageSizeExceeded).',
    hint: () => 'Send smaller attachments or a link to the file; Exchange Online allows up to 150 MB per message over EWS, Exchange Server often less (maxRequestLength / MaxSendSize).',
  },
  ErrorRequestTooLarge: {
    code: 'MESSAGE_TOO_LARGE',
    message: () => 'The request is larger than the server accepts.',
    hint: () => 'Send smaller attachments or a link to the file.',
  },
  ErrorItemNotFound: {
    code: 'ITEM_NOT_FOUND',
    message: () => 'The message does not exist (ErrorItemNotFound): it may have been moved or deleted.',
    hint: () => 'List the folder again to get current ids; an id changes when a message is moved.',
  },
  ErrorFolderNotFound: {
    code: 'ITEM_NOT_FOUND',
    message: () => 'The folder does not exist (ErrorFolderNotFound).',
    hint: () => 'Use a well-known folder name (inbox, sentitems, drafts, deleteditems, archive, junkemail) or a folder id of this mailbox.',
  },
  ErrorInvalidIdMalformed: {
    code: 'ITEM_NOT_FOUND',
    message: () => 'The id is not a valid EWS id (ErrorInvalidIdMalformed).',
    hint: () => 'Pass an id returned by this transport (EWS ItemId); Graph ids do not work with EWS.',
  },
  ErrorInvalidIdNotAnItemAttachmentId: {
    code: 'ITEM_NOT_FOUND',
    message: () => 'The attachment id is not valid (ErrorInvalidIdNotAnItemAttachmentId).',
    hint: () => 'Fetch the message again to get current attachment ids.',
  },
  ErrorAttachmentNotFound: {
    code: 'ITEM_NOT_FOUND',
    message: () => 'The attachment does not exist.',
    hint: () => 'Fetch the message again to get current attachment ids.',
  },
  ErrorServerBusy: {
    code: 'THROTTLED',
    message: (f) => `Exchange is busy (ErrorServerBusy${f.retryAfterMs !== undefined ? `, back off ${Math.ceil(f.retryAfterMs / 1000)} s` : ''}).`,
    hint: () => 'The mailbox or the app is throttled: lower the request rate or concurrency, or raise retry.maxAttempts / retry.maxDelayMs.',
    retryable: true,
  },
  ErrorExceededConnectionCount: {
    code: 'THROTTLED',
    message: () => 'Too many concurrent connections to the mailbox (ErrorExceededConnectionCount).',
    hint: () => 'Other clients use the same mailbox heavily; reduce parallel work and try again.',
    retryable: true,
  },
  ErrorTooManyObjectsOpened: {
    code: 'THROTTLED',
    message: () => 'Too many objects open on the server (ErrorTooManyObjectsOpened).',
    hint: () => 'Reduce parallel work and try again.',
    retryable: true,
  },
  ErrorMailboxStoreUnavailable: {
    code: 'SERVICE_UNAVAILABLE',
    message: () => 'The mailbox database is unavailable (ErrorMailboxStoreUnavailable).',
    hint: () => 'Try again later.',
    retryable: true,
  },
  ErrorInternalServerTransientError: {
    code: 'SERVICE_UNAVAILABLE',
    message: () => 'Exchange reported a transient internal error.',
    hint: () => 'Try again later.',
    retryable: true,
  },
  ErrorInvalidSyncStateData: {
    code: 'USAGE',
    message: () => 'The sync cursor is not valid for this folder (ErrorInvalidSyncStateData).',
    hint: () => 'Start a fresh sync without a cursor (it reports every message again), and store the cursor per folder.',
  },
  ErrorInvalidRecipients: {
    code: 'INVALID_MESSAGE',
    message: () => 'Exchange rejected the recipients (ErrorInvalidRecipients).',
    hint: () => 'Check the to/cc/bcc addresses.',
  },
  ErrorMimeContentConversionFailed: {
    code: 'INVALID_MESSAGE',
    message: () => 'Exchange could not parse the MIME message (ErrorMimeContentConversionFailed).',
    hint: () => 'Check that the MIME is a valid RFC 5322 message.',
  },
  ErrorInvalidExtendedPropertyValue: {
    code: 'INVALID_MESSAGE',
    message: () => 'Exchange rejected a header value (ErrorInvalidExtendedPropertyValue).',
    hint: () => 'Check the custom headers: names must start with X- and values must be plain text.',
  },
  ErrorQuotaExceeded: {
    code: 'SERVICE_ERROR',
    message: (f) => `The mailbox ${f.mailbox} is over its storage quota (ErrorQuotaExceeded).`,
    hint: () => 'Free space in the mailbox (empty Deleted Items, archive old mail) or raise its quota.',
  },
  // A refusal before anything was done (so never "may have taken effect", never retried): the
  // request holds an element the schema of its RequestServerVersion lacks — an ews.version newer
  // than the server, or a mailbridge bug.
  ErrorSchemaValidation: {
    code: 'SERVICE_ERROR',
    message: (f) => `Exchange refused the ${f.operation ?? 'EWS'} request as not valid for its schema (ErrorSchemaValidation)${f.serverMessage ? `: ${f.serverMessage}` : ''}.`,
    hint: () => 'Set "ews.version" to the version of your Exchange server (a server refuses elements of later schema versions); if it already is, this is a mailbridge bug: report it with the --verbose output.',
  },
  ErrorInvalidServerVersion: {
    code: 'CONFIG_INVALID',
    message: () => 'The server does not support the requested EWS version (ErrorInvalidServerVersion).',
    hint: () => 'Set "ews.version" to the version of your Exchange server or older, e.g. "Exchange2013_SP1" or "Exchange2010_SP2".',
  },
};

function fromHttpStatus(f: EwsFailure): MailbridgeError | undefined {
  const diagnostics = f.diagnostics ?? '';
  if (f.status === 401) {
    if (/no permissions|2000008/i.test(diagnostics)) {
      return make(f, 'AUTH_MISSING_PERMISSION', 'Exchange rejected the token: it contains no permissions (x-ms-diagnostics 2000008).', PERMISSION_HINT);
    }
    if (/audience|2000003/i.test(diagnostics)) {
      return make(f, 'AUTH_WRONG_AUDIENCE', 'Exchange rejected the token: it was issued for another API.', 'Check "endpoints.ews" and "cloud": the EWS token must be for the Exchange Online resource of the same cloud.');
    }
    if (f.auth === 'basic' || f.auth === 'ntlm') {
      return make(
        f,
        'AUTH_FAILED',
        `Exchange rejected the ${f.auth === 'ntlm' ? 'NTLM' : 'Basic'} credentials (401).`,
        'Check auth.username (user@domain or DOMAIN\\user with auth.domain), auth.password, and that this authentication method is enabled on the EWS virtual directory.',
      );
    }
    return make(f, 'AUTH_FAILED', `Exchange rejected the access token (401${diagnostics ? `: ${diagnostics}` : ''}).`, 'Run `mailbridge doctor`: it checks the token, its roles (full_access_as_app for app-only EWS) and the mailbox.');
  }
  if (f.status === 403) {
    // Exchange Online explains its organisation-wide EWS block in x-ms-diagnostics; a bare 403 to an
    // app may also be an application access policy or RBAC for Applications scope.
    const scope = f.auth === 'app-only' && !diagnostics ? ` A bare 403 can also mean the mailbox is outside the app's scope: ${mailboxScopeHint({ mailbox: f.mailbox, ...(f.clientId ? { clientId: f.clientId } : {}) })}` : '';
    return make(f, 'EWS_BLOCKED_BY_POLICY', `EWS refused the request (403)${f.serverMessage ? `: ${f.serverMessage}` : ''}.`, POLICY_HINT + scope);
  }
  if (f.status === 413) {
    return make(f, 'MESSAGE_TOO_LARGE', 'The request is larger than the server accepts (413).', BY_RESPONSE_CODE.ErrorRequestTooLarge!.hint(f));
  }
  if (f.status === 429) {
    return make(f, 'THROTTLED', 'Exchange throttled the requests (429).', BY_RESPONSE_CODE.ErrorServerBusy!.hint(f), true);
  }
  if (f.status !== undefined && f.status >= 500) {
    return make(
      f,
      'SERVICE_UNAVAILABLE',
      `Exchange answered ${f.status}${f.serverMessage ? ` (${f.serverMessage})` : ''}.`,
      'The server is unavailable or overloaded; try again later. If it persists, check the service health of Exchange.',
      true,
    );
  }
  return undefined;
}

function make(f: EwsFailure, code: ErrorCode, message: string, hint: string, retryable = false): MailbridgeError {
  return new MailbridgeError({
    code,
    message,
    hint,
    retryable,
    details: {
      ...(f.status !== undefined ? { status: f.status } : {}),
      ...(f.responseCode ? { serviceCode: f.responseCode } : {}),
      ...(f.operation ? { operation: f.operation } : {}),
      ...(f.requestId ? { requestId: f.requestId } : {}),
      ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
      ...(f.retryAfter !== undefined ? { retryAfter: f.retryAfter } : {}),
    },
  });
}

/** Turns what is known of a failed EWS exchange into a MailbridgeError with a stable code and a hint. */
export function mapEwsError(failure: EwsFailure): MailbridgeError {
  const mapping = failure.responseCode ? BY_RESPONSE_CODE[failure.responseCode] : undefined;
  if (mapping) {
    const code = typeof mapping.code === 'function' ? mapping.code(failure) : mapping.code;
    return make(failure, code, mapping.message(failure), mapping.hint(failure), mapping.retryable);
  }
  const byStatus = fromHttpStatus(failure);
  if (byStatus) return byStatus;
  const code = failure.responseCode ?? 'unknown';
  return make(
    failure,
    'SERVICE_ERROR',
    `EWS ${failure.operation ?? 'request'} failed: ${code}${failure.serverMessage ? ` (${failure.serverMessage})` : ''}.`,
    'See the EWS response code in the Exchange documentation; run with --verbose for details.',
  );
}

/**
 * Maps an error thrown by ews-javascript-api (a `ServiceResponseException` for a ResponseMessage
 * with ResponseClass="Error", or anything else it raises while parsing) to a MailbridgeError.
 */
export function mapLibraryError(error: unknown, base: Omit<EwsFailure, 'responseCode' | 'serverMessage'>): MailbridgeError {
  if (MailbridgeError.isInstance(error)) return error;
  const candidate = error as { ErrorCode?: unknown; Response?: { ErrorCode?: unknown; ErrorMessage?: string }; message?: string; Message?: string };
  const numeric = typeof candidate?.ErrorCode === 'number' ? candidate.ErrorCode : typeof candidate?.Response?.ErrorCode === 'number' ? candidate.Response.ErrorCode : undefined;
  if (numeric !== undefined) {
    // Only the library raises numeric codes, so it is loaded already.
    const responseCode = (ewsLibrary().ServiceError as unknown as Record<number, string>)[numeric];
    return mapEwsError({ ...base, responseCode, serverMessage: candidate.Response?.ErrorMessage ?? candidate.message });
  }
  const message = error instanceof Error ? error.message : String(candidate?.Message ?? candidate?.message ?? error);
  return new MailbridgeError({
    code: 'INVALID_RESPONSE',
    message: `EWS ${base.operation ?? 'request'}: the response could not be read (${message}).`,
    hint: 'The server answered something that is not a valid EWS response; check endpoints.ews points at /EWS/Exchange.asmx of an Exchange server.',
    cause: error,
  });
}
