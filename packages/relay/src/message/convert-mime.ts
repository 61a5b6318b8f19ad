import type { Readable } from 'node:stream';
import type { MailAddress, OutgoingAttachment, OutgoingMessage } from '@mailbridge/core';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { maySendAs, type SenderPolicy } from './sender-policy.js';

/** The SMTP envelope of one message. */
export interface SmtpEnvelope {
  /** MAIL FROM (empty for the null sender `<>`). */
  from: string;
  /** RCPT TO, in order. */
  to: string[];
}

/** A converted message, or why it must be refused. */
export type ConvertResult = { ok: true; message: OutgoingMessage; sender: string; rewritten: boolean } | { ok: false; reason: 'sender-refused'; sender: string };

const lower = (address: string) => address.trim().toLowerCase();

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const visit = (list: Array<{ address?: string; name?: string; group?: Array<{ address?: string; name?: string; group?: unknown }> }>) => {
    for (const entry of list) {
      if (entry.group) visit(entry.group as never);
      else if (entry.address) out.push(entry.name ? { address: entry.address, name: entry.name } : { address: entry.address });
    }
  };
  for (const object of field === undefined ? [] : Array.isArray(field) ? field : [field]) visit(object.value as never);
  return out;
}

function importanceOf(parsed: ParsedMail): OutgoingMessage['importance'] | undefined {
  const importance = String(parsed.headers.get('importance') ?? '').toLowerCase();
  if (importance === 'high' || importance === 'low') return importance;
  const priority = parsed.headers.get('x-priority');
  const level = Number.parseInt(String(priority ?? ''), 10);
  if (level === 1 || level === 2) return 'high';
  if (level === 4 || level === 5) return 'low';
  return undefined;
}

// Graph and EWS take only X- headers as custom headers; these are the relay's own or are rebuilt.
const SKIPPED_X_HEADERS = new Set(['x-priority', 'x-mailbridge-relay']);
const MAX_CUSTOM_HEADERS = 50;

function customHeaders(parsed: ParsedMail): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  let count = 0;
  for (const { key, line } of parsed.headerLines) {
    if (!key.startsWith('x-') || SKIPPED_X_HEADERS.has(key) || count >= MAX_CUSTOM_HEADERS) continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    if (!/^X-[A-Za-z0-9-]+$/i.test(name) || name in headers) continue;
    headers[name] = value;
    count++;
  }
  return count > 0 ? headers : undefined;
}

function attachmentsOf(parsed: ParsedMail): OutgoingAttachment[] {
  return parsed.attachments.map((attachment, index) => {
    const out: OutgoingAttachment = {
      filename: attachment.filename ?? `attachment-${index + 1}${attachment.contentType === 'message/rfc822' ? '.eml' : ''}`,
      contentType: attachment.contentType,
      content: attachment.content,
      size: attachment.content.length,
    };
    // Inline (referenced from the HTML as cid:...) when it is a related part or marked inline with a Content-ID.
    if (attachment.cid && (attachment.related || attachment.contentDisposition === 'inline')) out.contentId = attachment.cid;
    return out;
  });
}

/**
 * Turns a message received over SMTP into the `OutgoingMessage` the outbox delivers. The recipients
 * are exactly the envelope's RCPT TO list: header To/Cc addresses that are in the envelope keep
 * their place (and display names); envelope recipients that are in no header are Bcc; header
 * addresses that are not in the envelope are not mailed. The body, inline parts and attachments are
 * taken byte for byte. The sender is the From header (else MAIL FROM); one the relay may not send
 * as is rewritten to the mailbox (the original in Reply-To) or refused, as the policy says.
 */
export async function convertMime(source: Readable | Buffer, envelope: SmtpEnvelope, policy: SenderPolicy): Promise<ConvertResult> {
  const parsed = await simpleParser(source, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, keepCidLinks: true });
  const headerFrom = addresses(parsed.from)[0];
  const sender = headerFrom?.address ?? envelope.from;
  const rewritten = sender === '' || !maySendAs(policy, sender);
  if (rewritten && policy.otherSenders === 'refuse') return { ok: false, reason: 'sender-refused', sender };

  const remaining = new Map<string, string>();
  for (const recipient of envelope.to) if (!remaining.has(lower(recipient))) remaining.set(lower(recipient), recipient);
  const take = (list: MailAddress[]) => {
    const out: MailAddress[] = [];
    for (const entry of list) {
      if (!remaining.has(lower(entry.address))) continue; // not in the envelope (or already placed)
      remaining.delete(lower(entry.address));
      out.push(entry);
    }
    return out;
  };
  const to = take(addresses(parsed.to));
  const cc = take(addresses(parsed.cc));
  const bcc: MailAddress[] = [...remaining.values()].map((address) => ({ address }));

  const message: OutgoingMessage = { to, subject: parsed.subject ?? '' };
  if (cc.length) message.cc = cc;
  if (bcc.length) message.bcc = bcc;
  const replyTo = addresses(parsed.replyTo);
  if (!rewritten) {
    message.from = headerFrom ?? { address: sender };
    if (replyTo.length) message.replyTo = replyTo;
  } else {
    message.replyTo = replyTo.length ? replyTo : sender ? [headerFrom ?? { address: sender }] : [];
    if (message.replyTo.length === 0) delete message.replyTo;
  }
  if (typeof parsed.html === 'string') message.html = parsed.html;
  if (parsed.text !== undefined && (typeof parsed.html !== 'string' || parsed.text.length > 0)) message.text = parsed.text;
  if (message.text === undefined && message.html === undefined) message.text = '';
  const importance = importanceOf(parsed);
  if (importance && importance !== 'normal') message.importance = importance;
  const headers = customHeaders(parsed);
  if (headers) message.headers = headers;
  const attachments = attachmentsOf(parsed);
  if (attachments.length) message.attachments = attachments;
  if (parsed.messageId && /^<[^<>\s@]+@[^<>\s@]+>$/.test(parsed.messageId)) message.internetMessageId = parsed.messageId;
  return { ok: true, message, sender, rewritten };
}
