import type { MailAddress } from '@mailbridge/core';

/** The header fields the relay writes itself into a raw message. */
export interface RecipientHeaders {
  to: MailAddress[];
  cc: MailAddress[];
  /** Envelope-only recipients: the service delivers to them and strips the field. */
  bcc: MailAddress[];
  /** Set when the sender is rewritten: the new From, and the original sender as Reply-To. */
  from?: MailAddress;
  replyTo?: MailAddress[];
}

const encodeName = (name: string): string =>
  // RFC 2047 for anything beyond printable ASCII; an RFC 5322 quoted string otherwise.
  /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;

const formatAddress = (entry: MailAddress): string => (entry.name ? `${encodeName(entry.name)} <${entry.address}>` : `<${entry.address}>`);

/** `Name: a, b, c` folded after each comma, so no line grows past the limits of RFC 5322. */
function field(name: string, list: MailAddress[], eol: string): string {
  return `${name}: ${list.map(formatAddress).join(`,${eol} `)}${eol}`;
}

/**
 * Returns the raw message with its recipient fields replaced, so the service (which sends a MIME
 * message to the addresses in its header) delivers to exactly the SMTP envelope: To and Cc keep
 * the envelope's addresses they named, Bcc lists the envelope-only ones, and header addresses
 * outside the envelope are gone. When the sender is rewritten, From and Reply-To are replaced too.
 * The body and every other header field are kept byte for byte.
 */
export function rewriteRecipientHeaders(raw: Buffer, headers: RecipientHeaders): Buffer {
  const text = raw.toString('latin1');
  const crlfEnd = text.indexOf('\r\n\r\n');
  const lfEnd = text.indexOf('\n\n');
  const useCrlf = crlfEnd >= 0 && (lfEnd < 0 || crlfEnd < lfEnd);
  const end = useCrlf ? crlfEnd + 2 : lfEnd >= 0 ? lfEnd + 1 : text.length;
  const eol = useCrlf ? '\r\n' : '\n';
  const head = text.slice(0, end);
  const body = raw.subarray(Buffer.byteLength(head, 'latin1'));
  const replaced = new Set(['to', 'cc', 'bcc', ...(headers.from ? ['from', 'reply-to', 'sender'] : [])]);
  const kept: string[] = [];
  // Header fields: a line and its continuation lines (starting with space or tab).
  for (const fieldText of head.split(/\r?\n(?![ \t])/)) {
    if (fieldText === '') continue;
    const name = fieldText.slice(0, fieldText.indexOf(':')).trim().toLowerCase();
    if (!replaced.has(name)) kept.push(fieldText);
  }
  let added = '';
  if (headers.from) added += field('From', [headers.from], eol);
  if (headers.replyTo?.length) added += field('Reply-To', headers.replyTo, eol);
  if (headers.to.length) added += field('To', headers.to, eol);
  if (headers.cc.length) added += field('Cc', headers.cc, eol);
  if (headers.bcc.length) added += field('Bcc', headers.bcc, eol);
  const newHead = `${kept.map((line) => `${line}${eol}`).join('')}${Buffer.from(added, 'utf8').toString('latin1')}`;
  return Buffer.concat([Buffer.from(newHead, 'latin1'), body.length === 0 ? Buffer.from(eol, 'latin1') : body]);
}
