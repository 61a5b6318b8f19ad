import { isOutcomeUnknown, MailbridgeError } from '@mailbridge/core';
import { BasePropertySet, EmailMessageSchema, type Item, ItemId, ItemSchema, ItemView, PropertySet, SearchFilter, ServiceResult } from 'ews-javascript-api';
import type { EwsRequester } from './ews-request.js';
import { mapLibraryError } from './map-ews-error.js';

/** The outer retry of a send only resolves unknown outcomes; the HTTP layer already retried the rest. */
export function onlyAmbiguity(error: unknown): { kind: 'ambiguous' } | { kind: 'fail' } {
  return isOutcomeUnknown(error) ? { kind: 'ambiguous' } : { kind: 'fail' };
}

/**
 * Message-IDs of sends in this process whose outcome stayed unknown (bounded). Sending one of them
 * again — the caller's retry of a SEND_UNCONFIRMED — looks in Sent Items first, as `resend` does.
 */
const unknownOutcomes = new Set<string>();
const MAX_REMEMBERED = 10_000;

/** Whether a send of this Message-ID must look in Sent Items first (`resend`, or an unknown outcome in this process). */
export function mustCheckFirst(internetMessageId: string, resend: boolean | undefined): boolean {
  return resend === true || unknownOutcomes.has(internetMessageId);
}

/** Forgets a Message-ID once its send is settled. */
export function settled(internetMessageId: string): void {
  unknownOutcomes.delete(internetMessageId);
}

/**
 * Runs the check that settles an ambiguous send (Sent Items, the draft); its requests are retried
 * within the retry budget. When it still fails (ErrorServerBusy, 503, a timeout), the send is
 * SEND_UNCONFIRMED — never the check's own error, which would read as a definite failure.
 */
export async function settle<T>(internetMessageId: string, cause: unknown, check: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await check();
  } catch (checkError) {
    if (signal?.aborted) throw checkError;
    const code = MailbridgeError.isInstance(checkError) ? checkError.code : 'an error';
    throw unconfirmed(internetMessageId, cause, `looking for it in Sent Items failed too (${code})`);
  }
}

/** The error of a send that may have taken effect and that nothing could confirm (`isOutcomeUnknown` is true). */
export function unconfirmed(internetMessageId: string, cause: unknown, why: string): MailbridgeError {
  if (unknownOutcomes.size >= MAX_REMEMBERED) unknownOutcomes.delete(unknownOutcomes.values().next().value as string);
  unknownOutcomes.add(internetMessageId);
  return new MailbridgeError({
    code: 'SEND_UNCONFIRMED',
    message: `The send of ${internetMessageId} failed in a way that may have taken effect, and ${why}.`,
    hint:
      `Look for ${internetMessageId} in the recipients' mailboxes or the message trace (Exchange admin center > Mail flow > ` + 'Message trace) before sending it again; sending it again with the same Message-ID looks in Sent Items first.',
    details: { internetMessageId, ambiguous: true },
    cause,
  });
}

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
