/**
 * Cheap look-ups in SOAP text, for the HTTP layer: it must recognise the operation, ErrorServerBusy
 * and a fault's response code without paying for a full XML parse of every (possibly large) body.
 */

/** The SOAP operation of a request body (`CreateItem`, `FindItem`, ...). */
export function soapOperation(body: string): string | undefined {
  const bodyStart = body.search(/<(?:\w+:)?Body[\s>]/);
  if (bodyStart < 0) return undefined;
  const match = /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(body.slice(bodyStart, bodyStart + 600));
  return match?.[1];
}

/** The first EWS response code of a SOAP fault (`<e:ResponseCode>`) or response message. */
export function responseCode(body: string): string | undefined {
  return /<(?:\w+:)?ResponseCode[^>]*>\s*(\w+)\s*<\//.exec(body)?.[1];
}

/** The fault string of a SOAP fault. */
export function faultString(body: string): string | undefined {
  // A schema violation's text lists the elements expected and can run past 500 characters: read up
  // to 4000 and keep the first 500, rather than lose it whole.
  const text = /<faultstring[^>]*>([^<]{0,4000})<\/faultstring>/.exec(body)?.[1]?.trim();
  return text !== undefined && text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** The text of the first `MessageText` of an error response message. */
export function messageText(body: string): string | undefined {
  return /<(?:\w+:)?MessageText[^>]*>([^<]{0,500})<\//.exec(body)?.[1]?.trim();
}

/**
 * True when a response says ErrorServerBusy and nothing in it succeeded: the server did not act on
 * the request, so it may be sent again whatever the operation.
 */
export function isServerBusy(body: string): boolean {
  return /ResponseCode[^>]*>\s*ErrorServerBusy\s*</.test(body) && !/ResponseClass="(?:Success|Warning)"/.test(body);
}

/** `BackOffMilliseconds` of an ErrorServerBusy (`<t:Value Name="BackOffMilliseconds">`). */
export function backOffMilliseconds(body: string): number | undefined {
  const match = /<(?:\w+:)?Value\s+Name="BackOffMilliseconds"\s*>\s*(\d+)\s*</.exec(body);
  return match ? Number(match[1]) : undefined;
}
