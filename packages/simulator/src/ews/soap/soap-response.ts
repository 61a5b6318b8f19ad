import { NS } from '../xml/xml-node.js';
import { esc, escText } from '../xml/xml-writer.js';

/** Which Exchange the simulator claims to be, in ServerVersionInfo (values must be in ExchangeVersionType). */
export interface ServerVersion {
  major: number;
  minor: number;
  majorBuild: number;
  minorBuild: number;
  version: string;
}

/** Exchange Online answers with its current build and the newest schema version name. */
export const ONLINE_SERVER_VERSION: ServerVersion = { major: 15, minor: 20, majorBuild: 8769, minorBuild: 20, version: 'V2017_07_11' };
/** Exchange Server 2019 CU14 (on-premises). */
export const ONPREM_SERVER_VERSION: ServerVersion = { major: 15, minor: 2, majorBuild: 1544, minorBuild: 4, version: 'V2017_07_11' };

/** A complete SOAP response envelope around one Body element (already serialised), with ServerVersionInfo as Exchange sends it. */
export function soapEnvelope(bodyElement: string, version: ServerVersion): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}">` +
    '<s:Header>' +
    `<h:ServerVersionInfo MajorVersion="${version.major}" MinorVersion="${version.minor}" MajorBuildNumber="${version.majorBuild}" MinorBuildNumber="${version.minorBuild}" Version="${version.version}" xmlns:h="${NS.types}" xmlns="${NS.types}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${NS.xsi}"/>` +
    '</s:Header>' +
    `<s:Body xmlns:xsi="${NS.xsi}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${bodyElement}</s:Body>` +
    '</s:Envelope>'
  );
}

/** What goes in a SOAP fault's detail/t:MessageXml (e.g. BackOffMilliseconds, or schema LineNumber/LinePosition/Violation). */
export interface FaultDetail {
  /** `<t:Value Name="...">` entries. */
  values?: Record<string, string>;
  /** Child elements of MessageXml in the types namespace, in order. */
  elements?: Array<[name: string, value: string]>;
}

/**
 * A SOAP 1.1 fault as Exchange sends it (HTTP 500): faultcode `a:<ResponseCode>` in the types
 * namespace, the message in faultstring, and detail with e:ResponseCode, e:Message and t:MessageXml.
 * Shape from the documented ErrorSchemaValidation fault and the ErrorServerBusy capture.
 */
export function soapFault(code: string, faultString: string, detailMessage: string, detail?: FaultDetail): string {
  let messageXml = '';
  if (detail?.values || detail?.elements) {
    let inner = '';
    for (const [name, value] of Object.entries(detail.values ?? {})) inner += `<t:Value Name="${esc(name)}">${escText(value)}</t:Value>`;
    for (const [name, value] of detail.elements ?? []) inner += `<t:${name}>${escText(value)}</t:${name}>`;
    messageXml = `<t:MessageXml xmlns:t="${NS.types}">${inner}</t:MessageXml>`;
  }
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}">` +
    '<s:Body>' +
    '<s:Fault>' +
    `<faultcode xmlns:a="${NS.types}">a:${code}</faultcode>` +
    `<faultstring xml:lang="en-US">${escText(faultString)}</faultstring>` +
    '<detail>' +
    `<e:ResponseCode xmlns:e="${NS.errors}">${code}</e:ResponseCode>` +
    `<e:Message xmlns:e="${NS.errors}">${escText(detailMessage)}</e:Message>` +
    messageXml +
    '</detail>' +
    '</s:Fault>' +
    '</s:Body>' +
    '</s:Envelope>'
  );
}
