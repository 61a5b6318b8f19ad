import { escapeXmlAttribute, escapeXmlText } from './xml/escape-xml.js';

/** Namespaces of EWS SOAP. */
export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const MESSAGES_NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const TYPES_NS = 'http://schemas.microsoft.com/exchange/services/2006/types';

/** What the SOAP header of a hand-written request carries (the same as the library's requests). */
export interface SoapHeaderSettings {
  /** `RequestServerVersion`, e.g. `Exchange2016`. */
  version: string;
  /** SMTP address to impersonate, when impersonating. */
  impersonate?: string;
}

/**
 * The envelope of the few requests written by hand rather than by ews-javascript-api: the ones whose
 * body must be streamed (a large attachment's base64 content), which the library can only build as
 * one string in memory. Returns the text before and after the operation element.
 */
export function soapEnvelope(header: SoapHeaderSettings): { open: string; close: string } {
  const impersonation = header.impersonate ? `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${escapeXmlText(header.impersonate)}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>` : '';
  return {
    open:
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}" xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}">` +
      `<soap:Header><t:RequestServerVersion Version="${escapeXmlAttribute(header.version)}"/>${impersonation}</soap:Header><soap:Body>`,
    close: '</soap:Body></soap:Envelope>',
  };
}

/** ResponseClass and ResponseCode of the first response message of a (small) EWS response. */
export function firstResponseMessage(text: string): { responseClass?: string; responseCode?: string; messageText?: string } {
  const responseClass = /ResponseClass="(\w+)"/.exec(text)?.[1];
  const responseCode = /<(?:\w+:)?ResponseCode[^>]*>\s*(\w+)\s*</.exec(text)?.[1];
  const messageText = /<(?:\w+:)?MessageText[^>]*>([^<]{0,500})</.exec(text)?.[1];
  return { ...(responseClass ? { responseClass } : {}), ...(responseCode ? { responseCode } : {}), ...(messageText ? { messageText } : {}) };
}

/** Reads an XML attribute of the first element with this local name (for ids in small responses). */
export function attributeOf(text: string, element: string, attribute: string): string | undefined {
  const tag = new RegExp(`<(?:\\w+:)?${element}\\b[^>]*\\s${attribute}="([^"]*)"`).exec(text);
  return tag?.[1] === undefined ? undefined : unescapeXml(tag[1]);
}

function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, entity: string) => {
    switch (entity) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    }
  });
}
