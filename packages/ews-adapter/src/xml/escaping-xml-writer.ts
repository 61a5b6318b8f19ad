import { createRequire } from 'node:module';
import type { ExchangeService } from 'ews-javascript-api';
import { escapeXmlAttribute, escapeXmlText } from './escape-xml.js';

/**
 * ews-javascript-api writes every string into its SOAP requests as it is: a `<` or `&` in a subject,
 * a body, a display name, a header value or an impersonated address makes the request malformed
 * (gautamsi/ews-javascript-api#358, #368; the maintainer's answer is that callers must pre-escape).
 * Pre-escaping at each call site would miss fields, so the fix goes where every string passes: the
 * library's XML writer (`EwsServiceXmlWriter.WriteValue` for element content, `WriteAttributeString`
 * for attribute values). Only services marked by {@link enableXmlEscaping} are affected, so another
 * user of the library in the same process who pre-escapes is not double-escaped.
 */

const ESCAPE_MARK = Symbol.for('mailbridge.ews.escapeXml');

interface WriterPrototype {
  WriteValue(value: unknown, name: string | null): void;
  WriteAttributeString(...args: unknown[]): void;
  service?: Record<symbol, unknown>;
  [ESCAPE_MARK]?: true;
}

let installed = false;

function installWriterPatch(): void {
  if (installed) return;
  // The writer is internal to the library (not exported from its index), hence the deep require.
  const require = createRequire(import.meta.url);
  const { EwsServiceXmlWriter } = require('ews-javascript-api/js/Core/EwsServiceXmlWriter') as {
    EwsServiceXmlWriter: { prototype: WriterPrototype };
  };
  const proto = EwsServiceXmlWriter.prototype;
  if (proto[ESCAPE_MARK]) {
    installed = true;
    return; // another copy of this adapter already patched the same library instance
  }
  const writeValue = proto.WriteValue;
  const writeAttributeString = proto.WriteAttributeString;

  proto.WriteValue = function (this: WriterPrototype, value: unknown, name: string | null) {
    if (typeof value === 'string' && this.service?.[ESCAPE_MARK] === true) value = escapeXmlText(value);
    writeValue.call(this, value, name);
  };
  // WriteAttributeString(localName, value) or (prefix, localName, value): the value is the last argument.
  proto.WriteAttributeString = function (this: WriterPrototype, ...args: unknown[]) {
    const last = args.length - 1;
    if (last >= 1 && typeof args[last] === 'string' && this.service?.[ESCAPE_MARK] === true) {
      args[last] = escapeXmlAttribute(args[last] as string);
    }
    writeAttributeString.apply(this, args);
  };
  proto[ESCAPE_MARK] = true;
  installed = true;
}

/** Makes every text and attribute value this service writes XML-escaped (see the file comment). */
export function enableXmlEscaping(service: ExchangeService): void {
  installWriterPatch();
  (service as unknown as Record<symbol, unknown>)[ESCAPE_MARK] = true;
}
