import type { EwsError } from '../ews-error.js';
import { NS } from '../xml/xml-node.js';
import { el, esc, escText } from '../xml/xml-writer.js';

/** One m:<Op>ResponseMessage: success with its content, or an error (with the content an error still carries, e.g. `<m:Items/>`). */
export type ResponseMessage = { ok: true; content: string } | { ok: false; error: EwsError; content?: string };

/** A success message. */
export function success(content = ''): ResponseMessage {
  return { ok: true, content };
}

/** An error message. */
export function failure(error: EwsError, content?: string): ResponseMessage {
  return { ok: false, error, ...(content !== undefined ? { content } : {}) };
}

/**
 * `<m:<Op>Response><m:ResponseMessages>...` as Exchange writes it: ResponseClass Success/Error,
 * MessageText, ResponseCode, DescriptiveLinkKey, MessageXml, then the operation's own elements.
 */
export function responseBody(operation: string, messages: ResponseMessage[]): string {
  let inner = '';
  for (const message of messages) {
    if (message.ok) {
      inner += `<m:${operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>${message.content}</m:${operation}ResponseMessage>`;
    } else {
      const error = message.error;
      let messageXml = '';
      if (error.messageXml || error.values) {
        messageXml = '<m:MessageXml>';
        if (error.messageXml) messageXml += error.messageXml;
        for (const [name, value] of Object.entries(error.values ?? {})) messageXml += `<t:Value Name="${esc(name)}">${escText(value)}</t:Value>`;
        messageXml += '</m:MessageXml>';
      }
      inner +=
        `<m:${operation}ResponseMessage ResponseClass="Error">` +
        el('m:MessageText', error.message) +
        el('m:ResponseCode', error.code) +
        '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>' +
        messageXml +
        (message.content ?? '') +
        `</m:${operation}ResponseMessage>`;
    }
  }
  return `<m:${operation}Response xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:ResponseMessages>${inner}</m:ResponseMessages></m:${operation}Response>`;
}
