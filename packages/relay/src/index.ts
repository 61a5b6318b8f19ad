/**
 * @mailbridge/relay — an SMTP relay: devices and apps that only speak SMTP send through a Microsoft
 * mailbox (Graph or EWS, OAuth) via the durable outbox.
 * @packageDocumentation
 */

export { hashPassword, verifyPassword } from './access/password-hash.js';
export { BOUNCE_HEADER } from './bounce/build-bounce.js';
export { type CreateRelayOptions, createRelay, type Relay, type RelayListener, type RelayStatus } from './create-relay.js';
export { type ConvertResult, convertMime, type SmtpEnvelope } from './message/convert-mime.js';
export type { SenderPolicy } from './message/sender-policy.js';
export type { RelayAcceptedEvent, RelayDeliveredEvent, RelayEvents, RelayFailedEvent, RelayRefusedEvent, RelaySessionEvent } from './relay-events.js';
export type { OutboxEvent, RelayOutbox } from './relay-outbox.js';
export { loadTlsPair } from './smtp/tls-credentials.js';

/** The version of @mailbridge/relay. */
export const VERSION: string = __PACKAGE_VERSION__;
