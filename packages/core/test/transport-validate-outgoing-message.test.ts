import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MailbridgeError, validateOutgoingMessage } from '../src/index.js';

describe('validateOutgoingMessage', () => {
  const ok = { to: ['a@contoso.com'], subject: 's', text: 't' };
  it('accepts a good message', () => {
    expect(() => validateOutgoingMessage(ok)).not.toThrow();
  });
  it.each([
    ['bad address', { ...ok, to: ['a@'] }, 'to[0]'],
    ['CRLF in subject', { ...ok, subject: 'a\r\nBcc: x@y.z' }, 'subject'],
    ['non X- header', { ...ok, headers: { 'Reply-To': 'x@y.z' } }, 'headers.Reply-To'],
    ['CRLF in header value', { ...ok, headers: { 'X-A': 'v\nBcc: x@y.z' } }, 'headers.X-A'],
    ['too many headers', { ...ok, headers: { 'X-1': '1', 'X-2': '2', 'X-3': '3', 'X-4': '4', 'X-5': '5', 'X-6': '6' } }, 'headers'],
    ['no recipient', { ...ok, to: [] }, 'to'],
    ['no body', { to: ['a@contoso.com'], subject: 's' }, 'text'],
    ['bad importance', { ...ok, importance: 'urgent' }, 'importance'],
    ['bad message id', { ...ok, internetMessageId: 'no-brackets@x' }, 'internetMessageId'],
    ['stream without size', { ...ok, attachments: [{ filename: 'a', content: { stream: () => Readable.from([]) } }] }, 'attachments[0].size'],
    ['CRLF in display name', { ...ok, to: [{ address: 'a@contoso.com', name: 'A\r\nB' }] }, 'to[0].name'],
    ['NUL in subject', { ...ok, subject: 'a\u0000b' }, 'subject'],
    ['escape character in a header value', { ...ok, headers: { 'X-A': 'v\u001b[2J' } }, 'headers.X-A'],
    ['CRLF in an attachment filename', { ...ok, attachments: [{ filename: 'a\r\nb.txt', content: 'x' }] }, 'attachments[0].filename'],
    ['CRLF in an attachment content id', { ...ok, attachments: [{ filename: 'a.png', content: 'x', contentId: 'logo\r\nX: y' }] }, 'attachments[0].contentId'],
    ['CRLF in an attachment content type', { ...ok, attachments: [{ filename: 'a.png', content: 'x', contentType: 'image/png\r\nX: y' }] }, 'attachments[0].contentType'],
    [
      'two attachments with one content id',
      {
        ...ok,
        attachments: [
          { filename: 'a.png', content: 'x', contentId: 'logo' },
          { filename: 'b.png', content: 'y', contentId: 'logo' },
        ],
      },
      'attachments[1].contentId',
    ],
    ['501 recipients', { ...ok, to: Array.from({ length: 501 }, (_, i) => `r${i}@contoso.com`) }, 'to'],
  ])('%s → INVALID_MESSAGE at %s', (_title, message, path) => {
    try {
      validateOutgoingMessage(message as never, { maxCustomHeaders: 5 });
      expect.unreachable();
    } catch (error) {
      expect(MailbridgeError.isInstance(error) && error.code).toBe('INVALID_MESSAGE');
      expect((error as MailbridgeError).details.path).toBe(path);
    }
  });
});

describe('validateOutgoingMessage limits', () => {
  const ok = { to: ['a@contoso.com'], subject: 's', text: 't' };
  const six = { 'X-1': '1', 'X-2': '2', 'X-3': '3', 'X-4': '4', 'X-5': '5', 'X-6': '6' };
  it('checks custom headers only against a declared limit, and recipients against 500 by default', () => {
    expect(() => validateOutgoingMessage({ ...ok, headers: six })).not.toThrow();
    expect(() => validateOutgoingMessage({ ...ok, headers: six }, { maxCustomHeaders: 6 })).not.toThrow();
    expect(() => validateOutgoingMessage({ ...ok, to: Array.from({ length: 500 }, (_, i) => `r${i}@contoso.com`) })).not.toThrow();
    expect(() => validateOutgoingMessage({ ...ok, to: ['a@contoso.com', 'b@contoso.com'] }, { maxRecipients: 1 })).toThrow(MailbridgeError);
  });
  it('accepts a tab in a subject and a header value', () => {
    expect(() => validateOutgoingMessage({ ...ok, subject: 'a\tb', headers: { 'X-A': 'v\tw' } })).not.toThrow();
  });
});
