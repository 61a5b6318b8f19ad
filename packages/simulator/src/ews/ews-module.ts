import type { ApiModule, SimRequest, SimResponse } from '../server/http-types.js';
import type { Mailbox } from '../state/mailbox.js';
import type { FaultSpec } from '../types.js';
import type { EwsPrincipal } from './auth/ews-auth.js';
import { EwsAuthenticator } from './auth/ews-auth.js';
import { EWS_MESSAGES, EwsError } from './ews-error.js';
import type { EwsLogFields, EwsModuleOptions } from './ews-options.js';
import { DEFAULT_EWS_THROTTLING, EwsThrottle } from './ews-throttle.js';
import { actingMailbox } from './impersonation.js';
import { createAttachment } from './operations/create-attachment.js';
import { createItem } from './operations/create-item.js';
import { deleteItem } from './operations/delete-item.js';
import { findItem } from './operations/find-item.js';
import { getAttachment } from './operations/get-attachment.js';
import { getFolder } from './operations/get-folder.js';
import { getItem } from './operations/get-item.js';
import { moveItem } from './operations/move-item.js';
import type { OperationContext } from './operations/operation-context.js';
import { getEvents, PullSubscriptions, subscribe, unsubscribe } from './operations/pull-subscriptions.js';
import { sendItem } from './operations/send-item.js';
import { syncFolderItems } from './operations/sync-folder-items.js';
import { updateItem } from './operations/update-item.js';
import { effectiveRequestVersion } from './soap/request-version.js';
import { failure, responseBody } from './soap/response-messages.js';
import type { SoapRequest } from './soap/soap-request.js';
import { readSoapRequest } from './soap/soap-request.js';
import { ONLINE_SERVER_VERSION, ONPREM_SERVER_VERSION, soapEnvelope, soapFault } from './soap/soap-response.js';
import type { XNode } from './xml/xml-node.js';
import { child, NS } from './xml/xml-node.js';
import { esc } from './xml/xml-writer.js';
import { exchangeVersions, type SchemaProblem, validateSoap } from './xsd-validator.js';

type Operation = (ctx: OperationContext, op: XNode) => Promise<string>;

/** The operations the simulator implements, by Body element name. */
const OPERATIONS: Record<string, Operation> = {
  GetFolder: getFolder,
  FindItem: findItem,
  GetItem: getItem,
  CreateItem: createItem,
  CreateAttachment: createAttachment,
  SendItem: sendItem,
  UpdateItem: updateItem,
  MoveItem: moveItem,
  DeleteItem: deleteItem,
  SyncFolderItems: syncFolderItems,
  GetAttachment: getAttachment,
  Subscribe: subscribe,
  GetEvents: getEvents,
  Unsubscribe: unsubscribe,
};

const EWS_PATH = '/ews/exchange.asmx';
/** Exchange Online's default MaxSendSize. */
const DEFAULT_MAX_MESSAGE_BYTES = 35 * 1024 * 1024;

function xmlResponse(status: number, body: string, log: EwsLogFields): SimResponse {
  return { status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body, log: toLog(log) };
}

function toLog(fields: EwsLogFields): NonNullable<SimResponse['log']> {
  return {
    ...(fields.clientId ? { clientId: fields.clientId } : {}),
    ...(fields.ewsOperation ? { ewsOperation: fields.ewsOperation } : {}),
    ...(fields.schemaValid !== undefined ? { schemaValid: fields.schemaValid } : {}),
    ...(fields.schemaErrors ? { schemaErrors: fields.schemaErrors } : {}),
    ...(fields.notes && fields.notes.length > 0 ? { notes: fields.notes } : {}),
  };
}

/** Exchange's texts for the codes an `ews-error` fault is usually given. */
const INJECTED_TEXTS: Record<string, string> = {
  ErrorInternalServerError: 'An internal server error occurred. The operation failed.',
  ErrorQuotaExceededOnDelete: 'Cannot delete message because the folder is out of quota.',
  ErrorQuotaExceeded: 'The mailbox quota has been exceeded.',
};

/**
 * The answer of an injected `ews-error` fault: one error response message per item the request
 * names (ItemIds / Items), with the inner error in MessageXml as Exchange writes it.
 */
function injectedErrorBody(operationName: string, op: XNode, spec: Extract<FaultSpec, { kind: 'ews-error' }>): string {
  const values: Record<string, string> | undefined = spec.innerResponseCode
    ? {
        InnerErrorMessageText: spec.innerMessageText ?? INJECTED_TEXTS[spec.innerResponseCode] ?? spec.innerResponseCode,
        InnerErrorResponseCode: spec.innerResponseCode,
        InnerErrorDescriptiveLinkKey: '0',
      }
    : undefined;
  const error = new EwsError(spec.responseCode, spec.messageText ?? INJECTED_TEXTS[spec.responseCode] ?? spec.responseCode, 'message', values);
  const list = child(op, NS.messages, 'ItemIds') ?? child(op, NS.messages, 'Items') ?? child(op, NS.messages, 'AttachmentIds');
  const count = Math.max(1, Math.min(list?.children.length ?? 1, 1000));
  return responseBody(
    operationName,
    Array.from({ length: count }, () => failure(error)),
  );
}

/**
 * Whose budget a request spends: the caller's own, or, when it impersonates (app-only tokens always
 * do), the caller's budget for that mailbox, which Exchange keeps apart from the user's.
 */
function budgetOwner(principal: EwsPrincipal, soap: SoapRequest, mailbox: Mailbox): string {
  const caller = principal.kind === 'app' ? `app:${principal.clientId ?? ''}` : `user:${principal.user?.mail.toLowerCase() ?? ''}`;
  return principal.kind === 'app' || soap.impersonation ? `${caller}|${mailbox.address}` : caller;
}

/** Exchange's text for ErrorExceededConnectionCount (as the EWS Managed API's ServiceError documents it). */
const EXCEEDED_CONNECTION_COUNT = 'You have exceeded the available concurrent connections for your account.  Try again once your other requests have completed.';

function describe(problem: SchemaProblem): string {
  return `line ${problem.line}, position ${problem.position}: ${problem.message}`;
}

/** The fault Exchange sends for a request that does not validate: HTTP 500, a:ErrorSchemaValidation, line and position. */
function schemaFault(problem: SchemaProblem | undefined, fallback: string): string {
  const violation = problem ? `${problem.message} Line ${problem.line}, position ${problem.position}.` : fallback;
  return soapFault('ErrorSchemaValidation', `The request failed schema validation: ${violation}`, EWS_MESSAGES.ErrorSchemaValidation, {
    elements: [
      ['LineNumber', String(problem?.line ?? 1)],
      ['LinePosition', String(problem?.position ?? 1)],
      ['Violation', violation],
    ],
  });
}

/** SOAP 1.1's own fault for an envelope in another namespace (SOAP 1.2, or the docs' https:// typo). */
function versionMismatchFault(namespace: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault>` +
    '<faultcode>s:VersionMismatch</faultcode>' +
    `<faultstring xml:lang="en-US">${esc(`The SOAP envelope namespace '${namespace}' is not SOAP 1.1 (${NS.soap}).`)}</faultstring>` +
    '</s:Fault></s:Body></s:Envelope>'
  );
}

/**
 * The EWS endpoint (`POST /EWS/Exchange.asmx`) of the simulated Exchange Online or Exchange Server:
 * authentication, SOAP envelope and XSD validation, impersonation, throttling faults, and the mail
 * operations on the shared store. Mounted by the simulator's server next to Entra and Graph.
 */
export function createEwsModule(options: EwsModuleOptions): ApiModule {
  const auth = new EwsAuthenticator(options.directory, options.store, options.tokens, options.mode);
  const version = options.mode === 'online' ? ONLINE_SERVER_VERSION : ONPREM_SERVER_VERSION;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const subscriptions = new PullSubscriptions();
  const throttle = new EwsThrottle({ ...DEFAULT_EWS_THROTTLING, ...options.throttling });
  // The schemas compile on the first EWS request (about half a second, once per process), so
  // simulators that only serve Graph never pay for it; preloadEwsSchema() does it ahead of time.

  async function handle(request: SimRequest): Promise<SimResponse> {
    const log: EwsLogFields = {};
    const fault = (error: EwsError): SimResponse => xmlResponse(500, soapFault(error.code, error.message, error.message, error.values ? { values: error.values } : undefined), log);

    const outcome = auth.authenticate(request);
    if (!outcome.ok) {
      if (outcome.clientId) log.clientId = outcome.clientId;
      if ('error' in outcome) return fault(outcome.error);
      return { ...outcome.response, log: toLog(log) };
    }
    const principal = outcome.principal;
    if (principal.clientId) log.clientId = principal.clientId;
    if (request.method === 'GET') {
      // What IIS shows an authenticated browser (and what an NTLM handshake by GET ends on).
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>You have created a service.</body></html>', log: toLog(log) };
    }

    const text = request.body.toString('utf8');
    const parsed = readSoapRequest(text);
    let problems: SchemaProblem[] = [];
    if (options.validate) {
      // Against the schema of the version the request targets, as Exchange validates it.
      const result = validateSoap(request.body, parsed.ok ? { version: effectiveRequestVersion(parsed.request.requestServerVersion) } : {});
      log.schemaValid = result.valid;
      if (!result.valid) {
        problems = result.problems;
        log.schemaErrors = problems.map(describe);
      }
    }
    if (parsed.ok) log.ewsOperation = parsed.request.operation.name;
    else if (parsed.problem.kind === 'version-mismatch') return xmlResponse(500, versionMismatchFault(parsed.problem.namespace), log);

    const requested = parsed.ok ? parsed.request.requestServerVersion : undefined;
    if (requested !== undefined && !exchangeVersions().has(requested)) {
      return fault(new EwsError('ErrorInvalidServerVersion', EWS_MESSAGES.ErrorInvalidServerVersion, 'fault'));
    }
    if (problems.length > 0) return xmlResponse(500, schemaFault(problems[0], 'The request is not valid.'), log);
    if (!parsed.ok) {
      const message = parsed.problem.kind === 'not-xml' ? parsed.problem.message : 'message' in parsed.problem ? parsed.problem.message : '';
      log.schemaValid = false;
      log.schemaErrors = [message];
      return xmlResponse(500, schemaFault(undefined, message), log);
    }
    const soap = parsed.request;
    const operationName = soap.operation.name;
    const operation = soap.operation.ns === NS.messages ? OPERATIONS[operationName] : undefined;

    const busy = options.faults.take('ews-server-busy', { api: 'ews', path: request.url.pathname });
    if (busy) {
      return fault(new EwsError('ErrorServerBusy', EWS_MESSAGES.ErrorServerBusy, 'fault', { BackOffMilliseconds: String(busy.backOffMs) }));
    }
    const injected = operation && options.faults.take('ews-error', { api: 'ews', path: request.url.pathname }, (spec) => spec.operation === undefined || spec.operation === operationName);
    if (injected) return xmlResponse(200, soapEnvelope(injectedErrorBody(operationName, soap.operation, injected), version), log);
    if (!operation) {
      return fault(new EwsError('ErrorInvalidOperation', `The operation '${operationName}' is not implemented by the mailbridge simulator.`, 'fault'));
    }
    try {
      const notes: string[] = [];
      const anchor = request.headers['x-anchormailbox'];
      const mailbox = actingMailbox(options.store, principal, soap, notes, Array.isArray(anchor) ? anchor[0] : anchor);
      log.notes = notes;
      const admitted = throttle.enter(budgetOwner(principal, soap, mailbox));
      if (!admitted.ok) {
        if (admitted.reason === 'concurrency') {
          notes.push(`throttled: EWSMaxConcurrency ${admitted.limit}`);
          return fault(
            new EwsError('ErrorExceededConnectionCount', EXCEEDED_CONNECTION_COUNT, 'fault', {
              Policy: 'MaxConcurrency',
              MaxConcurrencyLimit: String(admitted.limit),
              ErrorMessage: `This operation exceeds the throttling budget for policy part 'MaxConcurrency', policy value '${admitted.limit}',  Budget type: 'Ews'.  Suggested backoff time 0 ms.`,
            }),
          );
        }
        notes.push(`throttled: budget below EwsCutoffBalance, back off ${admitted.backOffMs} ms`);
        return fault(new EwsError('ErrorServerBusy', EWS_MESSAGES.ErrorServerBusy, 'fault', { BackOffMilliseconds: String(admitted.backOffMs) }));
      }
      const started = performance.now();
      let body: string;
      try {
        // An injected latency is spent inside the connection, as a slow request holds its slot.
        const latency = options.faults.empty ? undefined : options.faults.take('latency', { api: 'ews', path: request.url.pathname });
        if (latency) await new Promise((resolve) => setTimeout(resolve, latency.ms));
        body = await operation({ state: options.store, principal, mailbox, maxMessageBytes, subscriptions, requestVersion: effectiveRequestVersion(requested) }, soap.operation);
      } finally {
        admitted.done(performance.now() - started);
      }
      const envelope = soapEnvelope(body, version);
      if (options.validate) {
        const check = validateSoap(envelope);
        log.responseSchemaValid = check.valid;
        // A response that does not validate is a simulator bug: make it loud in the log.
        if (!check.valid) log.schemaErrors = [...(log.schemaErrors ?? []), ...check.problems.map((p) => `response ${describe(p)}`)];
      }
      const response = xmlResponse(200, envelope, log);
      // Notes go to the request log (LoggedRequest.notes); the header is kept for clients that read it.
      if (notes.length > 0) response.headers!['x-simulator-note'] = notes.join('; ');
      return response;
    } catch (error) {
      if (error instanceof EwsError) return fault(error);
      throw error;
    }
  }

  return {
    name: 'ews',
    appliesFaults: ['latency'],
    matches(request: SimRequest): boolean {
      return (request.method === 'POST' || request.method === 'GET') && request.url.pathname.toLowerCase() === EWS_PATH;
    },
    handle,
    errorResponse(status: number, _request: SimRequest, errorOptions: { retryAfterSeconds?: number; message?: string }): SimResponse {
      // Exchange's front end answers transport-level errors with a bare HTML page, not SOAP.
      const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' };
      if (errorOptions.retryAfterSeconds !== undefined) headers['retry-after'] = String(errorOptions.retryAfterSeconds);
      return { status, headers, body: `<html><body>${esc(errorOptions.message ?? `HTTP ${status}`)}</body></html>` };
    },
  };
}
