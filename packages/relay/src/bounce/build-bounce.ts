import type { OutgoingMessage } from '@mailbridge/core';
import type { OutboxEvent } from '../relay-outbox.js';

/** Marks a bounce, so a bounce that fails in turn is not bounced again. */
export const BOUNCE_HEADER = 'X-Mailbridge-Bounce';

/**
 * The message sent to `relay.bounceTo` when an accepted message fails permanently: which message,
 * to whom, the error code, message and hint. Never the body of the failed message.
 */
export function buildBounce(event: OutboxEvent, error: { code: string; message: string; hint?: string }, bounceTo: string): OutgoingMessage {
  const lines = [
    'mailbridge relay: a message it accepted could not be delivered and will not be retried.',
    '',
    `Outbox id:   ${event.id}`,
    ...(event.internetMessageId ? [`Message-ID:  ${event.internetMessageId}`] : []),
    ...(event.subject !== undefined ? [`Subject:     ${event.subject}`] : []),
    ...(event.to?.length ? [`Recipients:  ${event.to.join(', ')}`] : []),
    ...(event.attempts !== undefined ? [`Attempts:    ${event.attempts}`] : []),
    `Error:       ${error.code}: ${error.message}`,
    ...(error.hint ? [`What to do:  ${error.hint}`] : []),
    '',
    `See it with: mailbridge outbox show ${event.id}`,
  ];
  return {
    to: [bounceTo],
    subject: `Undeliverable: ${event.subject ?? event.id}`.slice(0, 255),
    text: `${lines.join('\n')}\n`,
    headers: { [BOUNCE_HEADER]: '1' },
  };
}
