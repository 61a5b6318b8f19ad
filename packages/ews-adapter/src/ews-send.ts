import {
  MailbridgeError,
  type AmbiguousResolution,
  type OutgoingAttachment,
  type OutgoingMessage,
  type SendOptions,
  type SendResult,
  type TransportCapabilities,
} from '@mailbridge/core';
import { EmailMessage, FolderId, MessageDisposition, MimeContent, WellKnownFolderName } from 'ews-javascript-api';
import { attachmentSize } from './attachment-source.js';
import { attachmentNames, findByInternetMessageId, itemExists, onlyAmbiguity } from './confirm-send.js';
import { checkInternetMessageId, convertToEwsMessage, newInternetMessageId, validateOutgoingMessage } from './convert-to-ews-message.js';
import type { EwsRequester, InternalService } from './ews-request.js';
import { soapEnvelope } from './soap-envelope.js';
import { uploadAttachment } from './upload-session.js';
import { escapeXmlAttribute } from './xml/escape-xml.js';

const MiB = 1024 * 1024;

/**
 * Attachments travel base64-encoded with MIME overhead (Exchange counts about 1.37× the file), so
 * about 25 MB of attachment fits a 35 MB message.
 */
const ENCODED_RATIO = 1.37;

/** What an EWS transport declares, from the mailbox's MaxSendSize. */
export function ewsCapabilities(maxMessageBytes: number): TransportCapabilities {
  return {
    maxAttachmentBytes: Math.floor(maxMessageBytes / ENCODED_RATIO) - 64 * 1024,
    maxMessageBytes,
    incrementalSync: true,
    sendMime: true,
    batch: true,
  };
}

/** `send()` over EWS: CreateItem SendAndSaveCopy when small and kept, otherwise through a draft. */
export async function sendEwsMessage(requester: EwsRequester, message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
  requester.assertOpen();
  validateOutgoingMessage(message);
  const internetMessageId = message.internetMessageId ?? newInternetMessageId(requester.mailbox);
  const attachments = message.attachments ?? [];
  const sizes = await Promise.all(attachments.map((attachment) => attachmentSize(attachment)));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const { maxAttachmentBytes, maxMessageBytes } = ewsCapabilities(requester.settings.maxMessageBytes);
  sizes.forEach((size, index) => {
    if (size > maxAttachmentBytes) throw tooLarge(`The attachment "${attachments[index]!.filename}" has ${formatMiB(size)}; this mailbox accepts about ${formatMiB(maxAttachmentBytes)} per attachment.`);
  });
  if (total * ENCODED_RATIO > maxMessageBytes) throw tooLarge(`The attachments add up to ${formatMiB(total)}; a message can hold at most ${formatMiB(maxMessageBytes)} once encoded (about ${formatMiB(maxAttachmentBytes)} of files).`);

  const save = message.saveToSentItems !== false;
  const small = total <= requester.settings.inlineLimit;
  requester.logger.debug('EWS send', { attachments: attachments.length, bytes: total, path: save && small ? 'CreateItem' : 'draft' });
  if (save && small) return sendInOneRequest(requester, message, internetMessageId, options.signal);
  const sizeOf = new Map(attachments.map((attachment, index) => [attachment, sizes[index]!] as const));
  return sendThroughDraft(
    requester,
    (draftAttachments) => convertToEwsMessage(requester.service, message, internetMessageId, draftAttachments),
    internetMessageId,
    small ? attachments : [],
    small ? [] : attachments,
    sizeOf,
    save,
    options,
  );
}

/** `sendMime()` over EWS: the MIME as the item's MimeContent (given a Message-ID when it has none). */
export async function sendEwsMime(requester: EwsRequester, mime: Uint8Array | string, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<SendResult> {
  requester.assertOpen();
  let text = typeof mime === 'string' ? mime : Buffer.from(mime).toString('latin1');
  let internetMessageId = headerValue(text, 'Message-ID');
  if (internetMessageId) {
    checkInternetMessageId(internetMessageId);
  } else {
    // Without a Message-ID a send of unknown outcome could not be checked: give it one.
    internetMessageId = newInternetMessageId(requester.mailbox);
    text = `Message-ID: ${internetMessageId}\r\n${text}`;
  }
  const base64 = Buffer.from(text, 'latin1').toString('base64');
  const build = async (): Promise<EmailMessage> => {
    const email = new EmailMessage(requester.service);
    email.MimeContent = new MimeContent('UTF-8', base64);
    return email;
  };
  if (options.saveToSentItems !== false) {
    return sendInOneRequest(requester, undefined, internetMessageId, options.signal, build);
  }
  return sendThroughDraft(requester, () => build(), internetMessageId, [], [], new Map(), false, options.signal ? { signal: options.signal } : {});
}

/** CreateItem with SendAndSaveCopy: one request; an unknown outcome is checked in Sent Items. */
async function sendInOneRequest(
  requester: EwsRequester,
  message: OutgoingMessage | undefined,
  internetMessageId: string,
  signal?: AbortSignal,
  build?: () => Promise<EmailMessage>,
): Promise<SendResult> {
  const result: SendResult = { transport: 'ews', mailbox: requester.mailbox, internetMessageId };
  return requester.retry.execute<SendResult>(
    async () => {
      const email = build ? await build() : await convertToEwsMessage(requester.service, message!, internetMessageId, message!.attachments ?? []);
      await requester.call('once', signal, 'CreateItem', () =>
        // CreateItem (internal in the library's typings) sends in one request, attachments included;
        // the public SendAndSaveCopy() would make a draft first whenever there are attachments.
        (requester.service as unknown as InternalService).CreateItem(email, new FolderId(WellKnownFolderName.SentItems), MessageDisposition.SendAndSaveCopy, null),
      );
      return result;
    },
    {
      ...(signal ? { signal } : {}),
      classify: onlyAmbiguity,
      onAmbiguous: async ({ signal: checkSignal }) => {
        const found = await findByInternetMessageId(requester, 'sentitems', internetMessageId, checkSignal);
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
  const draftId = await requester.retry.execute(
    async () => {
      const email = await build(inlineAttachments);
      await requester.call('once', signal, 'CreateItem', () => email.Save(new FolderId(WellKnownFolderName.Drafts)));
      return email.Id.UniqueId;
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
  const sameName = new Map<string, number>();
  for (const attachment of streamedAttachments) {
    if (inline.has(attachment)) continue;
    const expected = (sameName.get(attachment.filename) ?? 0) + 1;
    sameName.set(attachment.filename, expected);
    changeKey = await requester.retry.execute(() => uploadAttachment(requester, draftId, attachment, sizeOf.get(attachment) ?? 0, options), {
      ...common,
      onAmbiguous: async ({ signal: checkSignal }): Promise<AmbiguousResolution<string | undefined>> => {
        const names = await attachmentNames(requester, draftId, checkSignal);
        const count = names.filter((name) => name === attachment.filename).length;
        return count >= expected ? { outcome: 'applied', value: undefined } : { outcome: 'not-applied' };
      },
    });
  }

  await requester.retry.execute(() => sendItem(requester, draftId, changeKey, save, signal), {
    ...common,
    onAmbiguous: async ({ signal: checkSignal }): Promise<AmbiguousResolution<void>> => {
      const stillDraft = await itemExists(requester, draftId, checkSignal);
      return stillDraft ? { outcome: 'not-applied' } : { outcome: 'applied', value: undefined };
    },
  });
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

function tooLarge(message: string): MailbridgeError {
  return new MailbridgeError({
    code: 'MESSAGE_TOO_LARGE',
    message,
    hint: "Send a link to the file instead, or split it across messages. If an administrator raised the mailbox's MaxSendSize, set maxMessageBytes of the EWS transport to match.",
  });
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
