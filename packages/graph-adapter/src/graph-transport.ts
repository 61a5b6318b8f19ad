import type {
  MailTransport,
  OutgoingMessage,
  ProbeResult,
  ReceivedMessage,
  ReceiveOptions,
  SendOptions,
  SendResult,
  SyncOptions,
  SyncResult,
  TransportCapabilities,
} from '@mailbridge/core';
import { getGraphMime, receiveGraphMessages } from './graph-receive.js';
import { GraphRequester } from './graph-request.js';
import { sendGraphMessage, sendGraphMime } from './graph-send.js';
import { syncGraphFolder } from './graph-sync.js';
import type { GraphTransportOptions } from './graph-transport-options.js';
import { markGraphRead, moveGraphMessage } from './graph-update.js';
import { probeGraphMailbox } from './graph-probe.js';
import { GRAPH_MAX_ATTACHMENT_BYTES } from './validate-message.js';

/**
 * {@link MailTransport} over Microsoft Graph v1.0, on `@microsoft/microsoft-graph-client` with core's
 * token provider, HTTP client and retry policy underneath. See the package README for the
 * permissions each operation needs. This class only wires the contract: each operation lives in its
 * own file (`graph-send.ts`, `graph-receive.ts`, …) on the shared {@link GraphRequester}.
 */
export class GraphTransport implements MailTransport {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'graph';
  readonly mailbox: string;
  readonly capabilities: TransportCapabilities = {
    maxAttachmentBytes: GRAPH_MAX_ATTACHMENT_BYTES,
    maxMessageBytes: GRAPH_MAX_ATTACHMENT_BYTES,
    incrementalSync: true,
    sendMime: true,
    batch: true,
  };

  private readonly requester: GraphRequester;

  constructor(options: GraphTransportOptions) {
    this.requester = new GraphRequester(options);
    this.mailbox = options.mailbox;
  }

  send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    return sendGraphMessage(this.requester, message, options);
  }

  sendMime(mime: Uint8Array | string, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<SendResult> {
    return sendGraphMime(this.requester, mime, options);
  }

  receive(options: ReceiveOptions = {}): AsyncIterable<ReceivedMessage> {
    return receiveGraphMessages(this.requester, options);
  }

  sync(options: SyncOptions = {}): Promise<SyncResult> {
    return syncGraphFolder(this.requester, options);
  }

  markRead(ids: string | string[], options: { isRead?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    return markGraphRead(this.requester, ids, options);
  }

  move(id: string, folder: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string }> {
    return moveGraphMessage(this.requester, id, folder, options);
  }

  getMime(id: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return getGraphMime(this.requester, id, options);
  }

  probe(options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
    return probeGraphMailbox(this.requester, options);
  }

  close(): Promise<void> {
    return this.requester.close();
  }
}
