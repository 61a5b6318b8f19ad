import { child, NS, parseXml, type XNode } from '../xml/xml-node.js';

/** A SOAP request as the EWS module needs it: the operation element and the header blocks it understands. */
export interface SoapRequest {
  /** The single element of soap:Body (e.g. m:FindItem). */
  operation: XNode;
  /** soap:Header, when present. */
  header?: XNode;
  /** RequestServerVersion/@Version, when sent. */
  requestServerVersion?: string;
  /** ExchangeImpersonation/ConnectingSID: which form and the value. */
  impersonation?: { kind: 'PrincipalName' | 'SID' | 'PrimarySmtpAddress' | 'SmtpAddress'; value: string };
}

/** Why a body could not be read as a SOAP 1.1 EWS request. */
export type EnvelopeProblem =
  | { kind: 'not-xml'; message: string }
  /** The root is not SOAP 1.1's Envelope (e.g. the docs' `https://schemas.xmlsoap.org/...` typo, or SOAP 1.2). */
  | { kind: 'version-mismatch'; namespace: string }
  | { kind: 'structure'; message: string };

/**
 * Reads the envelope: soap:Envelope with an optional soap:Header and a soap:Body holding exactly one
 * element. Checked here whether or not schema validation is on, so structure errors never reach an
 * operation.
 */
export function readSoapRequest(xml: string): { ok: true; request: SoapRequest } | { ok: false; problem: EnvelopeProblem } {
  let root: XNode;
  try {
    root = parseXml(xml);
  } catch (error) {
    return { ok: false, problem: { kind: 'not-xml', message: (error as Error).message } };
  }
  if (root.name !== 'Envelope' || root.ns !== NS.soap) {
    if (root.name === 'Envelope') return { ok: false, problem: { kind: 'version-mismatch', namespace: root.ns } };
    return { ok: false, problem: { kind: 'structure', message: `The root element is '${root.name}', not a SOAP 1.1 Envelope.` } };
  }
  const unknown = root.children.find((c) => c.ns !== NS.soap || (c.name !== 'Header' && c.name !== 'Body'));
  if (unknown) return { ok: false, problem: { kind: 'structure', message: `The element '${unknown.name}' is not allowed in a SOAP Envelope.` } };
  const body = child(root, NS.soap, 'Body');
  if (!body) return { ok: false, problem: { kind: 'structure', message: 'The SOAP Envelope has no Body.' } };
  if (body.children.length !== 1) {
    return { ok: false, problem: { kind: 'structure', message: `The SOAP Body must hold exactly one element; it holds ${body.children.length}.` } };
  }
  const header = child(root, NS.soap, 'Header');
  const request: SoapRequest = { operation: body.children[0]!, ...(header ? { header } : {}) };
  const version = child(header, NS.types, 'RequestServerVersion')?.attrs['Version'];
  if (version !== undefined) request.requestServerVersion = version;
  const sid = child(child(header, NS.types, 'ExchangeImpersonation'), NS.types, 'ConnectingSID');
  const form = sid?.children[0];
  if (form && (form.name === 'PrincipalName' || form.name === 'SID' || form.name === 'PrimarySmtpAddress' || form.name === 'SmtpAddress')) {
    request.impersonation = { kind: form.name, value: form.text.trim() };
  }
  return { ok: true, request };
}
