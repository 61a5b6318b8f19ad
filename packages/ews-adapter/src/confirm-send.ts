import { isOutcomeUnknown, lookInSentItems, MailbridgeError } from '@mailbridge/core';
import type { EwsRequester } from './ews-request.js';
import { soapEnvelope } from './soap-envelope.js';
import { escapeXmlAttribute } from './xml/escape-xml.js';
import { attachmentNamesOf, itemIdsOf, parseEwsResponse } from './xml/parse-ews-response.js';

/** The outer retry of a send only resolves unknown outcomes; the HTTP layer already retried the rest. */
export function onlyAmbiguity(error: unknown): { kind: 'ambiguous' } | { kind: 'fail' } {
  return isOutcomeUnknown(error) ? { kind: 'ambiguous' } : { kind: 'fail' };
}

// The unknown-outcome memory and SEND_UNCONFIRMED are core's, shared by both adapters.
export { mustCheckFirst, settle, settled, unconfirmed } from '@mailbridge/core';

/** The id of the message with this Internet Message-ID in a well-known folder, if there is one. */
export async function findByInternetMessageId(requester: EwsRequester, folder: 'sentitems' | 'drafts', internetMessageId: string, signal?: AbortSignal): Promise<string | undefined> {
  const { open, close } = soapEnvelope(requester.soapHeader());
  // message:InternetMessageId is searchable on every Exchange version (PR_INTERNET_MESSAGE_ID is the same property).
  const body =
    '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>' +
    '<m:IndexedPageItemView MaxEntriesReturned="2" Offset="0" BasePoint="Beginning"/>' +
    `<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="message:InternetMessageId"/><t:FieldURIOrConstant><t:Constant Value="${escapeXmlAttribute(internetMessageId)}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>` +
    `<m:ParentFolderIds>${requester.folderIdXml(folder)}</m:ParentFolderIds></m:FindItem>`;
  const text = await requester.raw('idempotent', signal, 'FindItem', `${open}${body}${close}`);
  return itemIdsOf(parseEwsResponse(text, 'FindItem'))[0] || undefined;
}

/**
 * Looks for the message in Sent Items by Internet Message-ID, on core's schedule of looks (shared
 * with Graph): after a send whose outcome is unknown, this decides whether it is sent again.
 */
export function findInSentItems(requester: EwsRequester, internetMessageId: string, signal?: AbortSignal): Promise<string | undefined> {
  return lookInSentItems({
    internetMessageId,
    delaysMs: requester.settings.confirmDelaysMs,
    logger: requester.logger,
    transport: 'ews',
    signal,
    look: () => findByInternetMessageId(requester, 'sentitems', internetMessageId, signal),
  });
}

/** GetItem of one item with the id only, or with `item:Attachments` too. */
function getItem(requester: EwsRequester, id: string, withAttachments: boolean, signal?: AbortSignal): Promise<string> {
  const { open, close } = soapEnvelope(requester.soapHeader());
  const shape = `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>${withAttachments ? '<t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties>' : ''}</m:ItemShape>`;
  return requester.raw('idempotent', signal, 'GetItem', `${open}<m:GetItem>${shape}<m:ItemIds><t:ItemId Id="${escapeXmlAttribute(id)}"/></m:ItemIds></m:GetItem>${close}`);
}

/** Whether the item (a draft) still exists: SendItem moves or deletes the draft it sent. */
export async function itemExists(requester: EwsRequester, id: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await getItem(requester, id, false, signal);
    return true;
  } catch (error) {
    if (MailbridgeError.isInstance(error) && error.code === 'ITEM_NOT_FOUND') return false;
    throw error;
  }
}

/** The names of the draft's attachments (to confirm an attachment whose answer was lost). */
export async function attachmentNames(requester: EwsRequester, id: string, signal?: AbortSignal): Promise<string[]> {
  return attachmentNamesOf(parseEwsResponse(await getItem(requester, id, true, signal), 'GetItem'));
}
