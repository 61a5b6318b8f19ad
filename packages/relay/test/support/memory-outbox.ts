import { EventEmitter } from 'node:events';
import type { OutgoingMessage } from '@mailbridge/core';
import { MailbridgeError } from '@mailbridge/core';
import type { OutboxEvent, RelayOutbox } from '../../src/index.js';

/**
 * An in-memory stand-in for the outbox, for the SMTP-side tests (what was enqueued, and a store
 * that refuses on demand). Delivery end to end runs through the real outbox in the e2e tests.
 */
export class MemoryOutbox extends EventEmitter implements RelayOutbox {
  readonly messages: Array<{ id: string; message: OutgoingMessage }> = [];
  /** When set, enqueue rejects with it (a store that is down or full). */
  failWith: Error | undefined;
  closed = false;
  private next = 0;

  async enqueue(message: OutgoingMessage): Promise<{ id: string; internetMessageId?: string }> {
    if (this.failWith) throw this.failWith;
    const id = `m${++this.next}`;
    this.messages.push({ id, message });
    return { id, ...(message.internetMessageId ? { internetMessageId: message.internetMessageId } : {}) };
  }

  override on(event: 'delivered' | 'failed', listener: (event: OutboxEvent) => void): this {
    return super.on(event, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  static storeDown(): MailbridgeError {
    return new MailbridgeError({ code: 'SERVICE_UNAVAILABLE', message: 'store down', hint: 'test' });
  }
}
