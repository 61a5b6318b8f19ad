import type { MailTransport } from '@mailbridge/core';

/** How far back from the enqueue time Sent Items is searched: clocks of this host and the service differ. */
const CLOCK_SLACK_MS = 15 * 60_000;

/**
 * True when a message with this Internet Message-ID is in the mailbox's Sent Items: an earlier
 * attempt, cut off by a crash, did send it. Lists Sent Items newest first from shortly before the
 * message was enqueued (metadata only).
 */
export async function findInSentItems(transport: MailTransport, internetMessageId: string, enqueuedAt: number, signal?: AbortSignal): Promise<boolean> {
  const since = new Date(Math.min(enqueuedAt, Date.now()) - CLOCK_SLACK_MS);
  for await (const message of transport.receive({ folder: 'sentitems', since, includeBody: false, pageSize: 100, limit: 5_000, ...(signal ? { signal } : {}) })) {
    if (message.internetMessageId === internetMessageId) return true;
  }
  return false;
}
