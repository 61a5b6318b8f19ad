import { MailbridgeError } from '@mailbridge/core';
import type { OutboxStore } from '../outbox-store.js';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  url: string;
  prefix: string;
  leaseMs: number;
}

/** The Redis store (BullMQ). */
export async function createRedisStore(_options: RedisStoreOptions): Promise<OutboxStore> {
  throw new MailbridgeError({ code: 'USAGE', message: 'The redis outbox store is not available in this build yet.', hint: 'Use outbox.store.type "file".' });
}
