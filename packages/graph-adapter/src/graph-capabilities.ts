import type { TransportCapabilities } from '@mailbridge/core';

/** Graph's documented largest file attachment (upload session), 150 MB. */
const GRAPH_MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;

/**
 * What a Graph transport declares; core checks messages against it before any request. Graph refuses
 * more than 5 custom internet headers on one message (InvalidInternetMessageHeaderCollection).
 */
export function graphCapabilities(): TransportCapabilities {
  return {
    maxAttachmentBytes: GRAPH_MAX_ATTACHMENT_BYTES,
    maxMessageBytes: GRAPH_MAX_ATTACHMENT_BYTES,
    maxCustomHeaders: 5,
    incrementalSync: true,
    sendMime: true,
    batch: true,
  };
}
