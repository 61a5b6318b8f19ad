import { type AmbiguousResolution, MailbridgeError, type OutgoingMessage, prepareMimeMessage, prepareOutgoingMessage, type SendOptions, type SendResult, type SizedAttachment } from '@mailbridge/core';
import { attachmentNames, findByInternetMessageId, findInSentItems, itemExists, mustCheckFirst, onlyAmbiguity, settle, settled } from './confirm-send.js';
import { convertMimeToEwsMessage, convertToEwsMessage } from './convert-to-ews-message.js';
import type { EwsRequester } from './ews-request.js';
import { soapEnvelope } from './soap-envelope.js';
import { uploadAttachment } from './upload-session.js';
import { escapeXmlAttribute } from './xml/escape-xml.js';
import { itemIdsOf, parseEwsResponse } from './xml/parse-ews-response.js';

// Sending writes its SOAP by hand (convert-to-ews-message.ts) and reads the answers with xmldom: it
// never loads ews-javascript-api, which costs a fresh process more than the rest of a send.

/** `send()` over EWS: CreateItem SendAndSaveCopy when small and kept, otherwise through a draft. */
export async function send(requester: EwsRequester, message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
  requester.assertOpen();
  const prepared = await prepareOutgoingMessage(message, {
    mailbox: requester.mailbox,
    capabilities: requester.capabilities,
    tooLargeHint: "Send a link to the file instead, or split it across messages. If an administrator raised the mailbox's MaxSendSize, set maxMessageBytes of the EWS transport to match.",
  });
  const { internetMessageId, attachments, attachmentBytes: total } = prepared;

  const save = prepared.saveToSentItems;
  // A resend of a message whose earlier attempt may have gone out: Sent Items first.
  if (message.internetMessageId !== undefined && save && mustCheckFirst(internetMessageId, options.resend)) {
    const found = await settle(internetMessageId, undefined, () => findInSentItems(requester, internetMessageId, options.signal), options.signal);
    if (found) {
      settled(internetMessageId);
      return { transport: 'ews', mailbox: requester.mailbox, internetMessageId, id: found };
    }
  }
  // Attachments go inside a CreateItem from Exchange 2010 SP2 on; with an older version, each goes with
  // CreateAttachment onto a draft (as the library's drafts did; its one-request send dropped them).
  const small = total <= requester.settings.inlineLimit && (attachments.length === 0 || attachmentsInCreateItem(requester.settings.versionName));
  requester.logger.debug('EWS send', { attachments: attachments.length, bytes: total, path: save && small ? 'CreateItem' : 'draft' });
  if (save && small) {
    return sendInOneRequest(requester, internetMessageId, options.signal, () => convertToEwsMessage(message, internetMessageId, attachments, requester.settings.versionName));
  }
  return sendThroughDraft(
    requester,
    (draftAttachments) => convertToEwsMessage(message, internetMessageId, draftAttachments, requester.settings.versionName),
    internetMessageId,
    small ? attachments : [],
    small ? [] : attachments,
    save,
    options,
  );
}

/**
 * Versions whose CreateItem ews-javascript-api (like Microsoft's EWS Managed API, which it follows)
 * never gave attachments: it sends them inside a CreateItem only from Exchange 2010 SP2 on.
 */
const BEFORE_2010_SP2 = new Set(['Exchange2007_SP1', 'Exchange2010', 'Exchange2010_SP1']);

function attachmentsInCreateItem(versionName: string): boolean {
  return !BEFORE_2010_SP2.has(versionName);
}

/** `sendMime()` over EWS: the MIME as the item's MimeContent (given a Message-ID when it has none). */
export async function sendMime(requester: EwsRequester, mime: Uint8Array | string, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<SendResult> {
  requester.assertOpen();
  const { bytes, internetMessageId } = prepareMimeMessage(mime, requester.mailbox);
  const item = convertMimeToEwsMessage(bytes.toString('base64'));
  const build = async (): Promise<string> => item;
  if (options.saveToSentItems !== false) {
    return sendInOneRequest(requester, internetMessageId, options.signal, build);
  }
  return sendThroughDraft(requester, () => build(), internetMessageId, [], [], false, options.signal ? { signal: options.signal } : {});
}

/**
 * CreateItem of one `<t:Message>`: SendAndSaveCopy into Sent Items, or SaveOnly into Drafts. Returns
 * the answer's text (a draft's answer holds its ItemId).
 */
async function createItem(requester: EwsRequester, item: string, disposition: 'SendAndSaveCopy' | 'SaveOnly', signal: AbortSignal | undefined): Promise<string> {
  const { open, close } = soapEnvelope(requester.soapHeader());
  const folder = disposition === 'SaveOnly' ? 'drafts' : 'sentitems';
  const body = `<m:CreateItem MessageDisposition="${disposition}"><m:SavedItemFolderId><t:DistinguishedFolderId Id="${folder}"/></m:SavedItemFolderId><m:Items>${item}</m:Items></m:CreateItem>`;
  return requester.raw('once', signal, 'CreateItem', `${open}${body}${close}`);
}

/** CreateItem with SendAndSaveCopy: one request, attachments included; an unknown outcome is checked in Sent Items. */
async function sendInOneRequest(requester: EwsRequester, internetMessageId: string, signal: AbortSignal | undefined, build: () => Promise<string>): Promise<SendResult> {
  const result: SendResult = { transport: 'ews', mailbox: requester.mailbox, internetMessageId };
  return requester.retry.execute<SendResult>(
    async () => {
      await createItem(requester, await build(), 'SendAndSaveCopy', signal);
      return result;
    },
    {
      ...(signal ? { signal } : {}),
      classify: onlyAmbiguity,
      onAmbiguous: async ({ error, signal: checkSignal }) => {
        const found = await settle(internetMessageId, error, () => findInSentItems(requester, internetMessageId, checkSignal), checkSignal);
        requester.logger.info('EWS send had an unknown outcome; checked Sent Items', { found: Boolean(found) });
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
async function sendThroughDraft(
  requester: EwsRequester,
  build: (inlineAttachments: SizedAttachment[]) => Promise<string>,
  internetMessageId: string,
  inlineAttachments: SizedAttachment[],
  streamedAttachments: SizedAttachment[],
  save: boolean,
  options: SendOptions,
): Promise<SendResult> {
  const signal = options.signal;
  const common = { ...(signal ? { signal } : {}), classify: onlyAmbiguity };
  const inline = new Set(inlineAttachments);
  const draftId = await requester.retry.execute(
    async () => {
      const text = await createItem(requester, await build(inlineAttachments), 'SaveOnly', signal);
      const id = itemIdsOf(parseEwsResponse(text, 'CreateItem'))[0];
      if (!id)
        throw new MailbridgeError({
          code: 'INVALID_RESPONSE',
          message: 'EWS CreateItem: the answer holds no id of the draft.',
          hint: 'Check that endpoints.ews points at /EWS/Exchange.asmx of an Exchange server; the draft, if made, is in Drafts.',
        });
      return id;
    },
    {
      ...common,
      onAmbiguous: async ({ signal: checkSignal }): Promise<AmbiguousResolution<string>> => {
        const found = await findByInternetMessageId(requester, 'drafts', internetMessageId, checkSignal);
        return found ? { outcome: 'applied', value: found } : { outcome: 'not-applied' };
      },
    },
  );

  let changeKey: string | undefined;
  let sendStarted = false;
  try {
    const sameName = new Map<string, number>();
    for (const sized of streamedAttachments) {
      if (inline.has(sized)) continue;
      const filename = sized.attachment.filename;
      const expected = (sameName.get(filename) ?? 0) + 1;
      sameName.set(filename, expected);
      changeKey = await requester.retry.execute(() => uploadAttachment(requester, draftId, sized, options), {
        ...common,
        onAmbiguous: async ({ signal: checkSignal }): Promise<AmbiguousResolution<string | undefined>> => {
          const names = await attachmentNames(requester, draftId, checkSignal);
          const count = names.filter((name) => name === filename).length;
          return count >= expected ? { outcome: 'applied', value: undefined } : { outcome: 'not-applied' };
        },
      });
    }
    sendStarted = true;
    await requester.retry.execute(() => sendItem(requester, draftId, changeKey, save, signal), {
      ...common,
      onAmbiguous: async ({ error, signal: checkSignal }): Promise<AmbiguousResolution<void>> => {
        const stillDraft = await settle(internetMessageId, error, () => itemExists(requester, draftId, checkSignal), checkSignal);
        return stillDraft ? { outcome: 'not-applied' } : { outcome: 'applied', value: undefined };
      },
    });
  } catch (error) {
    // Best effort: do not leave a half-built draft behind (a draft whose send began may have gone out).
    if (!sendStarted) await deleteDraft(requester, draftId).catch(() => undefined);
    throw error;
  }
  const result: SendResult = { transport: 'ews', mailbox: requester.mailbox, internetMessageId };
  if (save) {
    const sentId = await findByInternetMessageId(requester, 'sentitems', internetMessageId, signal).catch(() => undefined);
    if (sentId) result.id = sentId;
  }
  return result;
}

/** SendItem of the draft, saving the copy to Sent Items when asked. */
async function sendItem(requester: EwsRequester, draftId: string, changeKey: string | undefined, save: boolean, signal?: AbortSignal): Promise<void> {
  const { open, close } = soapEnvelope(requester.soapHeader());
  const itemId = `<t:ItemId Id="${escapeXmlAttribute(draftId)}"${changeKey ? ` ChangeKey="${escapeXmlAttribute(changeKey)}"` : ''}/>`;
  const saved = save ? '<m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId>' : '';
  await requester.raw('once', signal, 'SendItem', `${open}<m:SendItem SaveItemToFolder="${save}"><m:ItemIds>${itemId}</m:ItemIds>${saved}</m:SendItem>${close}`);
}

/** DeleteItem HardDelete of a draft that will not be sent (nothing of it stays in Deleted Items). */
async function deleteDraft(requester: EwsRequester, draftId: string): Promise<void> {
  const { open, close } = soapEnvelope(requester.soapHeader());
  const body = `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${escapeXmlAttribute(draftId)}"/></m:ItemIds></m:DeleteItem>`;
  await requester.raw('idempotent', undefined, 'DeleteItem', `${open}${body}${close}`);
}
