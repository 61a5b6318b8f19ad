import { Readable } from 'node:stream';
import type { SimResponse } from '../server/http-types.js';
import type { FaultSpec } from '../types.js';

/** The `hostile` fault: what a broken proxy, a truncated connection or an attacker in the path answers. */
export type HostileFault = Extract<FaultSpec, { kind: 'hostile' }>;

/** Default size of a `gigantic-body` answer: far more than any client should ever hold in memory. */
const DEFAULT_GIGANTIC_BYTES = 1024 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

const SOAP_HEAD =
  '<?xml version="1.0" encoding="utf-8"?>' +
  '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">' +
  '<s:Header><h:ServerVersionInfo xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" MajorVersion="15" MinorVersion="20" MajorBuildNumber="0" MinorBuildNumber="0" Version="V2018_01_08"/></s:Header>';

/** Nine levels of ten: fully expanded, 10^9 copies of "lol" (about 3 GB). */
function billionLaughs(): string {
  const entities = ['<!ENTITY lol0 "lol">'];
  for (let level = 1; level <= 9; level++) {
    entities.push(`<!ENTITY lol${level} "${`&lol${level - 1};`.repeat(10)}">`);
  }
  return (
    `<?xml version="1.0" encoding="utf-8"?><!DOCTYPE s:Envelope [${entities.join('')}]>` +
    SOAP_HEAD.slice(SOAP_HEAD.indexOf('?>') + 2) +
    '<s:Body><m:CreateItemResponse><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Error">' +
    '<m:MessageText>&lol9;</m:MessageText><m:ResponseCode>ErrorInternalServerError</m:ResponseCode>' +
    '</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>'
  );
}

/** An external entity (XXE): a parser that resolves it would put the file's content in the answer. */
function externalEntity(): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    SOAP_HEAD.slice(SOAP_HEAD.indexOf('?>') + 2) +
    '<s:Body><m:CreateItemResponse><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Error">' +
    '<m:MessageText>&xxe;</m:MessageText><m:ResponseCode>ErrorInternalServerError</m:ResponseCode>' +
    '</m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>'
  );
}

/** A body of `size` bytes produced lazily, so the simulator never holds it either. */
function giganticStream(size: number, json: boolean): Readable {
  const head = Buffer.from(json ? '{"value":["' : `${SOAP_HEAD}<s:Body><m:Junk>`);
  const filler = Buffer.alloc(CHUNK_BYTES, 'A');
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const chunk = sent === 0 ? head : filler.subarray(0, Math.min(CHUNK_BYTES, size - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** Default levels of a `deep-nesting` answer: far past any recursive walk's stack. */
const DEFAULT_DEPTH = 100_000;
/** Default gap of a `trickle` answer: one byte every 2 s, never silent long enough for an idle timeout. */
const DEFAULT_TRICKLE_MS = 2000;

/** A well-formed answer `depth` levels deep: JSON objects for Graph and Entra, SOAP elements for EWS. */
function deepNesting(depth: number, json: boolean): string {
  if (json) {
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    return `{"value":[{"id":"AAMk-deep","subject":"deep","nested":${deep}}],"error":{"code":"InternalServerError","message":"deep","innerError":${deep}},"access_token":"x","token_type":"Bearer","expires_in":3599,"nested":${deep}}`;
  }
  return `${SOAP_HEAD}<s:Body><m:Deep>${'<t:Level>'.repeat(depth)}${'</t:Level>'.repeat(depth)}</m:Deep></s:Body></s:Envelope>`;
}

/** The start of a well-formed answer, then one space every `intervalMs` until the client gives up. */
function trickleStream(intervalMs: number, json: boolean): Readable {
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  return new Readable({
    read() {
      if (!started) {
        started = true;
        this.push(json ? '{"value":[' : `${SOAP_HEAD}<s:Body>`);
        return;
      }
      timer = setTimeout(() => this.push(' '), intervalMs);
    },
    destroy(error, callback) {
      clearTimeout(timer);
      callback(error);
    },
  });
}

/**
 * The answer of a `hostile` fault. The body is what the fault names, whatever the request was, with
 * status 200 unless the fault says otherwise: a client must not trust a success status with a body
 * it cannot parse. `api` picks the wire format where the kind leaves it open (JSON for Graph and
 * Entra, SOAP for EWS). `redirectTo` is where a `redirect` points (the simulator's second listener).
 */
export function hostileResponse(fault: HostileFault, api: string, redirectTo?: string): SimResponse {
  const status = fault.status ?? (fault.body === 'redirect' ? 307 : 200);
  const json = api !== 'ews';
  switch (fault.body) {
    case 'truncated-xml': {
      const full = `${SOAP_HEAD}<s:Body><m:CreateItemResponse><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id="AAMk`;
      return { status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: full };
    }
    case 'xml-entity-expansion':
      return { status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: billionLaughs() };
    case 'xml-external-entity':
      return { status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: externalEntity() };
    case 'malformed-json':
      return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"value":[{"id":"AAMk","subject":"trunc' };
    case 'wrong-content-type':
      return {
        status,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>',
      };
    case 'empty-body':
      return { status, headers: { 'content-type': json ? 'application/json' : 'text/xml; charset=utf-8' }, body: '' };
    case 'redirect':
      // What a hostile or misconfigured endpoint does to harvest credentials: 307/308 keep the method
      // and body, so a client that follows re-sends the secret, assertion or token it just sent.
      return {
        status,
        headers: { location: redirectTo ?? 'https://127.0.0.1:9/', 'content-type': 'text/html; charset=utf-8' },
        body: '<html><body>Moved</body></html>',
      };
    case 'deep-nesting':
      return {
        status,
        headers: { 'content-type': json ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8' },
        body: deepNesting(fault.depth ?? DEFAULT_DEPTH, json),
      };
    case 'trickle':
      return {
        status,
        headers: { 'content-type': json ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8' },
        body: trickleStream(fault.intervalMs ?? DEFAULT_TRICKLE_MS, json),
      };
    case 'gigantic-body':
      return {
        status,
        headers: { 'content-type': json ? 'application/json' : 'text/xml; charset=utf-8' },
        body: giganticStream(fault.sizeBytes ?? DEFAULT_GIGANTIC_BYTES, json),
      };
  }
}
