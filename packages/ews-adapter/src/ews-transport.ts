import {
  isOutcomeUnknown,
  MailbridgeError,
  type AmbiguousResolution,
  type MailTransport,
  type OutgoingAttachment,
  type OutgoingMessage,
  type ProbeResult,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendOptions,
  type SendResult,
  type SyncChange,
  type SyncOptions,
  type SyncResult,
  type TransportCapabilities,
} from '@mailbridge/core';
import {
  BasePropertySet,
  ChangeType,
  ConnectingIdType,
  DateTime,
  EmailMessage,
  EmailMessageSchema,
  ExchangeCredentials,
  ExchangeService,
  ExchangeVersion,
  Folder,
  FolderId,
  ImpersonatedUserId,
  ItemId,
  ItemSchema,
  ItemView,
  LogicalOperator,
  MessageDisposition,
  MimeContent,
  OffsetBasePoint,
  PropertySet,
  SearchFilter,
  ServiceResult,
  SortDirection,
  SyncFolderItemsScope,
  Uri,
  WellKnownFolderName,
  type BodyType,
  type FileAttachment,
  type Item,
  type PropertyDefinitionBase,
} from 'ews-javascript-api';
import { attachmentContentType, attachmentSize, attachmentStream, base64Chunks } from './attachment-content.js';
import { convertFromEwsItem } from './convert-from-ews-item.js';
import { checkInternetMessageId, convertToEwsMessage, newInternetMessageId, validateOutgoingMessage } from './convert-to-ews-message.js';
import type { EwsTransportOptions } from './ews-transport-options.js';
import { EwsXhr } from './ews-xhr.js';
import { callContext, type EwsCallContext } from './http/call-context.js';
import { sharedLimiter } from './http/concurrency-limiter.js';
import { mapEwsError, mapLibraryError, type EwsFailure } from './map-ews-error.js';
import { attributeOf, firstResponseMessage, soapEnvelope } from './soap-envelope.js';
import { escapeXmlAttribute, escapeXmlText } from './xml/escape-xml.js';
import { enableXmlEscaping } from './xml/escaping-xml-writer.js';

const MiB = 1024 * 1024;

/**
 * Exchange Online's default MaxSendSize is 35 MB (an administrator can raise it to 150 MB: then set
 * `maxMessageBytes`). Attachments travel base64-encoded with MIME overhead (Exchange counts about
 * 1.37× the file), so about 25 MB of attachment fits a 35 MB message.
 */
const DEFAULT_MAX_MESSAGE_BYTES = 35 * MiB;
const ENCODED_RATIO = 1.37;

/** Well-known folder names of mailbridge → EWS distinguished folders. */
const WELL_KNOWN: Record<string, WellKnownFolderName> = {
  inbox: WellKnownFolderName.Inbox,
  sentitems: WellKnownFolderName.SentItems,
  drafts: WellKnownFolderName.Drafts,
  deleteditems: WellKnownFolderName.DeletedItems,
  junkemail: WellKnownFolderName.JunkEmail,
  outbox: WellKnownFolderName.Outbox,
  archive: WellKnownFolderName.ArchiveMsgFolderRoot,
};

/** Distinguished folder ids as written on the wire by hand-written requests. */
const DISTINGUISHED: Record<string, string> = {
  inbox: 'inbox',
  sentitems: 'sentitems',
  drafts: 'drafts',
  deleteditems: 'deleteditems',
  junkemail: 'junkemail',
  outbox: 'outbox',
  archive: 'archivemsgfolderroot',
};

/**
 * Credentials for ews-javascript-api that add nothing to a request: authentication is applied by
 * {@link EwsXhr} (a fresh token per request, Basic or NTLM), never by the library.
 */
class AppliedByHttpLayer extends ExchangeCredentials {
  override PrepareWebRequest(): void {}
}

/** The library's CreateItem, public in JavaScript but left out of its typings. */
interface InternalService {
  CreateItem(item: Item, parentFolderId: FolderId | null, messageDisposition: MessageDisposition, sendInvitationsMode: null): Promise<void>;
}

/** What an ambiguity check found. */
type Resolution<T> = AmbiguousResolution<T>;

/** The MailTransport over EWS. Create it with `createEwsTransport` or core's `createTransport`. */
export class EwsTransport implements MailTransport {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'ews';
  readonly mailbox: string;
  readonly capabilities: TransportCapabilities;

  private readonly service: ExchangeService;
  private readonly xhr: EwsXhr;
  private readonly versionName: string;
  private readonly impersonate: boolean;
  private readonly deployment: 'online' | 'onprem';
  private readonly releaseLimiter: () => void;
  private readonly pageSize: number;
  private readonly batchSize: number;
  private readonly inlineLimit: number;
  private closed = false;

  constructor(private readonly options: EwsTransportOptions) {
    this.mailbox = options.mailbox;
    const auth = options.authentication;
    const onPremAuth = auth.kind === 'basic' || auth.kind === 'ntlm';
    const appOnly = auth.kind === 'bearer' && auth.tokenProvider.kind === 'app-only';
    this.deployment = options.deployment ?? (onPremAuth ? 'onprem' : 'online');
    this.versionName = options.version ?? (onPremAuth ? 'Exchange2013_SP1' : 'Exchange2016');
    this.impersonate = options.impersonate ?? appOnly;
    this.pageSize = options.pageSize ?? 200;
    this.batchSize = options.batchSize ?? 50;
    this.inlineLimit = options.inlineAttachmentLimitBytes ?? 4 * MiB;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.capabilities = {
      maxAttachmentBytes: Math.floor(maxMessageBytes / ENCODED_RATIO) - 64 * 1024,
      maxMessageBytes,
      incrementalSync: true,
      sendMime: true,
      batch: true,
    };

    const version = (ExchangeVersion as unknown as Record<string, ExchangeVersion>)[this.versionName];
    if (version === undefined) {
      throw new MailbridgeError({ code: 'CONFIG_INVALID', message: `ews.version: unknown EWS version "${this.versionName}".`, hint: 'Use a name such as "Exchange2016" or "Exchange2013_SP1".', details: { path: 'ews.version' } });
    }
    const principal = auth.kind === 'bearer' ? `oauth:${auth.tokenProvider.kind}` : `${auth.kind}:${auth.domain ?? ''}\\${auth.username}`;
    const limiter = sharedLimiter(`${options.url}|${principal}|${this.mailbox.toLowerCase()}`, options.maxConcurrency ?? 10);
    this.releaseLimiter = limiter.release;

    this.xhr = new EwsXhr({
      http: options.http,
      authentication: auth.kind === 'ntlm' && options.ntlmCaPem ? { ...auth, caPem: options.ntlmCaPem } : auth,
      mailbox: this.mailbox,
      anchorMailbox: this.impersonate,
      authKind: auth.kind === 'bearer' ? (appOnly ? 'app-only' : 'delegated') : auth.kind,
      limiter: limiter.limiter,
      retry: options.retry,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      onRetry: (event) => options.logger?.debug('EWS request retried', event),
    });

    this.service = new ExchangeService(version);
    this.service.Url = new Uri(options.url);
    this.service.Credentials = new AppliedByHttpLayer();
    this.service.XHRApi = this.xhr;
    this.service.UserAgent = options.http.userAgent;
    if (this.impersonate) this.service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, this.mailbox);
    enableXmlEscaping(this.service);
  }

  // ---------------------------------------------------------------------------------------------
  // send

  async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    this.assertOpen();
    validateOutgoingMessage(message);
    const internetMessageId = message.internetMessageId ?? newInternetMessageId(this.mailbox);
    const attachments = message.attachments ?? [];
    const sizes = await Promise.all(attachments.map((attachment) => attachmentSize(attachment)));
    const total = sizes.reduce((sum, size) => sum + size, 0);
    const { maxAttachmentBytes, maxMessageBytes } = this.capabilities;
    sizes.forEach((size, index) => {
      if (size > maxAttachmentBytes) throw tooLarge(`The attachment "${attachments[index]!.filename}" has ${formatMiB(size)}; this mailbox accepts about ${formatMiB(maxAttachmentBytes)} per attachment.`);
    });
    if (total * ENCODED_RATIO > maxMessageBytes) throw tooLarge(`The attachments add up to ${formatMiB(total)}; a message can hold at most ${formatMiB(maxMessageBytes)} once encoded (about ${formatMiB(maxAttachmentBytes)} of files).`);

    const save = message.saveToSentItems !== false;
    const small = total <= this.inlineLimit;
    this.options.logger?.debug('EWS send', { attachments: attachments.length, bytes: total, path: save && small ? 'CreateItem' : 'draft' });
    if (save && small) return this.sendInOneRequest(message, internetMessageId, options.signal);
    const sizeOf = new Map(attachments.map((attachment, index) => [attachment, sizes[index]!] as const));
    return this.sendThroughDraft(
      (draftAttachments) => convertToEwsMessage(this.service, message, internetMessageId, draftAttachments),
      internetMessageId,
      small ? attachments : [],
      small ? [] : attachments,
      sizeOf,
      save,
      options,
    );
  }

  async sendMime(mime: Uint8Array | string, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<SendResult> {
    this.assertOpen();
    let text = typeof mime === 'string' ? mime : Buffer.from(mime).toString('latin1');
    let internetMessageId = headerValue(text, 'Message-ID');
    if (internetMessageId) {
      checkInternetMessageId(internetMessageId);
    } else {
      // Without a Message-ID a send of unknown outcome could not be checked: give it one.
      internetMessageId = newInternetMessageId(this.mailbox);
      text = `Message-ID: ${internetMessageId}\r\n${text}`;
    }
    const base64 = Buffer.from(text, 'latin1').toString('base64');
    const build = async (): Promise<EmailMessage> => {
      const email = new EmailMessage(this.service);
      email.MimeContent = new MimeContent('UTF-8', base64);
      return email;
    };
    if (options.saveToSentItems !== false) {
      return this.sendInOneRequest(undefined, internetMessageId, options.signal, build);
    }
    return this.sendThroughDraft(() => build(), internetMessageId, [], [], new Map(), false, options.signal ? { signal: options.signal } : {});
  }

  /** CreateItem with SendAndSaveCopy: one request; an unknown outcome is checked in Sent Items. */
  private async sendInOneRequest(message: OutgoingMessage | undefined, internetMessageId: string, signal?: AbortSignal, build?: () => Promise<EmailMessage>): Promise<SendResult> {
    const result: SendResult = { transport: this.name, mailbox: this.mailbox, internetMessageId };
    return this.options.retry.execute<SendResult>(
      async () => {
        const email = build ? await build() : await convertToEwsMessage(this.service, message!, internetMessageId, message!.attachments ?? []);
        await this.call('once', signal, 'CreateItem', () =>
          // CreateItem (internal in the library's typings) sends in one request, attachments included;
          // the public SendAndSaveCopy() would make a draft first whenever there are attachments.
          (this.service as unknown as InternalService).CreateItem(email, new FolderId(WellKnownFolderName.SentItems), MessageDisposition.SendAndSaveCopy, null),
        );
        return result;
      },
      {
        ...(signal ? { signal } : {}),
        classify: onlyAmbiguity,
        onAmbiguous: async ({ signal: checkSignal }) => {
          const found = await this.findByInternetMessageId('sentitems', internetMessageId, checkSignal);
          this.options.logger?.info('EWS send had an unknown outcome; checked Sent Items', { found: Boolean(found) });
          return found ? { outcome: 'applied', value: { ...result, id: found } } : { outcome: 'not-applied' };
        },
      },
    );
  }

  /**
   * CreateItem SaveOnly into Drafts (small attachments inside), CreateAttachment for each large
   * attachment (streamed), then SendItem. Each step that fails with an unknown outcome is checked
   * before it is repeated: the draft by its Message-ID, an attachment by the draft's attachment
   * list, the send by whether the draft is gone (SendItem moves or deletes it).
   */
  private async sendThroughDraft(
    build: (inlineAttachments: OutgoingAttachment[]) => Promise<EmailMessage>,
    internetMessageId: string,
    inlineAttachments: OutgoingAttachment[],
    streamedAttachments: OutgoingAttachment[],
    sizeOf: Map<OutgoingAttachment, number>,
    save: boolean,
    options: SendOptions,
  ): Promise<SendResult> {
    const signal = options.signal;
    const common = { ...(signal ? { signal } : {}), classify: onlyAmbiguity };
    const inline = new Set(inlineAttachments);
    const draftId = await this.options.retry.execute(
      async () => {
        const email = await build(inlineAttachments);
        await this.call('once', signal, 'CreateItem', () => email.Save(new FolderId(WellKnownFolderName.Drafts)));
        return email.Id.UniqueId;
      },
      {
        ...common,
        onAmbiguous: async ({ signal: checkSignal }): Promise<Resolution<string>> => {
          const found = await this.findByInternetMessageId('drafts', internetMessageId, checkSignal);
          return found ? { outcome: 'applied', value: found } : { outcome: 'not-applied' };
        },
      },
    );

    let changeKey: string | undefined;
    const sameName = new Map<string, number>();
    for (const attachment of streamedAttachments) {
      if (inline.has(attachment)) continue;
      const expected = (sameName.get(attachment.filename) ?? 0) + 1;
      sameName.set(attachment.filename, expected);
      changeKey = await this.options.retry.execute(
        () => this.createAttachmentStreamed(draftId, attachment, sizeOf.get(attachment) ?? 0, options),
        {
          ...common,
          onAmbiguous: async ({ signal: checkSignal }): Promise<Resolution<string | undefined>> => {
            const names = await this.attachmentNames(draftId, checkSignal);
            const count = names.filter((name) => name === attachment.filename).length;
            return count >= expected ? { outcome: 'applied', value: undefined } : { outcome: 'not-applied' };
          },
        },
      );
    }

    await this.options.retry.execute(() => this.sendItem(draftId, changeKey, save, signal), {
      ...common,
      onAmbiguous: async ({ signal: checkSignal }): Promise<Resolution<void>> => {
        const stillDraft = await this.itemExists(draftId, checkSignal);
        return stillDraft ? { outcome: 'not-applied' } : { outcome: 'applied', value: undefined };
      },
    });
    const result: SendResult = { transport: this.name, mailbox: this.mailbox, internetMessageId };
    if (save) {
      const sentId = await this.findByInternetMessageId('sentitems', internetMessageId, signal).catch(() => undefined);
      if (sentId) result.id = sentId;
    }
    return result;
  }

  /** CreateAttachment with the file's base64 streamed into the request body; returns the draft's new ChangeKey. */
  private async createAttachmentStreamed(draftId: string, attachment: OutgoingAttachment, size: number, options: SendOptions): Promise<string | undefined> {
    const { open, close } = soapEnvelope(this.soapHeader());
    const contentId = attachment.contentId !== undefined ? `<t:ContentId>${escapeXmlText(attachment.contentId)}</t:ContentId>` : '';
    const head =
      open +
      `<m:CreateAttachment><m:ParentItemId Id="${escapeXmlAttribute(draftId)}"/><m:Attachments><t:FileAttachment>` +
      `<t:Name>${escapeXmlText(attachment.filename)}</t:Name><t:ContentType>${escapeXmlText(attachmentContentType(attachment))}</t:ContentType>${contentId}` +
      `<t:IsInline>${attachment.contentId !== undefined ? 'true' : 'false'}</t:IsInline><t:Content>`;
    const tail = `</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>${close}`;
    const onProgress = options.onUploadProgress;
    const filename = attachment.filename;
    const body = (): ReadableStream<Uint8Array> => {
      const encoder = new TextEncoder();
      async function* parts(): AsyncGenerator<Uint8Array> {
        yield encoder.encode(head);
        let sent = 0;
        const counted = (async function* () {
          for await (const chunk of attachmentStream(attachment)) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
            sent += bytes.byteLength;
            yield bytes;
            onProgress?.({ filename, sentBytes: sent, totalBytes: size });
          }
        })();
        for await (const text of base64Chunks(counted)) yield encoder.encode(text);
        yield encoder.encode(tail);
      }
      const iterator = parts();
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        async cancel() {
          await iterator.return(undefined);
        },
      });
    };
    const text = await this.raw('once', options.signal, 'CreateAttachment', body);
    return attributeOf(text, 'AttachmentId', 'RootItemChangeKey');
  }

  private async sendItem(draftId: string, changeKey: string | undefined, save: boolean, signal?: AbortSignal): Promise<void> {
    const { open, close } = soapEnvelope(this.soapHeader());
    const itemId = `<t:ItemId Id="${escapeXmlAttribute(draftId)}"${changeKey ? ` ChangeKey="${escapeXmlAttribute(changeKey)}"` : ''}/>`;
    const saved = save ? '<m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId>' : '';
    await this.raw('once', signal, 'SendItem', `${open}<m:SendItem SaveItemToFolder="${save}"><m:ItemIds>${itemId}</m:ItemIds>${saved}</m:SendItem>${close}`);
  }

  // ---------------------------------------------------------------------------------------------
  // receive, sync

  async *receive(options: ReceiveOptions = {}): AsyncGenerator<ReceivedMessage> {
    this.assertOpen();
    const folderName = options.folder ?? 'inbox';
    const folderId = this.folderId(folderName);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    const includeBody = options.includeBody !== false;
    const pageSize = Math.max(1, Math.min(options.pageSize ?? this.pageSize, 1000));
    const filters: SearchFilter[] = [];
    if (options.unreadOnly) filters.push(new SearchFilter.IsEqualTo(EmailMessageSchema.IsRead, false));
    if (options.since) {
      // Exchange keeps DateTimeReceived to the second: compare from the start of `since`'s second,
      // or a message received in that very second would be left out.
      const since = new Date(Math.floor(options.since.getTime() / 1000) * 1000);
      filters.push(new SearchFilter.IsGreaterThanOrEqualTo(ItemSchema.DateTimeReceived, DateTime.Parse(since.toISOString())));
    }
    const filter = filters.length === 0 ? null : filters.length === 1 ? filters[0]! : new SearchFilter.SearchFilterCollection(LogicalOperator.And, filters);

    const seen = new Set<string>();
    let offset = 0;
    let yielded = 0;
    // Bounded: every round advances the offset or ends; a page that brings nothing new ends it too.
    for (let round = 0; round < 1_000_000; round++) {
      const view = new ItemView(pageSize, offset, OffsetBasePoint.Beginning);
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
      view.OrderBy.Add(ItemSchema.DateTimeReceived, SortDirection.Descending);
      const page = await this.call('idempotent', options.signal, 'FindItem', () =>
        filter ? this.service.FindItems(folderId, filter, view) : this.service.FindItems(folderId, view),
      );
      const ids = page.Items.map((item) => item.Id.UniqueId).filter((id) => !seen.has(id));
      for (const id of ids) seen.add(id);
      const wanted = ids.slice(0, Math.max(0, limit - yielded));
      for (const message of await this.getMessages(wanted, folderName, includeBody, options.signal)) {
        yield message;
        yielded++;
      }
      if (yielded >= limit || !page.MoreAvailable || page.Items.length === 0) return;
      // The server says where the next page starts; pages can come back shorter than asked.
      offset = page.NextPageOffset ?? offset + page.Items.length;
    }
  }

  async sync(options: SyncOptions = {}): Promise<SyncResult> {
    this.assertOpen();
    const previous = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined;
    if (previous && options.folder !== undefined && options.folder !== previous.folder) {
      throw new MailbridgeError({ code: 'USAGE', message: `The sync cursor is for folder "${previous.folder}", not "${options.folder}".`, hint: 'Keep one cursor per folder.' });
    }
    const folderName = previous?.folder ?? options.folder ?? 'inbox';
    const pageSize = Math.max(1, Math.min(options.pageSize ?? 200, 512));
    const changes = await this.call('idempotent', options.signal, 'SyncFolderItems', () =>
      this.service.SyncFolderItems(this.folderId(folderName), new PropertySet(BasePropertySet.IdOnly), null as unknown as ItemId[], pageSize, SyncFolderItemsScope.NormalItems, previous?.syncState ?? (null as unknown as string)),
    );
    const upserts: string[] = [];
    const ordered: Array<{ type: 'upsert'; id: string } | { type: 'removed'; id: string }> = [];
    for (const change of changes.GetEnumerator()) {
      const id = change.ItemId?.UniqueId ?? change.Item?.Id?.UniqueId;
      if (!id) continue;
      if (change.ChangeType === ChangeType.Delete) ordered.push({ type: 'removed', id });
      else {
        ordered.push({ type: 'upsert', id });
        upserts.push(id);
      }
    }
    const messages = new Map((await this.getMessages([...new Set(upserts)], folderName, true, options.signal)).map((message) => [message.id, message] as const));
    const out: SyncChange[] = [];
    for (const entry of ordered) {
      if (entry.type === 'removed') out.push({ type: 'removed', id: entry.id });
      else {
        const message = messages.get(entry.id);
        // Created and deleted again before GetItem: report it as removed.
        out.push(message ? { type: 'upsert', message } : { type: 'removed', id: entry.id });
      }
    }
    return { changes: out, cursor: encodeCursor({ folder: folderName, syncState: changes.SyncState }), hasMore: changes.MoreChangesAvailable };
  }

  /** GetItem in batches; ids deleted meanwhile are skipped. */
  private async getMessages(ids: string[], folder: string, includeBody: boolean, signal?: AbortSignal): Promise<ReceivedMessage[]> {
    if (ids.length === 0) return [];
    const properties = [
      ItemSchema.Subject,
      ItemSchema.DateTimeReceived,
      ItemSchema.HasAttachments,
      ItemSchema.Attachments,
      EmailMessageSchema.InternetMessageId,
      EmailMessageSchema.From,
      EmailMessageSchema.ToRecipients,
      EmailMessageSchema.CcRecipients,
      EmailMessageSchema.IsRead,
    ];
    if (includeBody) {
      properties.push(ItemSchema.Body);
      if (this.service.RequestedServerVersion >= ExchangeVersion.Exchange2013) properties.push(ItemSchema.TextBody);
    }
    const propertySet = new PropertySet(BasePropertySet.IdOnly, properties);
    // Metadata responses are small: twice the batch size halves the round trips of a listing.
    const size = includeBody ? this.batchSize : this.batchSize * 2;
    const batches: string[][] = [];
    for (let index = 0; index < ids.length; index += size) batches.push(ids.slice(index, index + size));
    const loaded = await Promise.all(
      batches.map((batch) =>
        this.call('idempotent', signal, 'GetItem', () => this.service.BindToItems(batch.map((id) => new ItemId(id)), propertySet)),
      ),
    );
    const out: ReceivedMessage[] = [];
    for (const responses of loaded) {
      for (const response of responses.Responses) {
        if (response.Result === ServiceResult.Error) {
          const code = String((response as unknown as { ErrorCode: number }).ErrorCode);
          const name = mapLibraryError({ ErrorCode: Number(code) }, this.failureBase('GetItem'));
          if (name.code === 'ITEM_NOT_FOUND') continue;
          throw name;
        }
        const item = (response as unknown as { Item: Item }).Item;
        out.push(convertFromEwsItem(item, folder, includeBody, (attachmentId) => this.attachmentContent(attachmentId)));
      }
    }
    return out;
  }

  private async attachmentContent(attachmentId: string, signal?: AbortSignal): Promise<Uint8Array> {
    this.assertOpen();
    const responses = await this.call('idempotent', signal, 'GetAttachment', () => this.service.GetAttachments([attachmentId], null as unknown as BodyType, null as unknown as PropertyDefinitionBase[]));
    const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Attachment?: FileAttachment };
    if (!response || response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response?.ErrorCode }, this.failureBase('GetAttachment'));
    return Buffer.from(response.Attachment?.Base64Content ?? '', 'base64');
  }

  // ---------------------------------------------------------------------------------------------
  // markRead, move, getMime, probe

  async markRead(ids: string | string[], options: { isRead?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    const list = [...new Set(Array.isArray(ids) ? ids : [ids])];
    const isRead = options.isRead !== false;
    const batches: string[][] = [];
    for (let index = 0; index < list.length; index += this.batchSize) batches.push(list.slice(index, index + this.batchSize));
    await Promise.all(
      batches.map(async (batch) => {
        const { open, close } = soapEnvelope(this.soapHeader());
        const changes = batch
          .map(
            (id) =>
              `<t:ItemChange><t:ItemId Id="${escapeXmlAttribute(id)}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/>` +
              `<t:Message><t:IsRead>${isRead}</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>`,
          )
          .join('');
        // Setting IsRead to a value is idempotent: it may be repeated after any failure.
        const text = await this.raw('idempotent', options.signal, 'UpdateItem', `${open}<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges>${changes}</m:ItemChanges></m:UpdateItem>${close}`);
        const failed = [...text.matchAll(/ResponseClass="Error"[\s\S]*?<(?:\w+:)?ResponseCode>(\w+)</g)].map((match) => match[1]!);
        if (failed.length > 0) throw mapEwsError({ ...this.failureBase('UpdateItem'), responseCode: failed[0]!, serverMessage: `${failed.length} of ${batch.length} messages could not be updated` });
      }),
    );
  }

  async move(id: string, folder: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string }> {
    this.assertOpen();
    const responses = await this.call('once', options.signal, 'MoveItem', () => this.service.MoveItems([new ItemId(id)], this.folderId(folder), true));
    const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Item?: Item };
    if (!response || response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response?.ErrorCode }, this.failureBase('MoveItem'));
    const newId = response.Item?.Id?.UniqueId;
    if (!newId) {
      throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'MoveItem returned no new item id.', hint: 'List the destination folder to find the message.' });
    }
    return { id: newId };
  }

  async getMime(id: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    this.assertOpen();
    const responses = await this.call('idempotent', options.signal, 'GetItem', () =>
      this.service.BindToItems([new ItemId(id)], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent])),
    );
    const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Item?: Item };
    if (!response || response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response?.ErrorCode }, this.failureBase('GetItem'));
    const content = response.Item?.MimeContent?.Content;
    if (!content) throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'GetItem returned no MIME content.', hint: 'The item may not be an e-mail message.' });
    return Buffer.from(content, 'base64');
  }

  async probe(options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
    this.assertOpen();
    const folder = await this.call('idempotent', options.signal, 'GetFolder', () => Folder.Bind(this.service, new FolderId(WellKnownFolderName.Inbox)));
    const result: ProbeResult = { mailbox: this.mailbox, inbox: { total: folder.TotalCount, unread: folder.UnreadCount } };
    if (this.deployment === 'online') {
      result.notices = [
        'Exchange Online blocks EWS for apps that are not allow-listed (Set-OrganizationConfig -EwsAllowedAppIDs) since October 2026 and turns EWS off on 1 April 2027: plan the move to "transport": "graph".',
      ];
    }
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releaseLimiter();
    this.xhr.close();
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private assertOpen(): void {
    if (this.closed) throw new MailbridgeError({ code: 'USAGE', message: 'The EWS transport is closed.', hint: 'Create a new transport; close() ends its use.' });
  }

  private failureBase(operation: string): Omit<EwsFailure, 'responseCode' | 'serverMessage'> {
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
  private async call<T>(retry: EwsCallContext['retry'], signal: AbortSignal | undefined, operation: string, run: () => Promise<T>): Promise<T> {
    const context: EwsCallContext = { retry, ...(signal ? { signal } : {}) };
    try {
      return await callContext.run(context, run);
    } catch (error) {
      throw context.error ?? mapLibraryError(error, this.failureBase(operation));
    }
  }

  /** Posts a hand-written request through the same HTTP layer and checks its first response message. */
  private async raw(retry: EwsCallContext['retry'], signal: AbortSignal | undefined, operation: string, body: string | (() => ReadableStream<Uint8Array>)): Promise<string> {
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

  private soapHeader(): { version: string; impersonate?: string } {
    return { version: this.versionName, ...(this.impersonate ? { impersonate: this.mailbox } : {}) };
  }

  private folderId(folder: string): FolderId {
    const known = WELL_KNOWN[folder.toLowerCase()];
    return known !== undefined ? new FolderId(known) : new FolderId(folder);
  }

  /** The id of the message with this Internet Message-ID in a well-known folder, if there is one. */
  private async findByInternetMessageId(folder: keyof typeof DISTINGUISHED, internetMessageId: string, signal?: AbortSignal): Promise<string | undefined> {
    const view = new ItemView(2);
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
    const page = await this.call('idempotent', signal, 'FindItem', () =>
      // message:InternetMessageId is searchable on every Exchange version (PR_INTERNET_MESSAGE_ID is the same property).
      this.service.FindItems(this.folderId(folder), new SearchFilter.IsEqualTo(EmailMessageSchema.InternetMessageId, internetMessageId), view),
    );
    return page.Items[0]?.Id.UniqueId;
  }

  private async itemExists(id: string, signal?: AbortSignal): Promise<boolean> {
    const responses = await this.call('idempotent', signal, 'GetItem', () => this.service.BindToItems([new ItemId(id)], new PropertySet(BasePropertySet.IdOnly)));
    const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number };
    if (response.Result !== ServiceResult.Error) return true;
    const error = mapLibraryError({ ErrorCode: response.ErrorCode }, this.failureBase('GetItem'));
    if (error.code === 'ITEM_NOT_FOUND') return false;
    throw error;
  }

  private async attachmentNames(id: string, signal?: AbortSignal): Promise<string[]> {
    const responses = await this.call('idempotent', signal, 'GetItem', () => this.service.BindToItems([new ItemId(id)], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Attachments])));
    const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Item?: Item };
    if (response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response.ErrorCode }, this.failureBase('GetItem'));
    return (response.Item?.Attachments.GetEnumerator() ?? []).map((attachment) => attachment.Name);
  }
}

/** The outer retry of a send only resolves unknown outcomes; the HTTP layer already retried the rest. */
function onlyAmbiguity(error: unknown): { kind: 'ambiguous' } | { kind: 'fail' } {
  return isOutcomeUnknown(error) ? { kind: 'ambiguous' } : { kind: 'fail' };
}

function tooLarge(message: string): MailbridgeError {
  return new MailbridgeError({
    code: 'MESSAGE_TOO_LARGE',
    message,
    hint: 'Send a link to the file instead, or split it across messages. If an administrator raised the mailbox\'s MaxSendSize, set maxMessageBytes of the EWS transport to match.',
  });
}

/** What a sync cursor holds: the folder (sync() may be called with the cursor alone) and EWS's SyncState. */
interface SyncCursor {
  folder: string;
  syncState: string;
}

const CURSOR_PREFIX = 'ews1.';

function encodeCursor(cursor: SyncCursor): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify({ f: cursor.folder, s: cursor.syncState }), 'utf8').toString('base64url');
}

function decodeCursor(text: string): SyncCursor {
  const invalid = () =>
    new MailbridgeError({
      code: 'USAGE',
      message: 'The sync cursor was not made by the EWS transport.',
      hint: 'Pass back the cursor a previous sync() of this transport returned, or start again without a cursor.',
    });
  if (!text.startsWith(CURSOR_PREFIX)) throw invalid();
  try {
    const parsed = JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as { f?: unknown; s?: unknown };
    if (typeof parsed.f !== 'string' || typeof parsed.s !== 'string') throw invalid();
    return { folder: parsed.f, syncState: parsed.s };
  } catch {
    throw invalid();
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** The value of a header in the head of a MIME message (unfolded). */
function headerValue(mime: string, name: string): string | undefined {
  const end = mime.search(/\r?\n\r?\n/);
  const head = (end < 0 ? mime : mime.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim();
}
