import type { MailTransport, SendOptions, TransportCapabilities } from './mail-transport.js';
import type { GetMessageOptions, OutgoingMessage, ProbeResult, ReceivedMessage, ReceiveOptions, SendResult, SyncOptions, SyncResult } from './message.js';

/**
 * The operations of a transport, each a function of the state its operations share (an adapter's
 * requester: client, mailbox, settings). Names are the contract's: an adapter's `<x>-send.ts` exports
 * `send` and `sendMime`, `<x>-receive.ts` exports `receive` and `getMime`, and so on.
 */
export interface TransportOperations<S> {
  send(state: S, message: OutgoingMessage, options?: SendOptions): Promise<SendResult>;
  sendMime(state: S, mime: Uint8Array | string, options?: { saveToSentItems?: boolean; signal?: AbortSignal }): Promise<SendResult>;
  receive(state: S, options?: ReceiveOptions): AsyncIterable<ReceivedMessage>;
  getMessage(state: S, id: string, options?: GetMessageOptions): Promise<ReceivedMessage>;
  sync(state: S, options?: SyncOptions): Promise<SyncResult>;
  markRead(state: S, ids: string | string[], options?: { isRead?: boolean; signal?: AbortSignal }): Promise<void>;
  move(state: S, id: string, folder: string, options?: { signal?: AbortSignal }): Promise<{ id: string }>;
  getMime(state: S, id: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  probe(state: S, options?: { signal?: AbortSignal }): Promise<ProbeResult>;
}

/** What {@link DefinedTransport} is made of. */
export interface TransportDefinition<S extends { close(): Promise<void> }> {
  /** `graph`, `ews`, or a third-party adapter's name. */
  name: string;
  mailbox: string;
  capabilities: TransportCapabilities;
  /** Handed to every operation; closed by `close()`. */
  state: S;
  operations: TransportOperations<S>;
}

/**
 * A {@link MailTransport} wired from a table of operations, so that an adapter's transport class only
 * says which functions implement the contract (the way a storage driver is defined from its methods).
 * For a transport with every operation, `sendMime` and `sync` included (declare them in its capabilities).
 */
export class DefinedTransport<S extends { close(): Promise<void> }> implements MailTransport {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  readonly mailbox: string;
  readonly capabilities: TransportCapabilities;
  private readonly state: S;
  private readonly operations: TransportOperations<S>;

  constructor(definition: TransportDefinition<S>) {
    this.name = definition.name;
    this.mailbox = definition.mailbox;
    this.capabilities = definition.capabilities;
    this.state = definition.state;
    this.operations = definition.operations;
  }

  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult> {
    return this.operations.send(this.state, message, options);
  }

  sendMime(mime: Uint8Array | string, options?: { saveToSentItems?: boolean; signal?: AbortSignal }): Promise<SendResult> {
    return this.operations.sendMime(this.state, mime, options);
  }

  receive(options?: ReceiveOptions): AsyncIterable<ReceivedMessage> {
    return this.operations.receive(this.state, options);
  }

  getMessage(id: string, options?: GetMessageOptions): Promise<ReceivedMessage> {
    return this.operations.getMessage(this.state, id, options);
  }

  sync(options?: SyncOptions): Promise<SyncResult> {
    return this.operations.sync(this.state, options);
  }

  markRead(ids: string | string[], options?: { isRead?: boolean; signal?: AbortSignal }): Promise<void> {
    return this.operations.markRead(this.state, ids, options);
  }

  move(id: string, folder: string, options?: { signal?: AbortSignal }): Promise<{ id: string }> {
    return this.operations.move(this.state, id, folder, options);
  }

  getMime(id: string, options?: { signal?: AbortSignal }): Promise<Uint8Array> {
    return this.operations.getMime(this.state, id, options);
  }

  probe(options?: { signal?: AbortSignal }): Promise<ProbeResult> {
    return this.operations.probe(this.state, options);
  }

  close(): Promise<void> {
    return this.state.close();
  }
}
