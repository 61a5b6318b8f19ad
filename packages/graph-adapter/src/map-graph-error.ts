import { type ErrorCode, type ErrorDetails, MailbridgeError, mailboxScopeHint } from '@mailbridge/core';
import type { GraphErrorBody } from './graph-api.js';

/** What the adapter was doing when Graph refused: it decides which permission a 403 is about. */
export type GraphOperation = 'send' | 'send-large' | 'read' | 'write' | 'probe' | 'upload';

/** Facts about the failed call that make the message and hint precise. Never holds a token. */
export interface GraphErrorContext {
  operation: GraphOperation;
  mailbox: string;
  /** The app's client id (from the token's claims), for the PowerShell checks in hints. */
  clientId?: string;
  /** `app-only` tokens carry roles (application permissions), delegated ones scopes. */
  tokenKind?: 'app-only' | 'delegated';
  /** The address a send used as `from`, for ErrorSendAsDenied. */
  from?: string;
}

const PERMISSION_FOR: Record<GraphOperation, string> = {
  send: 'Mail.Send',
  'send-large': 'Mail.ReadWrite',
  read: 'Mail.Read (or Mail.ReadWrite)',
  write: 'Mail.ReadWrite',
  probe: 'Mail.Read (or Mail.ReadWrite)',
  upload: 'Mail.ReadWrite',
};

/** Reads the request ids Graph puts in its response headers and error body, for support. */
function supportDetails(status: number, body: GraphErrorBody | undefined, headers: Headers | undefined): ErrorDetails {
  const details: ErrorDetails = { status };
  const code = body?.error?.code;
  if (code !== undefined) details.serviceCode = code;
  const requestId = headers?.get('request-id') ?? body?.error?.innerError?.['request-id'];
  const clientRequestId = headers?.get('client-request-id') ?? body?.error?.innerError?.['client-request-id'];
  if (requestId) details.requestId = requestId;
  if (clientRequestId) details.clientRequestId = clientRequestId;
  return details;
}

function permissionHint(context: GraphErrorContext): string {
  const permission = PERMISSION_FOR[context.operation];
  const kind = context.tokenKind === 'delegated' ? 'a delegated' : 'an application';
  const large = context.operation === 'send-large' ? 'Attachments too large to go inline are uploaded to a draft first, and that needs Mail.ReadWrite, not only Mail.Send. ' : '';
  return (
    `${large}Add ${permission} as ${kind} permission of the app (Entra admin center > App registrations > your app > ` +
    'API permissions > Add a permission > Microsoft Graph), then an administrator must click "Grant admin consent". ' +
    'New permissions reach new tokens only: wait a few minutes and retry.'
  );
}

function scopeHint(context: GraphErrorContext): string {
  return mailboxScopeHint({ mailbox: context.mailbox, ...(context.clientId ? { clientId: context.clientId } : {}) });
}

/** True when a 403's message says an access policy / RBAC scope blocked the mailbox rather than a missing permission. */
function isScopeDenial(message: string): boolean {
  return /access ?policy|OData is disabled|RBAC|management scope|not in scope|outside.*scope/i.test(message);
}

/**
 * Turns a Graph error response into a {@link MailbridgeError} with one of core's stable codes and a
 * hint that says what to do. `request-id` and `client-request-id` stay in `details` for support.
 */
export function mapGraphError(status: number, body: unknown, headers: Headers | undefined, context: GraphErrorContext): MailbridgeError {
  const errorBody = typeof body === 'object' && body !== null ? (body as GraphErrorBody) : undefined;
  const serviceCode = errorBody?.error?.code ?? '';
  const serviceMessage = errorBody?.error?.message ?? '';
  const details = supportDetails(status, errorBody, headers);
  const said = serviceMessage ? ` Graph said: ${serviceCode ? `${serviceCode}: ` : ''}${serviceMessage}` : serviceCode ? ` (${serviceCode})` : '';
  const make = (code: ErrorCode, message: string, hint: string, retryable = false): MailbridgeError => new MailbridgeError({ code, message: `${message}${said}`, hint, details, retryable });

  if (serviceCode === 'MailboxNotEnabledForRESTAPI' || serviceCode === 'MailboxNotSupportedForRESTAPI') {
    return make(
      'MAILBOX_NOT_ENABLED_FOR_REST',
      `The mailbox ${context.mailbox} cannot be used through Microsoft Graph.`,
      'The mailbox is inactive, soft-deleted, has no Exchange Online license, or is hosted on an on-premises Exchange ' +
        'server. Check it in the Exchange admin center; for an on-premises mailbox use transport "ews" with the server\'s EWS URL.',
    );
  }
  if (serviceCode === 'ErrorSendAsDenied') {
    const from = context.from ?? 'the From address';
    return make(
      'SEND_AS_DENIED',
      `${context.mailbox} may not send as ${from}.`,
      `Grant Send As on ${from} to the sending identity (Exchange admin center > Recipients > the mailbox > Delegation > ` + 'Send as), or leave "from" unset to send as the configured mailbox. Changes can take up to an hour to apply.',
    );
  }
  if (status === 413 || serviceCode === 'ErrorMessageSizeExceeded' || serviceCode === 'RequestEntityTooLarge') {
    return make(
      'MESSAGE_TOO_LARGE',
      'The message is larger than the service accepts.',
      "Exchange Online accepts messages up to the mailbox's MaxSendSize (35 MB by default, 150 MB at most) and " + 'attachments up to 150 MB. Send fewer or smaller attachments, or share a link instead.',
    );
  }
  if (serviceCode === 'ErrorInvalidUser' || serviceCode === 'ErrorNonExistentMailbox' || serviceCode === 'ResourceNotFound' || serviceCode === 'MailboxNotFound') {
    return make('MAILBOX_NOT_FOUND', `The mailbox ${context.mailbox} was not found.`, 'Check "mailbox" in the config: it must be the primary SMTP address (or UPN) of a licensed mailbox in the ' + "app's tenant.");
  }
  if (serviceCode === 'ErrorItemNotFound' || serviceCode === 'ErrorInvalidIdMalformed' || (status === 404 && context.operation !== 'probe')) {
    return make('ITEM_NOT_FOUND', 'The message or folder does not exist (it may have been moved or deleted).', 'Message ids change when a message moves: use the id returned by move(), or list the folder again.');
  }
  if (status === 404) {
    return make('MAILBOX_NOT_FOUND', `The mailbox ${context.mailbox} or its folder was not found.`, 'Check "mailbox" in the config: it must be the primary SMTP address of a mailbox in the app\'s tenant.');
  }
  if (status === 401) {
    if (/audience/i.test(serviceMessage)) {
      return make(
        'AUTH_WRONG_AUDIENCE',
        'Microsoft Graph rejected the access token: it was issued for another API.',
        'The token\'s audience (aud) must be Microsoft Graph of the mailbox\'s cloud. Check "cloud" and ' + '"endpoints" in the config: a token for EWS (outlook.office365.com) or another national cloud does not work here.',
      );
    }
    return make('AUTH_FAILED', 'Microsoft Graph rejected the access token.', 'Run `mailbridge token` to inspect the token (aud, tid, roles, exp) and `mailbridge doctor` to check the setup.');
  }
  if (status === 403 || serviceCode === 'ErrorAccessDenied' || serviceCode === 'Authorization_RequestDenied') {
    if (isScopeDenial(serviceMessage)) {
      return make('MAILBOX_ACCESS_DENIED', `The app may not access the mailbox ${context.mailbox}: an RBAC for Applications scope or an application access policy excludes it.`, scopeHint(context));
    }
    const permission = PERMISSION_FOR[context.operation];
    return make(
      'AUTH_MISSING_PERMISSION',
      `Access denied to ${context.mailbox}: the token lacks ${permission}` + (context.operation === 'send-large' ? ' (needed to upload large attachments).' : '.'),
      `${permissionHint(context)} If the app already has it, an RBAC for Applications scope may exclude the mailbox: check with ` +
        `\`Test-ServicePrincipalAuthorization -Identity ${context.clientId ?? '<client id>'} -Resource ${context.mailbox}\` ` +
        '(changes take from 30 minutes to 2 hours to apply).',
    );
  }
  if (status === 429) {
    return make(
      'THROTTLED',
      'Microsoft Graph kept throttling the requests and the retry budget ran out.',
      'Send less often, or raise retry.maxDelayMs / retry.maxAttempts in the config. Graph allows 4 concurrent ' + 'requests and about 10,000 requests per 10 minutes per app and mailbox.',
      true,
    );
  }
  if (status >= 500) {
    return make(
      'SERVICE_UNAVAILABLE',
      `Microsoft Graph answered ${status} and the retry budget ran out.`,
      'The service is having trouble; try again later. Check https://status.cloud.microsoft or the Microsoft 365 ' + 'admin center > Health > Service health.',
      true,
    );
  }
  if (status === 400 && /Recipient|InternetHeader|InvalidInternetMessageHeader|ErrorInvalidProperty/i.test(serviceCode)) {
    return make('INVALID_MESSAGE', 'Microsoft Graph rejected the message.', 'Check the addresses and headers of the message.');
  }
  return make('SERVICE_ERROR', `Microsoft Graph answered ${status}.`, 'Run `mailbridge doctor`; if the problem stays, report it with the request-id from --verbose output.');
}

/** An answer that is not what Graph documents (malformed JSON, missing fields). */
export function invalidGraphResponse(what: string, status: number, headers?: Headers, cause?: unknown): MailbridgeError {
  return new MailbridgeError({
    code: 'INVALID_RESPONSE',
    message: `Microsoft Graph sent an invalid response: ${what}.`,
    hint: 'Check that endpoints.graph points at Microsoft Graph (and not at a proxy or captive portal page).',
    details: supportDetails(status, undefined, headers),
    cause,
  });
}
