import { isOutcomeUnknown } from '@mailbridge/core';
import { BasePropertySet, EmailMessageSchema, type Item, ItemId, ItemSchema, ItemView, PropertySet, SearchFilter, ServiceResult } from 'ews-javascript-api';
import type { EwsRequester } from './ews-request.js';
import { mapLibraryError } from './map-ews-error.js';

/** The outer retry of a send only resolves unknown outcomes; the HTTP layer already retried the rest. */
export function onlyAmbiguity(error: unknown): { kind: 'ambiguous' } | { kind: 'fail' } {
  return isOutcomeUnknown(error) ? { kind: 'ambiguous' } : { kind: 'fail' };
}

// The unknown-outcome memory and SEND_UNCONFIRMED are core's, shared by both adapters.
export { mustCheckFirst, settle, settled, unconfirmed } from '@mailbridge/core';

/** The id of the message with this Internet Message-ID in a well-known folder, if there is one. */
export async function findByInternetMessageId(requester: EwsRequester, folder: 'sentitems' | 'drafts', internetMessageId: string, signal?: AbortSignal): Promise<string | undefined> {
  const view = new ItemView(2);
  view.PropertySet = new PropertySet(BasePropertySet.IdOnly);
  const page = await requester.call('idempotent', signal, 'FindItem', () =>
    // message:InternetMessageId is searchable on every Exchange version (PR_INTERNET_MESSAGE_ID is the same property).
    requester.service.FindItems(requester.folderId(folder), new SearchFilter.IsEqualTo(EmailMessageSchema.InternetMessageId, internetMessageId), view),
  );
  return page.Items[0]?.Id.UniqueId;
}

/** Whether the item (a draft) still exists: SendItem moves or deletes the draft it sent. */
export async function itemExists(requester: EwsRequester, id: string, signal?: AbortSignal): Promise<boolean> {
  const responses = await requester.call('idempotent', signal, 'GetItem', () => requester.service.BindToItems([new ItemId(id)], new PropertySet(BasePropertySet.IdOnly)));
  const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number };
  if (response.Result !== ServiceResult.Error) return true;
  const error = mapLibraryError({ ErrorCode: response.ErrorCode }, requester.failureBase('GetItem'));
  if (error.code === 'ITEM_NOT_FOUND') return false;
  throw error;
}

/** The names of the draft's attachments (to confirm an attachment whose answer was lost). */
export async function attachmentNames(requester: EwsRequester, id: string, signal?: AbortSignal): Promise<string[]> {
  const responses = await requester.call('idempotent', signal, 'GetItem', () => requester.service.BindToItems([new ItemId(id)], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Attachments])));
  const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Item?: Item };
  if (response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response.ErrorCode }, requester.failureBase('GetItem'));
  return (response.Item?.Attachments.GetEnumerator() ?? []).map((attachment) => attachment.Name);
}
