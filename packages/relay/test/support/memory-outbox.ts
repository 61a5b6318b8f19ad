import { EventEmitter } from 'node:events';
import type { MailAddress, OutgoingMessage } from '@mailbridge/core';
import { MailbridgeError } from '@mailbridge/core';
import { type AddressObject, simpleParser } from 'mailparser';
import type { RelayOutbox } from '../../src/index.js';

type Enqueued = OutgoingMessage | { mime: Uint8Array | string; envelope: { from: string; to: string[] } };

const list = (field: AddressObject | AddressObject[] | undefined): MailAddress[] =>
  (field === undefined ? [] : Array.isArray(field) ? field : [field]).flatMap((o) => o.value.map((v) => (v.name ? { address: v.address!, name: v.name } : { address: v.address! })));

/**
 * An in-memory stand-in for the outbox, for the SMTP-side tests (what was enqueued, and a store
 * that refuses on demand). A raw MIME message is shown parsed from the bytes the relay produced.
 * Delivery end to end runs through the real outbox in relay-delivery.test.ts.
 */
export class MemoryOutbox extends EventEmitter implements RelayOutbox {
  readonly messages: Array<{ id: string; message: OutgoingMessage; raw?: { mime: Buffer; envelope: { from: string; to: string[] } } }> = [];
  /** When set, enqueue rejects with it (a store that is down or full). */
  failWith: Error | undefined;
  closed = false;
  private next = 0;

  async enqueue(input: Enqueued): Promise<{ id: string; internetMessageId?: string }> {
    if (this.failWith) throw this.failWith;
    const id = `m${++this.next}`;
    if ('mime' in input) {
      const mime = Buffer.from(input.mime);
      const parsed = await simpleParser(mime);
      const message: OutgoingMessage = { to: list(parsed.to), subject: parsed.subject ?? '' };
      const [from] = list(parsed.from);
      if (from && from.address.toLowerCase() !== 'alerts@contoso.example') message.from = from;
      if (parsed.cc) message.cc = list(parsed.cc);
      if (parsed.bcc) message.bcc = list(parsed.bcc);
      if (parsed.replyTo) message.replyTo = list(parsed.replyTo);
      if (parsed.text !== undefined) message.text = parsed.text;
      if (parsed.messageId) message.internetMessageId = parsed.messageId;
      this.messages.push({ id, message, raw: { mime, envelope: input.envelope } });
      return { id };
    }
    this.messages.push({ id, message: input });
    return { id, ...(input.internetMessageId ? { internetMessageId: input.internetMessageId } : {}) };
  }

  override on(event: 'delivered' | 'failed', listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  static storeDown(): MailbridgeError {
    return new MailbridgeError({ code: 'SERVICE_UNAVAILABLE', message: 'store down', hint: 'test' });
  }
}
