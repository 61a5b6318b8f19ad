import { ids } from '../state/ids.js';
import type { MailFolder } from '../state/mail-folder.js';
import type { Mailbox } from '../state/mailbox.js';
import type { SimState } from '../state/sim-state.js';
import type { StoredAddress, StoredMessage } from '../state/stored-message.js';
import { messageFromParts, newInternetMessageId } from './message-parts.js';
import { buildMime } from './mime-builder.js';
import { SendingLimitError } from './sending-limits.js';

/** What a send did: where copies went. */
export interface DeliveryReport {
  internetMessageId: string;
  /** Mailboxes (lower-case addresses) that received a copy in their Inbox. */
  delivered: string[];
  /** External addresses written to the outbound log. */
  outbound: string[];
  /** Local-domain addresses without a mailbox (a non-delivery report went back to the sender). */
  undeliverable: string[];
}

function uniqueRecipients(message: StoredMessage): StoredAddress[] {
  const seen = new Set<string>();
  const result: StoredAddress[] = [];
  for (const recipient of [...message.toRecipients, ...message.ccRecipients, ...message.bccRecipients]) {
    const key = recipient.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(recipient);
  }
  return result;
}

/**
 * Mail flow of the simulated Exchange Online: a sent message is delivered to every recipient
 * whose domain belongs to a simulated tenant (a new item in their Inbox: new ids, unread, the same
 * Internet Message-ID and MIME), written to the outbound log for other domains, and the sender's
 * item is moved to Sent Items (or `saveIn`) or dropped. Shared by Graph and EWS.
 */
export async function sendMessage(state: SimState, senderMailbox: Mailbox, message: StoredMessage, options: { saveToSentItems: boolean; saveIn?: MailFolder | undefined }): Promise<DeliveryReport> {
  const nowIso = state.nowIso();
  if (state.sendingLimits) {
    // Exchange counts every recipient of every message (the same address twice counts twice).
    const recipients = message.toRecipients.length + message.ccRecipients.length + message.bccRecipients.length;
    try {
      state.sendingLimits.admit(senderMailbox.address, recipients);
    } catch (error) {
      if (error instanceof SendingLimitError && error.refusal.kind === 'recipient-rate' && error.refusal.startsBlock) {
        senderMailbox.add(senderMailbox.wellKnown('inbox'), quotaNdr(senderMailbox, message, nowIso));
      }
      throw error;
    }
  }
  // A sent message is no longer a draft and carries its send time.
  message.isDraft = false;
  message.isRead = true;
  message.sentDateTime = nowIso;
  message.receivedDateTime = nowIso;
  if (!message.internetMessageId) message.internetMessageId = newInternetMessageId(senderMailbox.address.split('@')[1]);
  // Headers and Message-ID are final now (a draft may have changed them): thread it, and record it so replies thread to it.
  senderMailbox.thread(message);
  delete message.mime;
  const mime = await buildMime(message);
  const report: DeliveryReport = { internetMessageId: message.internetMessageId, delivered: [], outbound: [], undeliverable: [] };

  for (const recipient of uniqueRecipients(message)) {
    const address = recipient.address.toLowerCase();
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (!state.tenantForDomain(domain)) {
      report.outbound.push(recipient.address);
      continue;
    }
    const mailbox = state.mailbox(address);
    const user = state.user(address);
    if (!mailbox || user?.mailboxEnabled === false) {
      report.undeliverable.push(recipient.address);
      continue;
    }
    const copy = mailbox.add(mailbox.wellKnown('inbox'), {
      ...structuredCopy(message),
      createdDateTime: nowIso,
      lastModifiedDateTime: nowIso,
      receivedDateTime: nowIso,
      isRead: false,
      isDraft: false,
      // Recipients never see the Bcc line.
      bccRecipients: [],
    });
    copy.mime = mime;
    report.delivered.push(address);
  }

  if (report.outbound.length > 0) {
    state.addOutbound({
      from: message.from?.address ?? senderMailbox.address,
      to: report.outbound,
      internetMessageId: message.internetMessageId,
      subject: message.subject,
      mime: mime.toString('utf8'),
      time: nowIso,
    });
  }

  if (report.undeliverable.length > 0) {
    const ndr = messageFromParts(
      {
        from: { name: 'Microsoft Outlook', address: `postmaster@${senderMailbox.address.split('@')[1]}` },
        to: [message.from ?? { address: senderMailbox.address }],
        subject: `Undeliverable: ${message.subject}`,
        text: `Your message to ${report.undeliverable.join(', ')} couldn't be delivered.\r\n\r\nThe recipient wasn't found. Remote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'.`,
      },
      { nowIso, isDraft: false, isRead: false },
    );
    senderMailbox.add(senderMailbox.wellKnown('inbox'), ndr);
  }

  if (options.saveToSentItems) {
    const destination = options.saveIn ?? senderMailbox.wellKnown('sentitems');
    const delayMs = state.sentCopyDelayMs;
    if (delayMs > 0) {
      // The `late-sent-copy` fault: the copy waits in the Outbox until transport has taken the
      // message, as on a busy Exchange mailbox, and a look in Sent Items meanwhile finds nothing.
      const outbox = senderMailbox.wellKnown('outbox');
      senderMailbox.move(message, outbox, nowIso);
      const waitingId = message.id;
      setTimeout(() => {
        if (senderMailbox.message(waitingId) !== message || message.folderId !== outbox.id) return;
        fileSentCopy(senderMailbox, message, destination, state.nowIso());
      }, delayMs).unref();
    } else {
      fileSentCopy(senderMailbox, message, destination, nowIso);
    }
    message.mime = await buildMime(message, { includeBcc: true });
  } else {
    senderMailbox.remove(message);
  }
  return report;
}

/** Files the sender's copy of a sent message (Sent Items, or the folder the request named). */
function fileSentCopy(senderMailbox: Mailbox, message: StoredMessage, folder: MailFolder, nowIso: string): void {
  senderMailbox.move(message, folder, nowIso);
  senderMailbox.touch(message, nowIso);
}

/** The content fields of a message, for a delivered copy (attachment chunks are shared: they never change). */
function structuredCopy(message: StoredMessage): Omit<StoredMessage, 'id' | 'ewsId' | 'changeKey' | 'mailbox' | 'folderId' | 'seq'> {
  return {
    createdDateTime: message.createdDateTime,
    lastModifiedDateTime: message.lastModifiedDateTime,
    receivedDateTime: message.receivedDateTime,
    sentDateTime: message.sentDateTime,
    internetMessageId: message.internetMessageId,
    subject: message.subject,
    body: { ...message.body },
    ...(message.bodyText !== undefined ? { bodyText: message.bodyText } : {}),
    ...(message.bodyHtml !== undefined ? { bodyHtml: message.bodyHtml } : {}),
    ...(message.from ? { from: { ...message.from } } : {}),
    ...(message.sender ? { sender: { ...message.sender } } : {}),
    toRecipients: message.toRecipients.map((r) => ({ ...r })),
    ccRecipients: message.ccRecipients.map((r) => ({ ...r })),
    bccRecipients: message.bccRecipients.map((r) => ({ ...r })),
    replyTo: message.replyTo.map((r) => ({ ...r })),
    importance: message.importance,
    ...(message.sensitivity ? { sensitivity: message.sensitivity } : {}),
    isRead: message.isRead,
    isDraft: message.isDraft,
    isDeliveryReceiptRequested: message.isDeliveryReceiptRequested,
    isReadReceiptRequested: message.isReadReceiptRequested,
    categories: [...message.categories],
    conversationId: message.conversationId,
    conversationIndex: message.conversationIndex,
    flag: { ...message.flag },
    inferenceClassification: message.inferenceClassification,
    internetMessageHeaders: message.internetMessageHeaders.map((h) => ({ ...h })),
    attachments: message.attachments.map((a) => ({ ...a, id: ids.attachment(), ewsId: ids.ews() })),
  };
}

/** The non-delivery report Exchange Online sends when the daily recipient limit is reached (NDR 5.1.90). */
function quotaNdr(senderMailbox: Mailbox, message: StoredMessage, nowIso: string): ReturnType<typeof messageFromParts> {
  return messageFromParts(
    {
      from: { name: 'Microsoft Outlook', address: `postmaster@${senderMailbox.address.split('@')[1]}` },
      to: [message.from ?? { address: senderMailbox.address }],
      subject: `Undeliverable: ${message.subject}`,
      text: "Your message couldn't be delivered.\r\n\r\nYour message can't be sent because you've reached your daily limit for message recipients. Remote server returned '550 5.1.90 SMTP; Your message can't be sent because you've reached your daily limit for message recipients'.",
    },
    { nowIso, isDraft: false, isRead: false },
  );
}
