import { EWS_VERSIONS, type HttpClient, type Logger, type RetryPolicy } from '@mailbridge/core';
import type { EwsAuthentication } from './ews-xhr.js';

/**
 * The `ExchangeVersion` names of ews-javascript-api that can be asked for (`ews.version`): core's
 * config list, here so that a transport can check the name without loading the library.
 */
export const EWS_VERSION_NAMES = EWS_VERSIONS;

/** A name of {@link EWS_VERSION_NAMES}. */
export type EwsVersionName = (typeof EWS_VERSION_NAMES)[number];

/** Options of {@link createEwsTransport}. `createTransport(context)` fills them from core's config. */
export interface EwsTransportOptions {
  /** The EWS endpoint, e.g. `https://outlook.office365.com/EWS/Exchange.asmx`. */
  url: string;
  /** The mailbox acted on (SMTP address). */
  mailbox: string;
  /** OAuth (a token provider: app-only or delegated), or Basic / NTLM for Exchange Server. */
  authentication: EwsAuthentication;
  /** Core's HTTP client (proxy, CA file, time-out, user agent). */
  http: HttpClient;
  /** Core's retry policy. */
  retry: RetryPolicy;
  /** Where to log retries and sends (redacted by core's logger). */
  logger?: Logger;
  /**
   * RequestServerVersion.
   * @default `Exchange2016` with OAuth (Exchange Online, and Exchange Server 2016+ with modern auth);
   * `Exchange2013_SP1` with Basic/NTLM (every Exchange Server still in use accepts it, and it has
   * everything this adapter uses: a server refuses a version newer than itself).
   */
  version?: EwsVersionName;
  /**
   * Act on `mailbox` through ExchangeImpersonation (and `X-AnchorMailbox`).
   * @default true for app-only OAuth (an app has no mailbox of its own), false otherwise.
   */
  impersonate?: boolean;
  /** Exchange Online (`online`) or Exchange Server (`onprem`): sets defaults and the retirement notice. @default `onprem` for Basic/NTLM, else `online` */
  deployment?: 'online' | 'onprem';
  /**
   * Most requests in flight at once for this identity (shared by every transport of the process with the same identity).
   * @default 10 (Microsoft's advice for EWS)
   */
  maxConcurrency?: number;
  /** Per-request time limit in ms (else the HTTP client's, from `network.timeoutMs`). */
  timeoutMs?: number;
  /** Extra CA (PEM) for NTLM connections, which cannot go through the pooled HTTP client. */
  ntlmCaPem?: string | Buffer;
  /**
   * Attachments up to this total size go inside the CreateItem request; larger ones are streamed one
   * by one with CreateAttachment into a draft that is then sent.
   * @default 4 MiB
   */
  inlineAttachmentLimitBytes?: number;
  /**
   * Largest message the mailbox may send, in bytes (Exchange's MaxSendSize). Attachments are checked
   * against it before anything is sent.
   * @default 35 MiB (Exchange Online's default; administrators can raise it to 150 MB)
   */
  maxMessageBytes?: number;
  /**
   * Waits before each look in Sent Items after a send whose outcome is unknown (Exchange can take a
   * few seconds to file the sent copy; a look that misses it would send the message twice).
   * @default [0, 1000, 3000]
   */
  confirmDelaysMs?: number[];
  /** Items per FindItem page. @default 200 */
  pageSize?: number;
  /** Items per GetItem / UpdateItem request. @default 50 */
  batchSize?: number;
}
