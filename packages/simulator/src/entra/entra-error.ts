/**
 * An error answer of the simulated Entra ID, in Microsoft's exact JSON shape:
 * `error`, `error_description` ("AADSTSnnnn: text\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …"),
 * `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`
 * (see shared/protocol/identity/samples).
 */
export class EntraError extends Error {
  /**
   * @param status HTTP status Entra uses for this error (400 for most, 401 for `invalid_client`).
   * @param error The OAuth error (`invalid_request`, `invalid_client`, `invalid_grant`, …).
   * @param aadsts The AADSTS number, e.g. 7000215.
   * @param text The message after `AADSTSnnnn: `.
   */
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly text: string,
    /** Entra's `suberror` (e.g. `consent_required` with 65001), which msal-node reads. */
    readonly suberror?: string,
  ) {
    super(`AADSTS${aadsts}: ${text}`);
    this.name = 'EntraError';
  }
}

/** The ids that tie one answer to the logs of the service, as Entra reports them. */
export interface EntraTrace {
  /** `x-ms-request-id` and `trace_id`. */
  traceId: string;
  /** The caller's `client-request-id` when it sent one, else a new GUID. */
  correlationId: string;
  /** Simulated time (ms) of the answer. */
  now: number;
}

/** Entra's timestamp format: `2022-06-18 03:16:39Z`. */
export function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** The JSON body of an Entra error answer. */
export function entraErrorBody(err: EntraError, trace: EntraTrace, baseUrl: string): Record<string, unknown> {
  const timestamp = entraTimestamp(trace.now);
  return {
    error: err.error,
    ...(err.suberror !== undefined ? { suberror: err.suberror } : {}),
    error_description: `AADSTS${err.aadsts}: ${err.text}\r\nTrace ID: ${trace.traceId}\r\nCorrelation ID: ${trace.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.aadsts],
    timestamp,
    trace_id: trace.traceId,
    correlation_id: trace.correlationId,
    error_uri: `${baseUrl}/error?code=${err.aadsts}`,
  };
}

/**
 * The Entra error for an HTTP status the server imposes (an injected `status` fault): 429 is
 * TenantThrottlingError (AADSTS90055), 500 TokenIssuanceError (AADSTS50000, `server_error`), the
 * other 5xx the transient error AADSTS90033 (`temporarily_unavailable`) Entra answers when busy,
 * other 4xx (the server's 413) InvalidRequest (AADSTS9002313).
 */
export function entraStatusError(status: number): EntraError {
  if (status === 429) return new EntraError(429, 'temporarily_unavailable', 90055, 'There are too many incoming requests. Please try again later.');
  if (status === 500) return new EntraError(500, 'server_error', 50000, 'There was an error issuing a token or an issue with our sign-in service.');
  // The server's own 4xx (a body over the size limit): InvalidRequest.
  if (status < 500) return new EntraError(status, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid.');
  return new EntraError(status, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
}

/** AADSTS900144: a required form parameter is missing. */
export function missingParameter(name: string): EntraError {
  return new EntraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
}
