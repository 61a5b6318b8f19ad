/**
 * The schema version a request targets (its RequestServerVersion). Exchange 2010 and later, and
 * Exchange Online, keep some Exchange 2007 behaviours for requests that target Exchange 2007, so
 * operations read it from here.
 */

/**
 * The version a request without RequestServerVersion is handled as. Microsoft's "Versioning
 * Requests" page: requests that do not include version headers are handled as requests from the
 * initial release version of Exchange 2007.
 */
export const DEFAULT_REQUEST_VERSION = 'Exchange2007';

/** The RequestServerVersion a request is handled as: the one it sent, or {@link DEFAULT_REQUEST_VERSION}. */
export function effectiveRequestVersion(requested: string | undefined): string {
  return requested ?? DEFAULT_REQUEST_VERSION;
}

/** Whether a request targets Exchange 2007 (RTM or SP1, which covers SP2 and SP3). */
export function targetsExchange2007(version: string): boolean {
  return version === 'Exchange2007' || version === 'Exchange2007_SP1';
}
