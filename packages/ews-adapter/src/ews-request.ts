import { type Logger, MailbridgeError, type RetryPolicy, SENT_ITEMS_LOOK_DELAYS_MS, sharedSemaphore, silentLogger, type TransportCapabilities } from '@mailbridge/core';
import type { ExchangeService, FolderId } from 'ews-javascript-api';
import { ewsCapabilities } from './ews-capabilities.js';
import { createLibraryService, ewsLibrary } from './ews-library.js';
import { EWS_VERSION_NAMES, type EwsTransportOptions } from './ews-transport-options.js';
import { EwsXhr } from './ews-xhr.js';
import { callContext, type EwsCallContext } from './http/call-context.js';
import { type EwsFailure, mapEwsError, mapLibraryError } from './map-ews-error.js';
import { firstResponseMessage } from './soap-envelope.js';
import { escapeXmlAttribute } from './xml/escape-xml.js';

const MiB = 1024 * 1024;

/**
 * Exchange Online's default MaxSendSize is 35 MB (an administrator can raise it to 150 MB: then set
 * `maxMessageBytes`).
 */
const DEFAULT_MAX_MESSAGE_BYTES = 35 * MiB;

/** Well-known folder names of mailbridge → the library's `WellKnownFolderName` members. */
const WELL_KNOWN: Record<string, 'Inbox' | 'SentItems' | 'Drafts' | 'DeletedItems' | 'JunkEmail' | 'Outbox' | 'ArchiveMsgFolderRoot'> = {
  inbox: 'Inbox',
  sentitems: 'SentItems',
  drafts: 'Drafts',
  deleteditems: 'DeletedItems',
  junkemail: 'JunkEmail',
  outbox: 'Outbox',
  archive: 'ArchiveMsgFolderRoot',
};

/** How a call may be repeated by the HTTP layer. */
export type EwsRetry = EwsCallContext['retry'];

/** The transport's settings, with their defaults applied. */
export interface EwsSettings {
  pageSize: number;
  batchSize: number;
  inlineLimit: number;
  versionName: string;
  impersonate: boolean;
  deployment: 'online' | 'onprem';
  /** The mailbox's MaxSendSize. */
  maxMessageBytes: number;
  /** Waits before each look in Sent Items after a send whose outcome is unknown. */
  confirmDelaysMs: readonly number[];
}

/**
 * What every EWS operation of one transport shares: hand-written SOAP requests on core's HTTP layer,
 * the library's service on the same layer (created on first use: sending never needs it), the
 * identity's concurrency limiter, error context, and whether the transport is closed.
 */
export class EwsRequester {
  readonly mailbox: string;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly settings: EwsSettings;
  readonly capabilities: TransportCapabilities;
  private readonly xhr: EwsXhr;
  private readonly releaseSemaphore: () => void;
  private libraryService?: ExchangeService;
  private closed = false;

  constructor(private readonly options: EwsTransportOptions) {
    this.mailbox = options.mailbox;
    this.retry = options.retry;
    this.logger = options.logger ?? silentLogger;
    const auth = options.authentication;
    const onPremAuth = auth.kind === 'basic' || auth.kind === 'ntlm';
    const appOnly = auth.kind === 'bearer' && auth.tokenProvider.kind === 'app-only';
    this.settings = {
      deployment: options.deployment ?? (onPremAuth ? 'onprem' : 'online'),
      versionName: options.version ?? (onPremAuth ? 'Exchange2013_SP1' : 'Exchange2016'),
      impersonate: options.impersonate ?? appOnly,
      pageSize: options.pageSize ?? 200,
      batchSize: options.batchSize ?? 50,
      inlineLimit: options.inlineAttachmentLimitBytes ?? 4 * MiB,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      confirmDelaysMs: options.confirmDelaysMs ?? SENT_ITEMS_LOOK_DELAYS_MS,
    };
    this.capabilities = ewsCapabilities(this.settings.maxMessageBytes);
    const { versionName, impersonate } = this.settings;
    if (!(EWS_VERSION_NAMES as readonly string[]).includes(versionName)) {
      throw new MailbridgeError({ code: 'CONFIG_INVALID', message: `ews.version: unknown EWS version "${versionName}".`, hint: 'Use a name such as "Exchange2016" or "Exchange2013_SP1".', details: { path: 'ews.version' } });
    }
    const principal = auth.kind === 'bearer' ? `oauth:${auth.tokenProvider.kind}` : `${auth.kind}:${auth.domain ?? ''}\\${auth.username}`;
    // Microsoft advises at most 10 concurrent EWS requests per identity (more are refused with
    // ErrorServerBusy): one semaphore per EWS URL, who authenticates and mailbox, across transports.
    const shared = sharedSemaphore(`ews|${options.url}|${principal}|${this.mailbox.toLowerCase()}`, options.maxConcurrency ?? 10);
    this.releaseSemaphore = shared.release;

    this.xhr = new EwsXhr({
      http: options.http,
      authentication: auth.kind === 'ntlm' && options.ntlmCaPem ? { ...auth, caPem: options.ntlmCaPem } : auth,
      mailbox: this.mailbox,
      anchorMailbox: impersonate,
      authKind: auth.kind === 'bearer' ? (appOnly ? 'app-only' : 'delegated') : auth.kind,
      limiter: shared.semaphore,
      retry: options.retry,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      onRetry: (event) => options.logger?.debug('EWS request retried', event),
    });
  }

  /**
   * ews-javascript-api's service on this transport's HTTP layer, for the operations that still use
   * the library (receive, sync, move, probe). Created, and the library loaded, on first use.
   */
  get service(): ExchangeService {
    this.libraryService ??= createLibraryService({
      url: this.options.url,
      versionName: this.settings.versionName,
      userAgent: this.options.http.userAgent,
      ...(this.settings.impersonate ? { impersonate: this.mailbox } : {}),
      xhr: this.xhr,
    });
    return this.libraryService;
  }

  assertOpen(): void {
    if (this.closed) throw new MailbridgeError({ code: 'USAGE', message: 'The EWS transport is closed.', hint: 'Create a new transport; close() ends its use.' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releaseSemaphore();
    this.xhr.close();
  }

  failureBase(operation: string): Omit<EwsFailure, 'responseCode' | 'serverMessage'> {
    const auth = this.options.authentication;
    return {
      auth: auth.kind === 'bearer' ? (auth.tokenProvider.kind === 'app-only' ? 'app-only' : 'delegated') : auth.kind,
      mailbox: this.mailbox,
      ...(this.xhr.clientId ? { clientId: this.xhr.clientId } : {}),
      operation,
    };
  }

  /**
   * Runs one library call with its retry kind and signal handed to the HTTP layer, and turns any
   * failure into a MailbridgeError (the HTTP layer's own, or the library's response error mapped).
   */
  async call<T>(retry: EwsRetry, signal: AbortSignal | undefined, operation: string, run: () => Promise<T>): Promise<T> {
    const context: EwsCallContext = { retry, logger: this.logger, ...(signal ? { signal } : {}) };
    try {
      return await callContext.run(context, run);
    } catch (error) {
      throw context.error ?? mapLibraryError(error, this.failureBase(operation));
    }
  }

  /** Posts a hand-written request through the same HTTP layer and checks its first response message. */
  async raw(retry: EwsRetry, signal: AbortSignal | undefined, operation: string, body: string | (() => ReadableStream<Uint8Array>)): Promise<string> {
    const response = await this.xhr.post(this.options.url, body, { retry, ...(signal ? { signal } : {}) }, operation);
    const first = firstResponseMessage(response.text);
    if (first.responseClass === 'Error') {
      throw mapEwsError({ ...this.failureBase(operation), ...(first.responseCode ? { responseCode: first.responseCode } : {}), ...(first.messageText ? { serverMessage: first.messageText } : {}) });
    }
    if (!first.responseClass) {
      throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: `EWS ${operation}: the response has no response message.`, hint: 'Check that endpoints.ews points at /EWS/Exchange.asmx of an Exchange server.' });
    }
    return response.text;
  }

  /** The SOAP header of hand-written requests: the version, and impersonation when it is on. */
  soapHeader(): { version: string; impersonate?: string } {
    return { version: this.settings.versionName, ...(this.settings.impersonate ? { impersonate: this.mailbox } : {}) };
  }

  /** A well-known folder name (any case) as the library's distinguished folder, else the name as a folder id. */
  folderId(folder: string): FolderId {
    const { FolderId, WellKnownFolderName } = ewsLibrary();
    const known = WELL_KNOWN[folder.toLowerCase()];
    return known !== undefined ? new FolderId(WellKnownFolderName[known]) : new FolderId(folder);
  }

  /** A well-known folder name (any case) as `<t:DistinguishedFolderId>`, else the name as `<t:FolderId>`, for hand-written requests. */
  folderIdXml(folder: string): string {
    const known = WELL_KNOWN[folder.toLowerCase()];
    return known !== undefined ? `<t:DistinguishedFolderId Id="${known.toLowerCase()}"/>` : `<t:FolderId Id="${escapeXmlAttribute(folder)}"/>`;
  }
}
