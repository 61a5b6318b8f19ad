import type { HttpClient, Logger, RetryPolicy, TokenProvider } from '@mailbridge/core';

/** Options of {@link createGraphTransport}. `createTransport(context)` fills them from core's context. */
export interface GraphTransportOptions {
  /** The mailbox acted on (app-only: `/users/{mailbox}`; delegated: `/me` when it is the signed-in user's). */
  mailbox: string;
  /** Microsoft Graph root without the version, e.g. `https://graph.microsoft.com` (or the simulator's URL). */
  graphEndpoint: string;
  /** Gives Graph tokens (`getToken('graph')`); its `kind` decides between `/users/{mailbox}` and `/me`. */
  tokenProvider: TokenProvider;
  /**
   * Every request goes through it (proxy, CA file, timeout, user agent). A caller's own client may
   * throw what `fetch` throws: its network failures become the same coded errors, retried the same way.
   */
  http: HttpClient;
  /** Retries throttled (429) and unavailable (503/504) answers, honouring Retry-After. */
  retry: RetryPolicy;
  /**
   * Requests in flight per mailbox, shared by every transport of the process.
   * @default 4 (Graph's MailboxConcurrency limit)
   */
  maxConcurrency?: number;
  /**
   * Messages per page when `receive()` is not given a `pageSize` (`$top`).
   * @default 100
   */
  pageSize?: number;
  /**
   * Largest JSON request (with base64 attachments) sent in one piece; bigger attachments go through
   * a draft and upload sessions.
   * @default 3145728 (3 MB, Graph's documented limit for attachments in one request)
   */
  inlineRequestLimitBytes?: number;
  /**
   * Bytes per upload-session range; a multiple of 320 KiB under 4 MB.
   * @default 3932160 (3.75 MB)
   */
  uploadChunkBytes?: number;
  /**
   * Waits before each look in Sent Items after a send whose outcome is unknown (the copy can take a
   * moment to appear).
   * @default [0, 1000, 3000]
   */
  confirmDelaysMs?: number[];
  /**
   * Where retries and checks of unclear sends are logged (core's logger redacts every record).
   * @default silent
   */
  logger?: Logger;
  /**
   * Close `http` when the transport is closed (true when core's `createTransport` made the client for it).
   * @default false
   */
  ownsHttp?: boolean;
}
