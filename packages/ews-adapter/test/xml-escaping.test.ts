import { createRequire } from 'node:module';
import { createRetryPolicy } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { createEwsTransport } from '../src/index.js';
import { escapeXmlAttribute, escapeXmlText } from '../src/xml/escape-xml.js';
import { emptySuccess, fakeHttp, fakeTokenProvider } from './support/fake-http.js';
import { validateSoap } from './support/xsd.js';

// The XML parser ews-javascript-api itself uses (a dependency of it, not of this package).
const libraryRequire = createRequire(createRequire(import.meta.url).resolve('ews-javascript-api'));
interface XmlNode {
  textContent: string | null;
  getElementsByTagNameNS(ns: string, name: string): { length: number; item(index: number): XmlNode | null };
}
const { DOMParser } = libraryRequire('@xmldom/xmldom') as { DOMParser: new () => { parseFromString(text: string, type: string): XmlNode } };

const NASTY = `a < b && c > d "quoted" 'single' ]]> <![CDATA[x]]> &amp; \u0001\u0007\u001F\uFFFE end \uD83D\uDE00 \uD800 tab\tcr\rlf\n`;
const CLEANED = NASTY.replace(/[\u0001\u0007\u001F\uFFFE]/g, '').replace('\uD800', '');
// Control characters in a subject, name or header are refused before the wire (core's validation, the
// same for Graph and EWS); in bodies they reach the escaping, which drops what XML cannot carry.
const ONE_LINE = NASTY.replace(/[\u0001\u0007\u001F]/g, '').replace(/[\r\n]/g, ' ');

describe('escapeXmlText / escapeXmlAttribute', () => {
  it('escapes markup, keeps CR, drops what XML cannot carry', () => {
    expect(escapeXmlText('a<b>&c\r\n')).toBe('a&lt;b&gt;&amp;c&#xD;\n');
    expect(escapeXmlText('plain text')).toBe('plain text');
    expect(escapeXmlText('x\u0000y\u000Bz\uDC00')).toBe('xyz');
    expect(escapeXmlText('emoji \uD83D\uDE00')).toBe('emoji \uD83D\uDE00');
    expect(escapeXmlAttribute(`"a" 'b' <c>\t\n`)).toBe('&quot;a&quot; &apos;b&apos; &lt;c&gt;&#x9;&#xA;');
  });
});

describe('every text field reaches the wire XML-escaped (ews-javascript-api sends them raw)', () => {
  it('subject, bodies, display names, headers and the impersonated mailbox validate against the EWS XSDs and round-trip', async () => {
    const http = fakeHttp(() => emptySuccess('CreateItem'));
    const transport = createEwsTransport({
      url: 'https://ews.test/EWS/Exchange.asmx',
      mailbox: "o'brien&co@contoso.com",
      authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() },
      http,
      retry: createRetryPolicy({ maxAttempts: 1 }),
    });
    await transport.send({
      to: [{ name: `Jo "<x>" & co ${ONE_LINE}`, address: 'jo@contoso.com' }], // line breaks in a name are refused (header injection)
      cc: ['cc@contoso.com'],
      replyTo: [{ name: '<reply&>', address: 'reply@contoso.com' }],
      subject: ONE_LINE,
      html: `<p>${NASTY}</p>`,
      importance: 'high',
      headers: { 'X-Alarm': 'v<1> & "2"' },
      attachments: [{ filename: 'a&b<c>.txt', content: 'hello', contentType: 'text/plain; name="a&b"' }],
      internetMessageId: '<id&1@contoso.com>',
    });
    await transport.close();

    expect(http.requests).toHaveLength(1);
    const body = http.requests[0]!.body;
    const validation = await validateSoap([body]);
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);

    const doc = new DOMParser().parseFromString(body, 'text/xml');
    const T = 'http://schemas.microsoft.com/exchange/services/2006/types';
    const text = (name: string, index = 0) => doc.getElementsByTagNameNS(T, name).item(index)?.textContent;
    expect(text('Subject')).toBe(CLEANED.replace(/[\r\n]/g, ' '));
    expect(text('Body')).toBe(`<p>${CLEANED}</p>`);
    expect(text('Name')).toBe('a&b<c>.txt');
    expect(text('ContentType')).toBe('text/plain; name="a&b"');
    expect(text('SmtpAddress')).toBe("o'brien&co@contoso.com");
    const names = doc.getElementsByTagNameNS(T, 'Mailbox');
    const displayNames = Array.from({ length: names.length }, (_, i) => names.item(i)!.getElementsByTagNameNS(T, 'Name').item(0)?.textContent);
    expect(displayNames).toContain(`Jo "<x>" & co ${CLEANED.replace(/[\r\n]/g, ' ')}`);
    expect(displayNames).toContain('<reply&>');
    const values = Array.from({ length: doc.getElementsByTagNameNS(T, 'Value').length }, (_, i) => doc.getElementsByTagNameNS(T, 'Value').item(i)!.textContent);
    expect(values).toContain('v<1> & "2"');
    expect(text('InternetMessageId')).toBe('<id&1@contoso.com>');
    expect(http.requests[0]!.headers['x-anchormailbox']).toBe("o'brien&co@contoso.com");
  });

  it('does not touch other ExchangeService instances of the library (their users pre-escape)', async () => {
    const ews = await import('ews-javascript-api');
    const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
    service.Url = new ews.Uri('https://ews.test/EWS/Exchange.asmx');
    service.Credentials = new ews.OAuthCredentials('x.y.z');
    let sent = '';
    service.XHRApi = {
      xhr: async (options) => {
        sent = String(options.data);
        throw new Error('stop');
      },
      xhrStream: async () => {
        throw new Error('unused');
      },
      disconnect() {},
    };
    const message = new ews.EmailMessage(service);
    message.Subject = 'pre &amp; escaped';
    message.Body = new ews.MessageBody(ews.BodyType.Text, 'x');
    message.ToRecipients.Add('a@b.com');
    await message.SendAndSaveCopy().catch(() => undefined);
    expect(sent).toContain('<t:Subject>pre &amp; escaped</t:Subject>');
  });
});
