import type { MailTransport } from '../transport/index.js';
import type { ConformanceHarness, HarnessStoredMessage, SeedMessagesOptions } from './conformance-harness.js';

/** A message placed in a mailbox at seed time (the simulator's `SeedMessage` fits). */
export interface HarnessSeedMessage {
  folder: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  isRead: boolean;
  receivedAt: string;
  internetMessageId: string;
  attachments?: Array<{ filename: string; contentType: string; contentBase64: string }>;
}

/** A user entry of the simulator's seed data: at least its tenant and address (the simulator's `SeedUser` fits). */
export interface HarnessSeedUser {
  tenantId: string;
  mail: string;
}

/**
 * What {@link simulatorHarness} uses of a simulator. `@mailbridge/simulator`'s `Simulator` fits;
 * the type is structural because core does not depend on the simulator.
 */
export interface HarnessSimulator<M extends HarnessStoredMessage, U extends HarnessSeedUser> {
  messages(mailbox: string, folder?: string): M[];
  deliveries(internetMessageId: string): { mailboxes: Array<{ mailbox: string; folder: string }>; outbound: number };
  requests(): readonly unknown[];
  seed(data: { users: Array<U & { messages?: HarnessSeedMessage[] }> }): void;
}

/** Options of {@link simulatorHarness}. */
export interface SimulatorHarnessOptions<M extends HarnessStoredMessage, U extends HarnessSeedUser> {
  /** The transport under test, acting on `mailbox`. */
  transport: MailTransport;
  /** The mailbox the transport acts on. */
  mailbox: string;
  /** Another mailbox of the simulator that receives what the tests send. */
  recipient: string;
  /** The seed entry of `mailbox`'s user; seeded messages are added to it. */
  mailboxUser: U;
  /** The message as the transport names it (e.g. EWS ids instead of Graph ids). @default the simulator's view as is */
  toHarnessMessage?: ((message: M) => HarnessStoredMessage) | undefined;
  /** Stops the simulator, transports and clients the test bed started. */
  cleanup(): Promise<void>;
}

/**
 * The {@link ConformanceHarness} of a transport that talks to a simulator: the simulator's view of
 * its mailboxes, its delivery log and request log, and `seedMessages` placing messages straight
 * into `mailbox` (not through the transport). Every adapter's test bed builds its harness with it.
 */
export function simulatorHarness<M extends HarnessStoredMessage, U extends HarnessSeedUser>(simulator: HarnessSimulator<M, U>, options: SimulatorHarnessOptions<M, U>): ConformanceHarness {
  const toHarnessMessage = options.toHarnessMessage;
  // Each seeding call gets its own batch number, so Internet Message-IDs never collide across calls.
  let seeded = 0;
  return {
    transport: options.transport,
    mailbox: options.mailbox,
    recipient: options.recipient,
    messages: (mailbox, folder) => {
      const messages = simulator.messages(mailbox, folder);
      return toHarnessMessage ? messages.map(toHarnessMessage) : messages;
    },
    deliveries: (id) => simulator.deliveries(id),
    requestCount: () => simulator.requests().length,
    async seedMessages(count: number, seed: SeedMessagesOptions) {
      const start = Date.now() - count * 1000;
      const batch = seeded++;
      const messages = Array.from({ length: count }, (_, index): HarnessSeedMessage => {
        const isRead = typeof seed.isRead === 'function' ? seed.isRead(index) : (seed.isRead ?? false);
        const message: HarnessSeedMessage = {
          folder: seed.folder ?? 'inbox',
          from: 'Monitoring <monitoring@fabrikam.example>',
          to: [options.mailbox],
          subject: `${seed.subjectPrefix} ${index}`,
          text: `seeded message ${index}`,
          isRead,
          receivedAt: (seed.receivedAt?.(index) ?? new Date(start + index * 1000)).toISOString(),
          internetMessageId: `<seed-${batch}-${index}-${Math.random().toString(36).slice(2)}@fabrikam.example>`,
        };
        if (seed.attachment) {
          message.attachments = [{ filename: seed.attachment.filename, contentType: seed.attachment.contentType, contentBase64: Buffer.from(seed.attachment.content).toString('base64') }];
        }
        return message;
      });
      simulator.seed({ users: [{ ...options.mailboxUser, messages }] });
    },
    cleanup: () => options.cleanup(),
  };
}
