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
import { probeEwsMailbox } from './ews-probe.js';
import { getEwsMime, receiveEwsMessages } from './ews-receive.js';
import { EwsRequester } from './ews-request.js';
import { ewsCapabilities, sendEwsMessage, sendEwsMime } from './ews-send.js';
import { syncEwsFolder } from './ews-sync.js';
import type { EwsTransportOptions } from './ews-transport-options.js';
import { markEwsRead, moveEwsMessage } from './ews-update.js';

/**
 * {@link MailTransport} over EWS, on ews-javascript-api with its HTTP layer replaced by core's.
 * Create it with `createEwsTransport` or core's `createTransport`. This class only wires the
 * contract: each operation lives in its own file (`ews-send.ts`, `ews-receive.ts`, …) on the shared
 * {@link EwsRequester}.
 */
export class EwsTransport implements MailTransport {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'ews';
  readonly mailbox: string;
  readonly capabilities: TransportCapabilities;

  private readonly requester: EwsRequester;

  constructor(options: EwsTransportOptions) {
    this.requester = new EwsRequester(options);
    this.mailbox = options.mailbox;
    this.capabilities = ewsCapabilities(this.requester.settings.maxMessageBytes);
  }

  send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    return sendEwsMessage(this.requester, message, options);
  }

  sendMime(mime: Uint8Array | string, options: { saveToSentItems?: boolean; signal?: AbortSignal } = {}): Promise<SendResult> {
    return sendEwsMime(this.requester, mime, options);
  }

  receive(options: ReceiveOptions = {}): AsyncIterable<ReceivedMessage> {
    return receiveEwsMessages(this.requester, options);
  }

  sync(options: SyncOptions = {}): Promise<SyncResult> {
    return syncEwsFolder(this.requester, options);
  }

  markRead(ids: string | string[], options: { isRead?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    return markEwsRead(this.requester, ids, options);
  }

  move(id: string, folder: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string }> {
    return moveEwsMessage(this.requester, id, folder, options);
  }

  getMime(id: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return getEwsMime(this.requester, id, options);
  }

  probe(options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
    return probeEwsMailbox(this.requester, options);
  }

  close(): Promise<void> {
    return this.requester.close();
  }
}
