import { type AddressObject, simpleParser } from 'mailparser';
import type { StoredAddress } from '../state/stored-message.js';
import type { MessageParts } from './message-parts.js';

function addresses(value: AddressObject | AddressObject[] | undefined): StoredAddress[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  const result: StoredAddress[] = [];
  for (const group of list) {
    for (const entry of group.value) {
      if (entry.address) result.push(entry.name ? { name: entry.name, address: entry.address } : { address: entry.address });
      for (const member of entry.group ?? []) if (member.address) result.push(member.name ? { name: member.name, address: member.address } : { address: member.address });
    }
  }
  return result;
}

/** Headers that are structure, not content: they are not kept as internetMessageHeaders of an import. */
const STRUCTURAL = new Set(['content-type', 'content-transfer-encoding', 'mime-version']);

/** Thrown when MIME content cannot be parsed. */
export class MimeParseError extends Error {}

/**
 * Parses a MIME message (a MIME send, a MIME draft, an EWS MimeContent import) with mailparser into
 * message parts; the headers are kept so the stored message shows them as sent.
 */
export async function parseMime(mime: Buffer): Promise<MessageParts & { date?: Date }> {
  let parsed;
  try {
    parsed = await simpleParser(mime, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (error) {
    throw new MimeParseError((error as Error).message);
  }
  const headers: Array<{ name: string; value: string }> = [];
  for (const line of parsed.headerLines) {
    const colon = line.line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.line.slice(0, colon).trim();
    if (STRUCTURAL.has(name.toLowerCase())) continue;
    headers.push({
      name,
      value: line.line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    });
  }
  const from = addresses(parsed.from)[0];
  const importanceHeader = String(parsed.headers.get('importance') ?? '').toLowerCase();
  const priority = (parsed as { priority?: string }).priority;
  const importance = importanceHeader === 'high' || priority === 'high' ? 'high' : importanceHeader === 'low' || priority === 'low' ? 'low' : 'normal';
  const sensitivityHeader = String(parsed.headers.get('sensitivity') ?? '').toLowerCase();
  const sensitivity = sensitivityHeader === 'personal' ? 'Personal' : sensitivityHeader === 'private' ? 'Private' : sensitivityHeader === 'company-confidential' ? 'Confidential' : undefined;
  return {
    ...(from ? { from } : {}),
    ...(sensitivity ? { sensitivity } : {}),
    ...(parsed.headers.has('disposition-notification-to') ? { isReadReceiptRequested: true } : {}),
    ...(parsed.headers.has('return-receipt-to') ? { isDeliveryReceiptRequested: true } : {}),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    bcc: addresses(parsed.bcc),
    replyTo: addresses(parsed.replyTo),
    subject: parsed.subject ?? '',
    ...(parsed.text !== undefined ? { text: parsed.text } : {}),
    ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
    importance,
    headers,
    ...(parsed.messageId ? { internetMessageId: parsed.messageId } : {}),
    ...(parsed.date ? { date: parsed.date } : {}),
    attachments: parsed.attachments.map((attachment) => ({
      name: attachment.filename ?? 'attachment',
      contentType: attachment.contentType,
      content: attachment.content,
      isInline: attachment.contentDisposition === 'inline' || attachment.related === true,
      ...(attachment.cid ? { contentId: attachment.cid } : {}),
    })),
  };
}
