import { MailbridgeError } from '@mailbridge/core';
import { type Item, ItemId, ServiceResult } from 'ews-javascript-api';
import type { EwsRequester } from './ews-request.js';
import { mapEwsError, mapLibraryError } from './map-ews-error.js';
import { soapEnvelope } from './soap-envelope.js';
import { escapeXmlAttribute } from './xml/escape-xml.js';

/** `markRead()` over EWS: UpdateItem of IsRead, in batches. */
export async function markRead(requester: EwsRequester, ids: string | string[], options: { isRead?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  requester.assertOpen();
  const list = [...new Set(Array.isArray(ids) ? ids : [ids])];
  const isRead = options.isRead !== false;
  const { batchSize } = requester.settings;
  const batches: string[][] = [];
  for (let index = 0; index < list.length; index += batchSize) batches.push(list.slice(index, index + batchSize));
  await Promise.all(
    batches.map(async (batch) => {
      const { open, close } = soapEnvelope(requester.soapHeader());
      const changes = batch
        .map(
          (id) =>
            `<t:ItemChange><t:ItemId Id="${escapeXmlAttribute(id)}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/>` + `<t:Message><t:IsRead>${isRead}</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>`,
        )
        .join('');
      // Setting IsRead to a value is idempotent: it may be repeated after any failure.
      const text = await requester.raw('idempotent', options.signal, 'UpdateItem', `${open}<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges>${changes}</m:ItemChanges></m:UpdateItem>${close}`);
      const failed = [...text.matchAll(/ResponseClass="Error"[\s\S]*?<(?:\w+:)?ResponseCode>(\w+)</g)].map((match) => match[1]!);
      if (failed.length > 0) throw mapEwsError({ ...requester.failureBase('UpdateItem'), responseCode: failed[0]!, serverMessage: `${failed.length} of ${batch.length} messages could not be updated` });
    }),
  );
}

/** `move()` over EWS: MoveItem, returning the new item id. */
export async function move(requester: EwsRequester, id: string, folder: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string }> {
  requester.assertOpen();
  const responses = await requester.call('once', options.signal, 'MoveItem', () => requester.service.MoveItems([new ItemId(id)], requester.folderId(folder), true));
  const response = responses.Responses[0] as unknown as { Result: ServiceResult; ErrorCode: number; Item?: Item };
  if (!response || response.Result === ServiceResult.Error) throw mapLibraryError({ ErrorCode: response?.ErrorCode }, requester.failureBase('MoveItem'));
  const newId = response.Item?.Id?.UniqueId;
  if (!newId) {
    throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'MoveItem returned no new item id.', hint: 'List the destination folder to find the message.' });
  }
  return { id: newId };
}
