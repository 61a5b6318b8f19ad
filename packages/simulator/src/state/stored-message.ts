/** An e-mail address with an optional display name (Graph `emailAddress`, EWS `Mailbox`). */
export interface StoredAddress {
  name?: string;
  address: string;
}

/**
 * A file attachment. Content is kept as a list of chunks so an upload session can append ranges
 * without ever concatenating a 150 MB buffer.
 */
export interface StoredAttachment {
  /** Graph attachment id. */
  id: string;
  /** EWS AttachmentId. */
  ewsId: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  lastModifiedDateTime: string;
  chunks: Buffer[];
}

/**
 * One message as both protocols see it: Graph reads `id`, EWS reads `ewsId`+`changeKey`; everything
 * else (read flag, folder, MIME) is shared, so a change made over one protocol is seen by the other.
 */
export interface StoredMessage {
  /** Graph id; a new one after a move, as in Exchange Online. */
  id: string;
  /** EWS ItemId; a new one after a move. */
  ewsId: string;
  /** Changes on every update (Graph `changeKey`/`@odata.etag`, EWS ChangeKey). */
  changeKey: string;
  /** Owner mailbox (lower-case SMTP address). */
  mailbox: string;
  /** Id of the folder holding it (Graph folder id). */
  folderId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  receivedDateTime: string;
  sentDateTime: string;
  internetMessageId: string;
  subject: string;
  /** The body as stored: Graph returns it in this form. */
  body: { contentType: 'text' | 'html'; content: string };
  /** Plain-text form (for bodyPreview, EWS BodyType Text and MIME). */
  bodyText?: string;
  /** HTML form, when there is one. */
  bodyHtml?: string;
  from?: StoredAddress;
  sender?: StoredAddress;
  toRecipients: StoredAddress[];
  ccRecipients: StoredAddress[];
  bccRecipients: StoredAddress[];
  replyTo: StoredAddress[];
  importance: 'low' | 'normal' | 'high';
  /** EWS Sensitivity (MIME `Sensitivity:`); absent is Normal. Graph v1.0 messages have no such property. */
  sensitivity?: 'Personal' | 'Private' | 'Confidential';
  isRead: boolean;
  isDraft: boolean;
  isDeliveryReceiptRequested: boolean;
  isReadReceiptRequested: boolean;
  categories: string[];
  conversationId: string;
  conversationIndex: string;
  flag: { flagStatus: 'notFlagged' | 'flagged' | 'complete' };
  inferenceClassification: 'focused' | 'other';
  /** Internet headers as received (Graph `internetMessageHeaders`); custom X- headers included. */
  internetMessageHeaders: Array<{ name: string; value: string }>;
  attachments: StoredAttachment[];
  /** MAPI PR_DELETE_AFTER_SUBMIT (0x0E01): when sent, no copy is kept in Sent Items. */
  deleteAfterSubmit?: boolean;
  /** The MIME form, once built (or as received for a MIME send); cleared when the content changes. */
  mime?: Buffer;
  /** Position in the mailbox's change sequence at the last change. */
  seq: number;
}
