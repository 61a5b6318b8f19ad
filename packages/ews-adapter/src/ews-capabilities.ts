import type { TransportCapabilities } from '@mailbridge/core';

/**
 * Attachments travel base64-encoded with MIME overhead (Exchange counts about 1.37× the file), so
 * about 25 MB of attachment fits a 35 MB message.
 */
const ENCODED_RATIO = 1.37;

/** What an EWS transport declares, from the mailbox's MaxSendSize; core checks messages against it before any request. */
export function ewsCapabilities(maxMessageBytes: number): TransportCapabilities {
  return {
    maxAttachmentBytes: Math.floor(maxMessageBytes / ENCODED_RATIO) - 64 * 1024,
    maxMessageBytes,
    encodedSizeRatio: ENCODED_RATIO,
    incrementalSync: true,
    sendMime: true,
    batch: true,
  };
}
