/**
 * @mailbridge/relay — an SMTP relay: devices and apps that only speak SMTP send through a Microsoft
 * mailbox (Graph or EWS, OAuth) via the durable outbox.
 * @packageDocumentation
 */
export { createRelay, type CreateRelayOptions, type Relay, type RelayListener, type RelayStatus } from './create-relay.js';
export type { RelayOutbox, OutboxEvent } from './relay-outbox.js';
export type { RelayEvents, RelayAcceptedEvent, RelayDeliveredEvent, RelayFailedEvent, RelayRefusedEvent, RelaySessionEvent } from './relay-events.js';
export { hashPassword, verifyPassword } from './access/password-hash.js';
export { convertMime, type SmtpEnvelope, type ConvertResult } from './message/convert-mime.js';
export type { SenderPolicy } from './message/sender-policy.js';
export { loadTlsPair } from './smtp/tls-credentials.js';
export { BOUNCE_HEADER } from './bounce/build-bounce.js';

/** The version of @mailbridge/relay. */
export const VERSION: string = __PACKAGE_VERSION__;
