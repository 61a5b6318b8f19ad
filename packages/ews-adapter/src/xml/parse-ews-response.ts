import { createRequire } from 'node:module';
import { MailbridgeError } from '@mailbridge/core';
import { TYPES_NS } from '../soap-envelope.js';

/** The part of xmldom's DOM read here (its typings would bring the browser's DOM types into the build). */
export interface XmlElement {
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<XmlElement | { readonly nodeType: number }>;
  getAttribute(name: string): string | null;
}

/** A parsed answer. */
export interface XmlDocument {
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<XmlElement>;
}

const ELEMENT_NODE = 1;

type DomParserClass = new (options: { errorHandler: Record<'warning' | 'error' | 'fatalError', (message: string) => void> }) => { parseFromString(text: string, mimeType: string): XmlDocument };

let Parser: DomParserClass | undefined;

/**
 * Parses the SOAP text of a hand-written request's answer with xmldom, the parser ews-javascript-api
 * reads its answers with, loaded on first use (the one-request send reads nothing but the response
 * class, which the HTTP layer already checked). Every parser message refuses the answer, warnings
 * included (xmldom only warns about an element left unclosed): a half-understood answer must not
 * yield a wrong id. The HTTP layer has already bounded the text's size and nesting depth.
 */
export function parseEwsResponse(text: string, operation: string): XmlDocument {
  Parser ??= (createRequire(import.meta.url)('@xmldom/xmldom') as { DOMParser: DomParserClass }).DOMParser;
  const refuse = (message: string): never => {
    throw new MailbridgeError({
      code: 'INVALID_RESPONSE',
      message: `EWS ${operation}: the response is not well-formed XML (${String(message).slice(0, 200)}).`,
      hint: 'Check that endpoints.ews points at /EWS/Exchange.asmx of an Exchange server, and that no proxy in between changes its answers.',
    });
  };
  return new Parser({ errorHandler: { warning: refuse, error: refuse, fatalError: refuse } }).parseFromString(text, 'text/xml');
}

/** The elements of the EWS types namespace with this local name, in document order. */
export function typesElements(document: XmlDocument, localName: string): XmlElement[] {
  return Array.from(document.getElementsByTagNameNS(TYPES_NS, localName));
}

/** The `Id` of every `t:ItemId` of an answer, in document order (CreateItem SaveOnly, FindItem). */
export function itemIdsOf(document: XmlDocument): string[] {
  return typesElements(document, 'ItemId').map((element) => element.getAttribute('Id') ?? '');
}

/** The `t:Name` of each attachment of an answer's items (GetItem with `item:Attachments`). */
export function attachmentNamesOf(document: XmlDocument): string[] {
  const isElement = (node: XmlElement | { readonly nodeType: number }): node is XmlElement => (node as { nodeType: number }).nodeType === ELEMENT_NODE;
  const names: string[] = [];
  for (const list of typesElements(document, 'Attachments')) {
    for (const attachment of Array.from(list.childNodes).filter(isElement)) {
      const name = Array.from(attachment.childNodes)
        .filter(isElement)
        .find((child) => child.localName === 'Name' && child.namespaceURI === TYPES_NS);
      names.push(name?.textContent ?? '');
    }
  }
  return names;
}
