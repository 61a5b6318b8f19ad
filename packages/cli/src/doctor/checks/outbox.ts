import { MailbridgeError } from '@mailbridge/core';
import { openOutbox } from '../../commands/outbox.js';
import { type DoctorCheck, required } from '../doctor-check.js';

/** A message waiting longer than this is worth a warning: an alarm that old is late. */
const OLD_MS = 60 * 60_000;

function age(ms: number): string {
  return ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 360_000) / 10} h`;
}

/**
 * `outbox` (only with an `outbox` section): the store is reachable, and the backlog, the oldest
 * waiting message, held and failed messages and the daily recipient budget look healthy.
 */
export const outboxCheck: DoctorCheck = {
  id: 'outbox',
  needs: ['config'],
  skipMessage: 'Skipped: the outbox must be reachable first.',
  enabled: (context) => context.loaded?.config.outbox !== undefined,
  async run(context) {
    const loaded = required(context, 'loaded');
    let outbox;
    try {
      outbox = await openOutbox(loaded, context.logger ? { logger: context.logger } : {});
    } catch (error) {
      if (MailbridgeError.isInstance(error)) return { status: 'fail', message: error.message, hint: error.hint, code: error.code };
      throw error;
    }
    try {
      const status = await outbox.status();
      const usage = status.mailboxes[outbox.mailbox];
      const budget = usage ? `${usage.recipients24h}/${usage.recipientsPerDay} recipients in 24 h` : 'no sends yet';
      const summary =
        `The ${outbox.storeType} outbox is reachable: ${status.queued} queued, ${status.inFlight} sending, ${status.held} held, ${status.failed} failed, ` +
        `${status.delivered24h} delivered in 24 h; oldest waiting ${status.oldestQueuedAgeMs > 0 ? age(status.oldestQueuedAgeMs) : '-'}; budget ${budget}.`;
      const problems: string[] = [];
      const hints: string[] = [];
      if (status.failed > 0) {
        problems.push(`${status.failed} failed`);
        hints.push('See why with `mailbridge outbox list --state failed` and `mailbridge outbox show ID`; fix the cause, then `mailbridge outbox retry ID` (or `drop ID`).');
      }
      if (status.held > 0) {
        problems.push(`${status.held} held`);
        hints.push("Held messages wait for the mailbox's daily recipient budget (outbox.limits.recipientsPerDay); they go when it allows. Send to fewer recipients (a distribution group counts as one).");
      }
      if (status.oldestQueuedAgeMs > OLD_MS) {
        problems.push(`a message has waited ${age(status.oldestQueuedAgeMs)}`);
        hints.push('Make sure a worker runs (`mailbridge outbox work`, or outbox.start() in your application) and that `mailbridge doctor` passes the mailbox check.');
      }
      if (usage && usage.recipients24h >= usage.recipientsPerDay * 0.8) {
        problems.push('80% of the daily recipient budget is used');
        hints.push('Past the budget, messages are held until recipients leave the rolling 24 hours.');
      }
      if (problems.length === 0) return { status: 'pass', message: summary };
      return { status: 'warn', message: `${summary} Attention: ${problems.join('; ')}.`, hint: hints.join(' ') };
    } finally {
      await outbox.close();
    }
  },
};
