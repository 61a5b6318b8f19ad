import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger, MailbridgeError } from '@mailbridge/core';

/**
 * What one adapter operation tells the HTTP layer beneath ews-javascript-api, and what the HTTP layer
 * hands back. The library's request methods take no signal and swallow thrown errors into its own
 * `SoapFaultDetails`, so both directions go through an AsyncLocalStorage scope instead.
 */
export interface EwsCallContext {
  signal?: AbortSignal;
  /**
   * `idempotent`: the request may be repeated after any failure (reads, setting IsRead).
   * `once`: repeat it only when the server certainly did not act on it (ErrorServerBusy, 503, 429,
   * connection refused); any other failure is reported as ambiguous to the caller, which checks.
   */
  retry: 'idempotent' | 'once';
  /** The transport's logger: what the XML parser complains about goes here (debug), not to stderr. */
  logger?: Logger;
  /** The last error the HTTP layer raised in this scope; rethrown as it is by the adapter. */
  error?: MailbridgeError;
}

export const callContext = new AsyncLocalStorage<EwsCallContext>();
