/**
 * Wire shapes of the Microsoft Graph v1.0 mail resources this adapter sends and reads, as named in
 * Graph's metadata (`microsoft.graph.message`, `recipient`, `fileAttachment`, `uploadSession`, ...).
 * Only the properties mailbridge uses are listed; Graph may send more.
 */

/** `microsoft.graph.emailAddress`. */
export interface GraphEmailAddress {
  address?: string;
  name?: string;
}

/** `microsoft.graph.recipient`. */
export interface GraphRecipient {
  emailAddress: GraphEmailAddress;
}

/** `microsoft.graph.itemBody`. */
export interface GraphItemBody {
  contentType: 'text' | 'html' | 'Text' | 'HTML';
  content: string;
}

/** `microsoft.graph.internetMessageHeader`. */
export interface GraphInternetMessageHeader {
  name: string;
  value: string;
}

/** `microsoft.graph.fileAttachment` as sent (inline in a message) or read. */
export interface GraphFileAttachment {
  '@odata.type': '#microsoft.graph.fileAttachment';
  id?: string;
  name: string;
  contentType?: string;
  size?: number;
  isInline?: boolean;
  contentId?: string | null;
  /** Base64; only when asked for (or sent). */
  contentBytes?: string;
}

/** `microsoft.graph.message` as written by sendMail / create draft. */
export interface GraphOutgoingMessage {
  subject: string;
  body: GraphItemBody;
  from?: GraphRecipient;
  toRecipients: GraphRecipient[];
  ccRecipients?: GraphRecipient[];
  bccRecipients?: GraphRecipient[];
  replyTo?: GraphRecipient[];
  importance?: 'low' | 'normal' | 'high';
  internetMessageId: string;
  internetMessageHeaders?: GraphInternetMessageHeader[];
  attachments?: GraphFileAttachment[];
}

/** The body of `POST /users/{id}/sendMail` (JSON form). */
export interface GraphSendMailRequest {
  message: GraphOutgoingMessage;
  saveToSentItems: boolean;
}

/** `microsoft.graph.message` as read. Every property is optional: `$select` decides what comes back. */
export interface GraphMessage {
  id: string;
  internetMessageId?: string;
  subject?: string | null;
  from?: GraphRecipient | null;
  sender?: GraphRecipient | null;
  toRecipients?: GraphRecipient[];
  ccRecipients?: GraphRecipient[];
  replyTo?: GraphRecipient[];
  conversationId?: string | null;
  /** Only when `$select`ed; Exchange keeps them on messages that arrived, not on Sent Items copies. */
  internetMessageHeaders?: GraphInternetMessageHeader[] | null;
  receivedDateTime?: string;
  isRead?: boolean | string;
  hasAttachments?: boolean;
  body?: GraphItemBody;
  parentFolderId?: string;
  attachments?: GraphFileAttachment[];
  /** Present on delta entries for messages that left the folder. */
  '@removed'?: { reason: string };
}

/** A page of a collection (`value` + the link to the next page, or the delta link at the end of a delta round). */
export interface GraphCollectionPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** `microsoft.graph.mailFolder` (the fields `probe` reads). */
export interface GraphMailFolder {
  id: string;
  displayName?: string;
  totalItemCount?: number;
  unreadItemCount?: number;
}

/** `microsoft.graph.attachmentItem`: the body of `createUploadSession`. */
export interface GraphAttachmentItem {
  attachmentType: 'file';
  name: string;
  size: number;
  contentType?: string;
  isInline?: boolean;
  contentId?: string;
}

/** `microsoft.graph.uploadSession`. */
export interface GraphUploadSession {
  uploadUrl: string;
  expirationDateTime?: string;
  nextExpectedRanges?: string[];
}

/** Graph's error body: `{"error": {"code", "message", "innerError": {"request-id", "client-request-id", "date"}}}`. */
export interface GraphErrorBody {
  error?: {
    code?: string;
    message?: string;
    innerError?: { 'request-id'?: string; 'client-request-id'?: string; date?: string; code?: string };
  };
}

/** One request of a JSON `$batch`. */
export interface GraphBatchRequestItem {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

/** One response of a JSON `$batch`. */
export interface GraphBatchResponseItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Graph's documented maximum of requests in one JSON batch. */
export const GRAPH_BATCH_MAX_REQUESTS = 20;
