import type { ReceivedMessage } from '@mailbridge/core';
import { type DoctorCheck, required } from '../doctor-check.js';

/** `send` (only with `--send-test`): a test message goes out, and to the configured mailbox it is seen arriving. */
export const sendCheck: DoctorCheck = {
  id: 'send',
  needs: ['mailbox'],
  skipMessage: 'Skipped: sending must work first.',
  enabled: (context) => context.sendTest !== undefined,
  async run(context) {
    const { config } = required(context, 'loaded');
    const transport = required(context, 'transport');
    const address = context.sendTest as string;
    const timeoutMs = context.deliveryTimeoutMs;
    const started = Date.now();
    const sent = await transport.send({
      to: [address],
      subject: `mailbridge doctor test ${new Date().toISOString()}`,
      text: 'This message was sent by `mailbridge doctor --send-test` to prove that sending works. It can be deleted.',
    });
    if (address.toLowerCase() !== config.mailbox.toLowerCase()) {
      return { status: 'pass', message: `Sent a test message to ${address} (${sent.internetMessageId}). Check that it arrived there.` };
    }
    if (context.allowed?.read === false) {
      return {
        status: 'warn',
        message: `Sent a test message to ${address} (${sent.internetMessageId}), but its arrival cannot be confirmed: the token may not read the mailbox (no Mail.Read or Mail.ReadWrite).`,
        hint: 'Look for the message in the mailbox yourself. To let doctor confirm delivery, add Mail.ReadWrite (or Mail.Read) and grant admin consent.',
      };
    }
    // Sent to ourselves: wait until it is in the Inbox, which proves delivery end to end.
    const since = new Date(started - 5 * 60_000);
    while (Date.now() - started < timeoutMs) {
      let found: ReceivedMessage | undefined;
      for await (const message of transport.receive({ since, limit: 50, includeBody: false })) {
        if (message.internetMessageId === sent.internetMessageId) {
          found = message;
          break;
        }
      }
      if (found) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        return { status: 'pass', message: `Sent a test message to ${address} and saw it arrive in the Inbox after ${seconds} s (${sent.internetMessageId}).` };
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return {
      status: 'fail',
      message: `Sent a test message (${sent.internetMessageId}) but it did not arrive in the Inbox of ${address} within ${Math.round(timeoutMs / 1000)} s.`,
      hint: 'Check message trace in the Exchange admin center (Mail flow > Message trace) for that message id; transport rules or anti-spam may hold it.',
      code: 'SERVICE_ERROR',
    };
  },
};
