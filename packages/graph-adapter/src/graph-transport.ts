import { AuthenticationHandler, Client, ResponseType, type GraphRequest } from '@microsoft/microsoft-graph-client';
import {
  isOutcomeUnknown,
  MailbridgeError,
  silentLogger,
  type HttpClient,
  type Logger,
  type MailTransport,
  type OutgoingMessage,
  type ProbeResult,
  type ReceivedAttachment,
  type ReceivedMessage,
  type ReceiveOptions,
  type Semaphore,
  type SendOptions,
  type SendResult,
  type SyncChange,
  type SyncOptions,
  type SyncResult,
  type TokenProvider,
  type TransportCapabilities,
} from '@mailbridge/core';
import { readSmallAttachment, sizeAttachments, type SizedAttachment } from './attachment-source.js';
import {
  ATTACHMENT_SELECT,
  convertFromGraphAttachment,
  convertFromGraphMessage,
  messageSelect,
} from './convert-from-graph-message.js';
import {
  convertToGraphMessage,
  generateInternetMessageId,
  inlineCost,
  toAttachmentItem,
  toGraphFileAttachment,
} from './convert-to-graph-message.js';
import {
  GRAPH_BATCH_MAX_REQUESTS,
  type GraphBatchRequestItem,
  type GraphBatchResponseItem,
  type GraphCollectionPage,
  type GraphFileAttachment,
  type GraphMailFolder,
  type GraphMessage,
  type GraphOutgoingMessage,
  type GraphUploadSession,
} from './graph-api.js';
import { GraphCallScope, GraphFetchHandler } from './graph-fetch-handler.js';
import type { GraphTransportOptions } from './graph-transport-options.js';
import { mailboxSemaphore } from './mailbox-semaphore.js';
import { invalidGraphResponse, mapGraphError, type GraphErrorContext, type GraphOperation } from './map-graph-error.js';
import { RequestRunner, retryAfterMs, type RunOptions } from './request-runner.js';
import { decodeSyncCursor, encodeSyncCursor } from './sync-cursor.js';
import { TokenAuthenticationProvider } from './token-authentication-provider.js';
import { uploadAttachment, UPLOAD_CHUNK_BYTES } from './upload-session.js';
import { GRAPH_MAX_ATTACHMENT_BYTES, validateOutgoingMessage } from './validate-message.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface CallOptions {
  operation: GraphOperation;
  /** Default true. */
  idempotent?: boolean;
  signal?: AbortSignal | undefined;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  from?: string;
  /** For sends: decides whether a failure that may have taken effect did (see RequestRunner). */
  onAmbiguous?: RunOptions['onAmbiguous'];
}

/** The MAPI property PR_DELETE_AFTER_SUBMIT: the sent copy is not kept in Sent Items. */
const DELETE_AFTER_SUBMIT = { id: 'Boolean 0x0E01', value: 'true' };
/** Upload sessions refuse smaller files (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize). */
const UPLOAD_SESSION_MIN_BYTES = 3 * 1024 * 1024;
/** Graph's documented largest request (sendMail, create draft). */
const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** Graph's maximum `$top` for messages. */
const GRAPH_MAX_PAGE_SIZE = 1000;
/** Most that Graph's attachment `size` exceeds the file's bytes by (the item's properties). */
const ATTACHMENT_SIZE_OVERHEAD = 64 * 1024;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Graph answers a send with 202 Accepted and nothing else: any other success status comes from
 * something that is not Graph (a proxy, a captive portal), and the message may not have gone out.
 */
function expectAccepted(response: Response): void {
  if (response.status !== 202) {
    throw new MailbridgeError({
      code: 'INVALID_RESPONSE',
      message: `The send was answered ${response.status} instead of Microsoft Graph's 202 Accepted; it may not have gone out.`,
      hint: 'Check that endpoints.graph points at Microsoft Graph and that no proxy answers in its place; look for the message in Sent Items before sending again.',
      details: { status: response.status },
    });
  }
}

/** OData string literal: single quotes doubled. */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * {@link MailTransport} over Microsoft Graph v1.0, on `@microsoft/microsoft-graph-client` with core's
 * token provider, HTTP client and retry policy underneath. See the package README for the
 * permissions each operation needs.
 */
export class GraphTransport implements MailTransport {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'graph';
  readonly mailbox: string;
  readonly capabilities: TransportCapabilities = {
    maxAttachmentBytes: GRAPH_MAX_ATTACHMENT_BYTES,
    maxMessageBytes: GRAPH_MAX_ATTACHMENT_BYTES,
    incrementalSync: true,
    sendMime: true,
    batch: true,
  };

  private readonly client: Client;
  private readonly auth: TokenAuthenticationProvider;
  private readonly runner: RequestRunner;
  private readonly semaphore: Semaphore;
  private readonly http: HttpClient;
  private readonly tokenProvider: TokenProvider;
  private readonly graphOrigin: string;
  private readonly pageSize: number;
  private readonly inlineLimit: number;
  private readonly chunkBytes: number;
  private readonly confirmDelaysMs: number[];
  private readonly ownsHttp: boolean;
  private readonly logger: Logger;
  private basePath: Promise<string> | undefined;
  private closed = false;

  constructor(options: GraphTransportOptions) {
    let endpoint: URL;
    try {
      endpoint = new URL(options.graphEndpoint);
    } catch (cause) {
      throw new MailbridgeError({
        code: 'CONFIG_INVALID',
        message: `endpoints.graph: ${JSON.stringify(options.graphEndpoint)} is not a URL.`,
        hint: 'Use the Graph root of your cloud, e.g. https://graph.microsoft.com.',
        details: { path: 'endpoints.graph' },
        cause,
      });
    }
    this.mailbox = options.mailbox;
    this.http = options.http;
    this.tokenProvider = options.tokenProvider;
    this.graphOrigin = endpoint.origin;
    this.pageSize = Math.min(options.pageSize ?? 100, GRAPH_MAX_PAGE_SIZE);
    this.inlineLimit = options.inlineRequestLimitBytes ?? 3 * 1024 * 1024;
    this.chunkBytes = options.uploadChunkBytes ?? UPLOAD_CHUNK_BYTES;
    this.confirmDelaysMs = options.confirmDelaysMs ?? [0, 1000, 3000];
    this.ownsHttp = options.ownsHttp ?? false;
    this.logger = options.logger ?? silentLogger;
    this.runner = new RequestRunner(options.retry, this.logger);
    this.semaphore = mailboxSemaphore(this.graphOrigin, this.mailbox, options.maxConcurrency ?? 4);
    this.auth = new TokenAuthenticationProvider(options.tokenProvider);
    this.client = Client.initWithMiddleware({
      baseUrl: this.graphOrigin + endpoint.pathname.replace(/\/+$/, ''),
      // The library attaches the token only to hosts it knows as Graph; a sovereign, proxied or
      // simulated Graph host must be listed, or requests would go out unauthenticated.
      customHosts: new Set([endpoint.hostname]),
      middleware: [new AuthenticationHandler(this.auth), new GraphFetchHandler(this.http, this.runner, this.semaphore)],
    });
  }

  // ---------------------------------------------------------------- send

  async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    this.assertOpen();
    validateOutgoingMessage(message);
    const internetMessageId = message.internetMessageId ?? generateInternetMessageId(this.mailbox);
    const graphMessage = convertToGraphMessage(message, internetMessageId);
    const saveToSentItems = message.saveToSentItems !== false;
    const from = message.from === undefined ? undefined : typeof message.from === 'string' ? message.from : message.from.address;
    const sized = await sizeAttachments(message.attachments ?? []);
    for (const attachment of sized) {
      if (attachment.size > GRAPH_MAX_ATTACHMENT_BYTES) {
        throw new MailbridgeError({
          code: 'MESSAGE_TOO_LARGE',
          message: `attachments[${attachment.index}] (${attachment.attachment.filename}) has ${attachment.size} bytes; Microsoft Graph accepts at most 150 MB per attachment.`,
          hint: 'Share a link to the file instead of attaching it.',
          details: { path: `attachments[${attachment.index}]` },
        });
      }
    }
    // Upload sessions refuse files under 3 MB (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize), and one
    // request may not pass 4 MB: files of 3 MB and more go by upload session; smaller ones travel in
    // the message request, smallest first while it stays under the inline limit, the rest each in its
    // own POST …/attachments.
    const large = sized.filter((attachment) => attachment.size >= UPLOAD_SESSION_MIN_BYTES);
    // Measured only when there are attachments to place (the common alert has none).
    let requestBytes = sized.length === 0 ? 0 : Buffer.byteLength(JSON.stringify({ message: graphMessage, saveToSentItems }));
    const inline: SizedAttachment[] = [];
    const separate: SizedAttachment[] = [];
    for (const attachment of sized.filter((item) => item.size < UPLOAD_SESSION_MIN_BYTES).sort((a, b) => a.size - b.size)) {
      const cost = inlineCost(attachment);
      if (requestBytes + cost <= this.inlineLimit) {
        inline.push(attachment);
        requestBytes += cost;
      } else separate.push(attachment);
    }
    const byIndex = (a: SizedAttachment, b: SizedAttachment): number => a.index - b.index;
    inline.sort(byIndex);
    separate.sort(byIndex);
    if (inline.length > 0) {
      graphMessage.attachments = await Promise.all(inline.map(async (item) => toGraphFileAttachment(item, await readSmallAttachment(item))));
    }
    const context = { signal: options.signal, from };
    const id =
      large.length === 0 && separate.length === 0
        ? await this.sendInOneRequest(graphMessage, saveToSentItems, context)
        : await this.sendThroughDraft(graphMessage, { separate, large }, saveToSentItems, { ...context, onUploadProgress: options.onUploadProgress });
    const result: SendResult = { transport: this.name, mailbox: this.mailbox, internetMessageId };
    if (id !== undefined) result.id = id;
    return result;
  }

  /** POST sendMail; after an ambiguous failure, Sent Items decides whether it is sent again. */
  private async sendInOneRequest(
    message: GraphOutgoingMessage,
    saveToSentItems: boolean,
    context: { signal?: AbortSignal | undefined; from?: string | undefined },
  ): Promise<string | undefined> {
    const base = await this.base();
    let sentId: string | undefined;
    const response = await this.request('POST', `${base}/sendMail`, { message, saveToSentItems }, {
      operation: 'send',
      idempotent: false,
      signal: context.signal,
      from: context.from,
      onAmbiguous: async ({ error, signal }) => {
        if (!saveToSentItems) throw this.unconfirmed(message.internetMessageId, error, 'saveToSentItems is false, so Sent Items cannot tell');
        sentId = await this.findInSentItems(message.internetMessageId, signal);
        return sentId !== undefined ? { outcome: 'applied', value: new Response(null, { status: 202 }) } : { outcome: 'not-applied' };
      },
    });
    expectAccepted(response);
    return sentId;
  }

  /** Attachments too big for one request: a draft, a POST per remaining small attachment, an upload session per large one, then POST send. */
  private async sendThroughDraft(
    message: GraphOutgoingMessage,
    attachments: { separate: SizedAttachment[]; large: SizedAttachment[] },
    saveToSentItems: boolean,
    context: {
      signal?: AbortSignal | undefined;
      from?: string | undefined;
      onUploadProgress?: SendOptions['onUploadProgress'];
    },
  ): Promise<string | undefined> {
    const base = await this.base();
    const draftBody: Record<string, unknown> = { ...message };
    if (!saveToSentItems) draftBody.singleValueExtendedProperties = [DELETE_AFTER_SUBMIT];
    const created = await this.json<GraphMessage>(
      await this.request('POST', `${base}/messages`, draftBody, { operation: 'send-large', signal: context.signal, from: context.from }),
    );
    if (typeof created?.id !== 'string') throw invalidGraphResponse('the created draft has no id', 201);
    const draftPath = `${base}/messages/${encodeURIComponent(created.id)}`;
    let sendStarted = false;
    try {
      for (const attachment of attachments.separate) {
        const bytes = await readSmallAttachment(attachment);
        await this.request('POST', `${draftPath}/attachments`, toGraphFileAttachment(attachment, bytes), { operation: 'send-large', signal: context.signal });
        context.onUploadProgress?.({ filename: attachment.attachment.filename, sentBytes: attachment.size, totalBytes: attachment.size });
      }
      // Large attachments already on the draft, by name and size (to confirm an upload whose last answer was lost).
      const uploaded = new Map<string, number>();
      for (const attachment of attachments.large) {
        const session = await this.json<GraphUploadSession>(
          await this.request('POST', `${draftPath}/attachments/createUploadSession`, { AttachmentItem: toAttachmentItem(attachment) }, {
            operation: 'send-large',
            signal: context.signal,
          }),
        );
        if (typeof session?.uploadUrl !== 'string' || !/^https:\/\//i.test(session.uploadUrl)) {
          throw invalidGraphResponse('the upload session has no https uploadUrl', 201);
        }
        const uploadOptions: Parameters<typeof uploadAttachment>[0] = {
          http: this.http,
          runner: this.runner,
          semaphore: this.semaphore,
          uploadUrl: session.uploadUrl,
          attachment,
          errorContext: this.errorContext('upload'),
          chunkBytes: this.chunkBytes,
        };
        const key = `${attachment.attachment.filename}\u0000${attachment.size}`;
        const expected = (uploaded.get(key) ?? 0) + 1;
        uploadOptions.confirmCompleted = async (signal) => (await this.countAttachments(draftPath, attachment, signal)) >= expected;
        if (context.signal) uploadOptions.signal = context.signal;
        if (context.onUploadProgress) uploadOptions.onProgress = context.onUploadProgress;
        await uploadAttachment(uploadOptions);
        uploaded.set(key, expected);
      }
      sendStarted = true;
      let sentId: string | undefined;
      const response = await this.request('POST', `${draftPath}/send`, undefined, {
        operation: 'send',
        idempotent: false,
        signal: context.signal,
        from: context.from,
        // A sent draft leaves the Drafts folder: if it is gone (or no longer a draft), it went out.
        onAmbiguous: async ({ signal }) => {
          if (await this.isStillDraft(draftPath, signal)) return { outcome: 'not-applied' };
          if (saveToSentItems) sentId = await this.findInSentItems(message.internetMessageId, signal);
          return { outcome: 'applied', value: new Response(null, { status: 202 }) };
        },
      });
      expectAccepted(response);
      return sentId;
    } catch (error) {
      if (!sendStarted) {
        // Best effort: do not leave a half-built draft behind.
        await this.request('DELETE', draftPath, undefined, { operation: 'write' }).catch(() => undefined);
      }
      throw error;
    }
  }

  /** How many attachments of the draft have this attachment's name and size. */
  private async countAttachments(draftPath: string, attachment: SizedAttachment, signal: AbortSignal | undefined): Promise<number> {
    const page = await this.json<{ value?: Array<{ name?: string; size?: number }> }>(
      await this.request('GET', `${draftPath}/attachments`, undefined, { operation: 'read', signal, query: { $select: 'name,size', $top: '250' } }),
    );
    // Graph's size counts the attachment item: the file's bytes plus a little (its properties), so the
    // same name within that band — and not a bigger or smaller file of the same name.
    const fits = (size: number | undefined) => size !== undefined && size >= attachment.size && size <= attachment.size + ATTACHMENT_SIZE_OVERHEAD;
    return (page.value ?? []).filter((item) => item.name === attachment.attachment.filename && fits(item.size)).length;
  }

  async sendMime(mime: Uint8Array | string, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<SendResult> {
    this.assertOpen();
    let text = typeof mime === 'string' ? mime : Buffer.from(mime.buffer, mime.byteOffset, mime.byteLength).toString('latin1');
    const headerEnd = text.search(/\r?\n\r?\n/);
    if (headerEnd <= 0) {
      throw new MailbridgeError({
        code: 'INVALID_MESSAGE',
        message: 'The MIME message has no header section.',
        hint: 'Pass a complete RFC 5322 message: headers, an empty line, then the body.',
      });
    }
    const headers = text.slice(0, headerEnd);
    let internetMessageId = /^message-id:[ \t]*(<[^>\r\n]+>)/im.exec(headers)?.[1];
    if (internetMessageId === undefined) {
      internetMessageId = generateInternetMessageId(this.mailbox);
      text = `Message-ID: ${internetMessageId}\r\n${text}`;
    }
    const base64 = Buffer.from(text, 'latin1').toString('base64');
    if (base64.length > GRAPH_MAX_REQUEST_BYTES) {
      throw new MailbridgeError({
        code: 'MESSAGE_TOO_LARGE',
        message: `The MIME message is ${text.length} bytes; Microsoft Graph accepts MIME sends up to 4 MB once base64-encoded (about 3 MB).`,
        hint: 'Use send() with attachments instead: large attachments then go through upload sessions (up to 150 MB each).',
      });
    }
    const base = await this.base();
    const signal = options.signal;
    const mimeHeaders = { 'Content-Type': 'text/plain' };
    if (options.saveToSentItems === false) {
      // sendMail with MIME always keeps a copy: build a draft from the MIME and mark it delete-after-submit.
      const draft = await this.json<GraphMessage>(
        await this.request('POST', `${base}/messages`, base64, { operation: 'send-large', headers: mimeHeaders, signal }),
      );
      if (typeof draft?.id !== 'string') throw invalidGraphResponse('the created draft has no id', 201);
      const draftPath = `${base}/messages/${encodeURIComponent(draft.id)}`;
      await this.request('PATCH', draftPath, { singleValueExtendedProperties: [DELETE_AFTER_SUBMIT] }, { operation: 'write', signal });
      const response = await this.request('POST', `${draftPath}/send`, undefined, {
        operation: 'send',
        idempotent: false,
        signal,
        onAmbiguous: async (context) =>
          (await this.isStillDraft(draftPath, context.signal)) ? { outcome: 'not-applied' } : { outcome: 'applied', value: new Response(null, { status: 202 }) },
      });
      expectAccepted(response);
      return { transport: this.name, mailbox: this.mailbox, internetMessageId };
    }
    let sentId: string | undefined;
    const response = await this.request('POST', `${base}/sendMail`, base64, {
      operation: 'send',
      idempotent: false,
      headers: mimeHeaders,
      signal,
      onAmbiguous: async (context) => {
        sentId = await this.findInSentItems(internetMessageId, context.signal);
        return sentId !== undefined ? { outcome: 'applied', value: new Response(null, { status: 202 }) } : { outcome: 'not-applied' };
      },
    });
    expectAccepted(response);
    const result: SendResult = { transport: this.name, mailbox: this.mailbox, internetMessageId };
    if (sentId !== undefined) result.id = sentId;
    return result;
  }

  /** Looks for the message in Sent Items by Internet Message-ID, waiting a little between looks. */
  private async findInSentItems(internetMessageId: string, signal?: AbortSignal): Promise<string | undefined> {
    const base = await this.base();
    this.logger.warn('graph: a send may or may not have gone out; looking for it in Sent Items', { internetMessageId });
    for (const delay of this.confirmDelaysMs) {
      await sleep(delay, signal);
      const page = await this.json<GraphCollectionPage<GraphMessage>>(
        await this.request('GET', `${base}/mailFolders/sentitems/messages`, undefined, {
          operation: 'read',
          signal,
          query: {
            $filter: encodeURIComponent(`internetMessageId eq ${odataString(internetMessageId)}`),
            $select: 'id,internetMessageId',
            $top: '1',
          },
        }),
      );
      const match = Array.isArray(page?.value) ? page.value.find((item) => item.internetMessageId === internetMessageId) : undefined;
      if (match) {
        this.logger.info('graph: the send went out (found in Sent Items); not sending again', { internetMessageId });
        return match.id;
      }
    }
    this.logger.warn('graph: not in Sent Items; sending again', { internetMessageId });
    return undefined;
  }

  private async isStillDraft(draftPath: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const draft = await this.json<GraphMessage & { isDraft?: boolean }>(
        await this.request('GET', draftPath, undefined, { operation: 'read', signal, query: { $select: 'id,isDraft' } }),
      );
      return draft?.isDraft !== false;
    } catch (error) {
      if (MailbridgeError.isInstance(error) && error.code === 'ITEM_NOT_FOUND') return false;
      throw error;
    }
  }

  private unconfirmed(internetMessageId: string, cause: unknown, why: string): MailbridgeError {
    return new MailbridgeError({
      code: 'SEND_UNCONFIRMED',
      message: `The send of ${internetMessageId} failed in a way that may have taken effect, and ${why}.`,
      hint:
        `Look for ${internetMessageId} in the recipients' mailboxes or the message trace (Exchange admin center > Mail flow > ` +
        'Message trace) before sending it again. Keep saveToSentItems on so mailbridge can check by itself.',
      details: { internetMessageId },
      cause,
    });
  }

  // ---------------------------------------------------------------- receive

  receive(options: ReceiveOptions = {}): AsyncIterable<ReceivedMessage> {
    return this.receiveMessages(options);
  }

  private async *receiveMessages(options: ReceiveOptions): AsyncGenerator<ReceivedMessage> {
    this.assertOpen();
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    const folder = options.folder ?? 'inbox';
    const includeBody = options.includeBody ?? true;
    const top = Math.max(1, Math.min(options.pageSize ?? this.pageSize, GRAPH_MAX_PAGE_SIZE, limit));
    const filters: string[] = [];
    if (options.unreadOnly) filters.push('isRead eq false');
    if (options.since) filters.push(`receivedDateTime ge ${options.since.toISOString()}`);
    const query: Record<string, string> = {
      $select: messageSelect(includeBody),
      $orderby: encodeURIComponent('receivedDateTime desc'),
      $top: String(top),
    };
    if (filters.length > 0) query.$filter = encodeURIComponent(filters.join(' and '));
    const base = await this.base();
    let path: string | undefined = `${base}/mailFolders/${encodeURIComponent(folder)}/messages`;
    let first = true;
    let yielded = 0;
    while (path !== undefined) {
      const response = await this.request('GET', path, undefined, first ? { operation: 'read', query, signal: options.signal } : { operation: 'read', signal: options.signal });
      first = false;
      const page = await this.json<GraphCollectionPage<GraphMessage>>(response);
      if (!Array.isArray(page?.value)) throw invalidGraphResponse('a message page has no "value" array', response.status, response.headers);
      const messages = await this.withAttachments(page.value, folder, options.signal);
      for (const message of messages) {
        yield message;
        yielded += 1;
        if (yielded >= limit) return;
      }
      path = this.nextLink(page['@odata.nextLink']);
    }
  }

  /** Converts a page of messages, fetching attachment metadata for those that have attachments. */
  private async withAttachments(messages: GraphMessage[], folder: string, signal?: AbortSignal): Promise<ReceivedMessage[]> {
    const base = await this.base();
    return Promise.all(
      messages.map(async (message) => {
        if (typeof message?.id !== 'string') throw invalidGraphResponse('a message has no id', 200);
        let attachments: ReceivedAttachment[] = [];
        if (message.hasAttachments === true) {
          const messagePath = `${base}/messages/${encodeURIComponent(message.id)}`;
          const page = await this.json<GraphCollectionPage<GraphFileAttachment>>(
            await this.request('GET', `${messagePath}/attachments`, undefined, { operation: 'read', signal, query: { $select: ATTACHMENT_SELECT } }),
          );
          attachments = (page?.value ?? []).map((attachment) =>
            convertFromGraphAttachment(attachment, (id) => this.attachmentContent(`${messagePath}/attachments/${encodeURIComponent(id)}`)),
          );
        }
        return convertFromGraphMessage(message, folder, attachments);
      }),
    );
  }

  private async attachmentContent(attachmentPath: string): Promise<Uint8Array> {
    this.assertOpen();
    const response = await this.request('GET', `${attachmentPath}/$value`, undefined, { operation: 'read' });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Follows only links on our Graph origin: the token must never go elsewhere. */
  private nextLink(link: string | undefined): string | undefined {
    if (link === undefined || link === null) return undefined;
    if (typeof link !== 'string' || !link.startsWith(`${this.graphOrigin}/`)) {
      throw invalidGraphResponse('a paging link points outside the Graph endpoint', 200);
    }
    return link;
  }

  async sync(options: SyncOptions = {}): Promise<SyncResult> {
    this.assertOpen();
    let folder = options.folder ?? 'inbox';
    let path: string;
    let query: Record<string, string> | undefined;
    if (options.cursor !== undefined) {
      const state = decodeSyncCursor(options.cursor, this.graphOrigin);
      if (options.folder !== undefined && options.folder !== state.folder) {
        throw new MailbridgeError({
          code: 'USAGE',
          message: `The sync cursor is for folder "${state.folder}", not "${options.folder}".`,
          hint: 'Keep one cursor per folder.',
        });
      }
      folder = state.folder;
      path = state.link;
    } else {
      path = `${await this.base()}/mailFolders/${encodeURIComponent(folder)}/messages/delta`;
      query = { $select: messageSelect(true) };
    }
    const headers: Record<string, string> = { Prefer: `odata.maxpagesize=${Math.min(options.pageSize ?? this.pageSize, GRAPH_MAX_PAGE_SIZE)}` };
    const callOptions: CallOptions = { operation: 'read', headers, signal: options.signal };
    if (query) callOptions.query = query;
    const response = await this.request('GET', path, undefined, callOptions);
    const page = await this.json<GraphCollectionPage<GraphMessage>>(response);
    if (!Array.isArray(page?.value)) throw invalidGraphResponse('a delta page has no "value" array', response.status, response.headers);
    const next = this.nextLink(page['@odata.nextLink']);
    const delta = this.nextLink(page['@odata.deltaLink']);
    const link = next ?? delta;
    if (link === undefined) throw invalidGraphResponse('a delta page has neither @odata.nextLink nor @odata.deltaLink', response.status, response.headers);
    const removed = page.value.filter((entry) => entry['@removed'] !== undefined);
    const upserts = await this.withAttachments(page.value.filter((entry) => entry['@removed'] === undefined), folder, options.signal);
    const changes: SyncChange[] = [
      ...upserts.map((message): SyncChange => ({ type: 'upsert', message })),
      ...removed.map((entry): SyncChange => ({ type: 'removed', id: entry.id })),
    ];
    return { changes, cursor: encodeSyncCursor({ v: 1, folder, link }), hasMore: next !== undefined };
  }

  // ---------------------------------------------------------------- changes

  async markRead(ids: string | string[], options: { isRead?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    const list = Array.isArray(ids) ? ids : [ids];
    const isRead = options.isRead ?? true;
    const base = await this.base();
    if (list.length === 0) return;
    if (list.length === 1) {
      await this.request('PATCH', `${base}/messages/${encodeURIComponent(list[0]!)}`, { isRead }, { operation: 'write', signal: options.signal });
      return;
    }
    const batches: GraphBatchRequestItem[][] = [];
    for (let start = 0; start < list.length; start += GRAPH_BATCH_MAX_REQUESTS) {
      batches.push(
        list.slice(start, start + GRAPH_BATCH_MAX_REQUESTS).map((id, index) => ({
          id: String(index + 1),
          method: 'PATCH',
          url: `${base}/messages/${encodeURIComponent(id)}`,
          headers: { 'Content-Type': 'application/json' },
          body: { isRead },
        })),
      );
    }
    await Promise.all(batches.map((batch) => this.batch(batch, 'write', options.signal)));
  }

  /**
   * Sends one JSON `$batch` (at most 20 requests). Items answered 429/503/504 are sent again, alone,
   * after the longest Retry-After among them; any other failed item fails the call.
   */
  private async batch(items: GraphBatchRequestItem[], operation: GraphOperation, signal?: AbortSignal): Promise<GraphBatchResponseItem[]> {
    let pending = items;
    const done: GraphBatchResponseItem[] = [];
    await this.runner.run(
      async () => {
        const response = await this.request('POST', '/$batch', { requests: pending }, { operation, signal });
        const body = await this.json<{ responses?: GraphBatchResponseItem[] }>(response);
        if (!Array.isArray(body?.responses)) throw invalidGraphResponse('a $batch answer has no "responses" array', response.status, response.headers);
        const byId = new Map(body.responses.map((item) => [item.id, item]));
        const again: GraphBatchRequestItem[] = [];
        let wait = 0;
        for (const item of pending) {
          const answer = byId.get(item.id);
          if (!answer) throw invalidGraphResponse(`the $batch answer lacks request ${item.id}`, response.status, response.headers);
          if (answer.status >= 200 && answer.status < 300) done.push(answer);
          else if (answer.status === 429 || answer.status === 503 || answer.status === 504) {
            again.push(item);
            wait = Math.max(wait, retryAfterMs(answer.headers?.['Retry-After'] ?? answer.headers?.['retry-after'] ?? null) ?? 0);
          } else {
            throw mapGraphError(answer.status, answer.body, new Headers(answer.headers ?? {}), this.errorContext(operation));
          }
        }
        pending = again;
        // A synthetic answer so the retry policy waits as the items asked, then sends only these again.
        return new Response(null, {
          status: again.length > 0 ? 429 : 204,
          headers: wait > 0 ? { 'retry-after': String(wait / 1000) } : {},
        });
      },
      { signal, idempotent: true },
    );
    return done;
  }

  async move(id: string, folder: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string }> {
    this.assertOpen();
    const base = await this.base();
    const response = await this.request('POST', `${base}/messages/${encodeURIComponent(id)}/move`, { destinationId: folder }, {
      operation: 'write',
      signal: options.signal,
    });
    const moved = await this.json<GraphMessage>(response);
    if (typeof moved?.id !== 'string') throw invalidGraphResponse('the moved message has no id', response.status, response.headers);
    return { id: moved.id };
  }

  async getMime(id: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    this.assertOpen();
    const base = await this.base();
    const response = await this.request('GET', `${base}/messages/${encodeURIComponent(id)}/$value`, undefined, {
      operation: 'read',
      signal: options.signal,
    });
    return new Uint8Array(await response.arrayBuffer());
  }

  async probe(options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
    this.assertOpen();
    const base = await this.base();
    const response = await this.request('GET', `${base}/mailFolders/inbox`, undefined, {
      operation: 'probe',
      signal: options.signal,
      query: { $select: 'id,totalItemCount,unreadItemCount' },
    });
    const inbox = await this.json<GraphMailFolder>(response);
    if (typeof inbox?.id !== 'string') throw invalidGraphResponse('the Inbox folder has no id', response.status, response.headers);
    const result: ProbeResult = { mailbox: this.mailbox, inbox: {} };
    if (typeof inbox.totalItemCount === 'number') result.inbox!.total = inbox.totalItemCount;
    if (typeof inbox.unreadItemCount === 'number') result.inbox!.unread = inbox.unreadItemCount;
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsHttp) await this.http.close();
  }

  // ---------------------------------------------------------------- plumbing

  private assertOpen(): void {
    if (this.closed) {
      throw new MailbridgeError({ code: 'USAGE', message: 'This Graph transport is closed.', hint: 'Create a new transport after close().' });
    }
  }

  /**
   * `/users/{mailbox}` for app-only tokens; `/me` for a delegated token of the mailbox's own user
   * (a delegated token for another mailbox the person may access uses `/users/{mailbox}`). Never `/me`
   * with an app-only token: Graph refuses it.
   */
  private base(): Promise<string> {
    this.basePath ??= (async () => {
      const users = `/users/${encodeURIComponent(this.mailbox)}`;
      if (this.tokenProvider.kind !== 'delegated') return users;
      const { claims } = await this.tokenProvider.getToken('graph');
      const own = [claims.upn, claims.preferred_username, claims.email].filter((value): value is string => typeof value === 'string');
      return !this.mailbox || own.some((value) => value.toLowerCase() === this.mailbox.toLowerCase()) ? '/me' : users;
    })();
    this.basePath.catch(() => {
      this.basePath = undefined;
    });
    return this.basePath;
  }

  private errorContext(operation: GraphOperation, from?: string): GraphErrorContext {
    const claims = this.auth.lastClaims;
    const context: GraphErrorContext = { operation, mailbox: this.mailbox, tokenKind: this.tokenProvider.kind };
    const clientId = claims?.appid ?? claims?.azp;
    if (clientId) context.clientId = clientId;
    if (from) context.from = from;
    return context;
  }

  /**
   * One Graph request through the client (and so through the middleware chain: token, concurrency
   * slot, retry). Resolves to a 2xx response; anything else becomes a coded MailbridgeError.
   */
  private async request(method: Method, path: string, body: unknown, options: CallOptions): Promise<Response> {
    const scope = new GraphCallScope({ signal: options.signal, idempotent: options.idempotent ?? true, onAmbiguous: options.onAmbiguous });
    let request: GraphRequest = this.client.api(path).middlewareOptions([scope]).responseType(ResponseType.RAW);
    if (options.query) request = request.query(options.query);
    if (options.headers) request = request.headers(options.headers);
    let response: Response;
    try {
      switch (method) {
        case 'GET':
          response = (await request.get()) as Response;
          break;
        case 'POST':
          response = (await request.post(body ?? '')) as Response;
          break;
        case 'PATCH':
          response = (await request.patch(body)) as Response;
          break;
        case 'DELETE':
          response = (await request.delete()) as Response;
          break;
      }
    } catch (error) {
      throw this.unwrap(error, scope, options);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      throw mapGraphError(response.status, parsed, response.headers, this.errorContext(options.operation, options.from));
    }
    return response;
  }

  /** The error behind a failed call: ours from the middleware (kept in the scope), or a mapped one. */
  private unwrap(error: unknown, scope: GraphCallScope, options: CallOptions): MailbridgeError {
    const failure = scope.failure ?? this.auth.failureBehind(error) ?? error;
    if (MailbridgeError.isInstance(failure)) {
      // The retry budget ran out on a throttled / unavailable answer: give the Graph-specific error.
      const cause = failure.cause;
      const last = MailbridgeError.isInstance(cause) ? cause : failure;
      const status = typeof last.details.status === 'number' ? last.details.status : undefined;
      if ((failure.code === 'THROTTLED' || failure.code === 'SERVICE_UNAVAILABLE') && status !== undefined && !isOutcomeUnknown(failure)) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(String(last.details.responseBody ?? ''));
        } catch {
          parsed = undefined;
        }
        const mapped = mapGraphError(status, parsed, undefined, this.errorContext(options.operation, options.from));
        Object.assign(mapped.details, { requestId: last.details.requestId, attempts: failure.details.attempts });
        return new MailbridgeError({ code: mapped.code, message: mapped.message, hint: mapped.hint, details: mapped.details, cause: failure, retryable: true });
      }
      return failure;
    }
    return new MailbridgeError({
      code: 'INTERNAL',
      message: `The Graph client failed: ${error instanceof Error ? error.message : String(error)}`,
      hint: 'This is a bug in mailbridge; please report it with --verbose output.',
      cause: error,
    });
  }

  private async json<T>(response: Response): Promise<T> {
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw invalidGraphResponse('the body is not JSON', response.status, response.headers, cause);
    }
  }
}
