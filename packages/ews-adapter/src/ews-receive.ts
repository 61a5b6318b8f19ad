import { type GetMessageOptions, MailbridgeError, type ReceivedMessage, type ReceiveOptions } from '@mailbridge/core';
import {
  BasePropertySet,
  type BodyType,
  DateTime,
  EmailMessageSchema,
  ExchangeVersion,
  type FileAttachment,
  type Item,
  ItemId,
  ItemSchema,
  ItemView,
  LogicalOperator,
  OffsetBasePoint,
  type PropertyDefinitionBase,
  PropertySet,
  SearchFilter,
  ServiceResult,
  SortDirection,
} from 'ews-javascript-api';
import { convertFromEwsItem } from './convert-from-ews-message.js';
import type { EwsRequester } from './ews-request.js';
import { mapLibraryError } from './map-ews-error.js';

/** `receive()` over EWS: FindItem pages of a folder, newest first, then GetItem of the new ids. */
export async function* receive(requester: EwsRequester, options: ReceiveOptions = {}): AsyncGenerator<ReceivedMessage> {
  requester.assertOpen();
  const folderName = options.folder ?? 'inbox';
  const folderId = requester.folderId(folderName);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  const includeBody = options.includeBody !== false;
  const pageSize = Math.max(1, Math.min(options.pageSize ?? requester.settings.pageSize, 1000));
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
    const page = await requester.call('idempotent', options.signal, 'FindItem', () => (filter ? requester.service.FindItems(folderId, filter, view) : requester.service.FindItems(folderId, view)));
    const ids = page.Items.map((item) => item.Id.UniqueId).filter((id) => !seen.has(id));
    for (const id of ids) seen.add(id);
    const wanted = ids.slice(0, Math.max(0, limit - yielded));
    for (const message of await getMessages(requester, wanted, folderName, includeBody, options.signal)) {
      yield message;
      yielded++;
    }
    if (yielded >= limit || !page.MoreAvailable || page.Items.length === 0) return;
    // The server says where the next page starts; pages can come back shorter than asked.
    offset = page.NextPageOffset ?? offset + page.Items.length;
  }
}

/** The properties a received message is read with (GetItem): what {@link ReceivedMessage} carries. */
function messagePropertySet(requester: EwsRequester, includeBody: boolean, extra: PropertyDefinitionBase[] = []): PropertySet {
  const { service } = requester;
  const properties: PropertyDefinitionBase[] = [
    ...extra,
    ItemSchema.Subject,
    ItemSchema.DateTimeReceived,
    ItemSchema.HasAttachments,
    ItemSchema.Attachments,
    EmailMessageSchema.InternetMessageId,
    EmailMessageSchema.From,
    EmailMessageSchema.ToRecipients,
    EmailMessageSchema.CcRecipients,
    EmailMessageSchema.IsRead,
    EmailMessageSchema.ReplyTo,
    ItemSchema.InReplyTo,
    EmailMessageSchema.References,
  ];
  // ConversationId exists from Exchange 2010 SP1 on; the library refuses it for older versions.
  if (service.RequestedServerVersion >= ExchangeVersion.Exchange2010_SP1) properties.push(ItemSchema.ConversationId);
  if (includeBody) {
    properties.push(ItemSchema.Body);
    if (service.RequestedServerVersion >= ExchangeVersion.Exchange2013) properties.push(ItemSchema.TextBody);
  }
  return new PropertySet(BasePropertySet.IdOnly, properties);
}

/** GetItem in batches; ids deleted meanwhile are skipped. */
export async function getMessages(requester: EwsRequester, ids: string[], folder: string, includeBody: boolean, signal?: AbortSignal): Promise<ReceivedMessage[]> {
  if (ids.length === 0) return [];
  const { service } = requester;
  const propertySet = messagePropertySet(requester, includeBody);
  // Metadata responses are small: twice the batch size halves the round trips of a listing.
  const size = includeBody ? requester.settings.batchSize : requester.settings.batchSize * 2;
  const batches: string[][] = [];
  for (let index = 0; index < ids.length; index += size) batches.push(ids.slice(index, index + size));
  const loaded = await Promise.all(
    batches.map((batch) =>
      requester.call('idempotent', signal, 'GetItem', () =>
        service.BindToItems(
          batch.map((id) => new ItemId(id)),
          propertySet,
        ),
      ),
    ),
  );
  const out: ReceivedMessage[] = [];
  for (const responses of loaded) {
    for (const response of responses.Responses) {
      if (response.Result === ServiceResult.Error) {
        const code = String((response as unknown as { ErrorCode: number }).ErrorCode);
        const name = mapLibraryError({ ErrorCode: Number(code) }, requester.failureBase('GetItem'));
        if (name.code === 'ITEM_NOT_FOUND') continue;
        throw name;
      }
      const item = (response as unknown as { Item: Item }).Item;
      out.push(convertFromEwsItem(item, folder, includeBody, (attachmentId) => attachmentContent(requester, attachmentId)));
    }
  }
  return out;
}

/**
 * `getMessage()` over EWS: one GetItem of the id with the listing's properties and the parent folder.
 * The body comes as Exchange stores it, and (Exchange 2013 and later) its text rendering too.
 */
export async function getMessage(requester: EwsRequester, id: string, options: GetMessageOptions = {}): Promise<ReceivedMessage> {
  requester.assertOpen();
  const includeBody = options.includeBody ?? true;
  const propertySet = messagePropertySet(requester, includeBody, [ItemSchema.ParentFolderId]);
  const responses = await requester.call('idempotent', options.signal, 'GetItem', () => requester.service.BindToItems([new ItemId(id)], propertySet));
  const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Item?: Item };
  if (!response || response.Result === ServiceResult.Error || !response.Item) throw mapLibraryError({ ErrorCode: response?.ErrorCode }, requester.failureBase('GetItem'));
  const item = response.Item;
  let folder = '';
  try {
    folder = item.ParentFolderId?.UniqueId ?? '';
  } catch {
    // Not returned: the folder stays unknown.
  }
  return convertFromEwsItem(item, folder, includeBody, (attachmentId) => attachmentContent(requester, attachmentId));
}

/** The bytes of one attachment (fetched when the caller asks for them). */
async function attachmentContent(requester: EwsRequester, attachmentId: string, signal?: AbortSignal): Promise<Uint8Array> {
  requester.assertOpen();
  const responses = await requester.call('idempotent', signal, 'GetAttachment', () => requester.service.GetAttachments([attachmentId], null as unknown as BodyType, null as unknown as PropertyDefinitionBase[]));
  const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Attachment?: FileAttachment };
  if (!response || response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response?.ErrorCode }, requester.failureBase('GetAttachment'));
  return Buffer.from(response.Attachment?.Base64Content ?? '', 'base64');
}

/** `getMime()` over EWS: GetItem of the item's MimeContent. */
export async function getMime(requester: EwsRequester, id: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
  requester.assertOpen();
  const responses = await requester.call('idempotent', options.signal, 'GetItem', () => requester.service.BindToItems([new ItemId(id)], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent])));
  const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Item?: Item };
  if (!response || response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response?.ErrorCode }, requester.failureBase('GetItem'));
  const content = response.Item?.MimeContent?.Content;
  if (!content) throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'GetItem returned no MIME content.', hint: 'The item may not be an e-mail message.' });
  return Buffer.from(content, 'base64');
}
