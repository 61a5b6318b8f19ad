import type { OutgoingAttachment } from './message.js';

/**
 * File extension → MIME type, for attachments given without a `contentType`: the types alerts and
 * reports commonly carry. Anything else goes as `application/octet-stream`, which every mail client
 * offers to save.
 */
const EXTENSION_TYPES: Record<string, string> = {
  txt: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  eml: 'message/rfc822',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  bin: 'application/octet-stream',
};

/** The MIME type of a file name, from its extension (any case); `application/octet-stream` when unknown. */
export function mimeTypeOf(filename: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  return (extension !== undefined && Object.hasOwn(EXTENSION_TYPES, extension) && EXTENSION_TYPES[extension]) || 'application/octet-stream';
}

/** The attachment's MIME type: as given, else guessed from its file name. */
export function attachmentContentType(attachment: OutgoingAttachment): string {
  return attachment.contentType || mimeTypeOf(attachment.filename);
}
