import { DefinedTransport } from '@mailbridge/core';
import * as probing from './ews-probe.js';
import * as receiving from './ews-receive.js';
import { EwsRequester } from './ews-request.js';
import * as sending from './ews-send.js';
import * as syncing from './ews-sync.js';
import type { EwsTransportOptions } from './ews-transport-options.js';
import * as updating from './ews-update.js';

/**
 * {@link MailTransport} over EWS, on ews-javascript-api with its HTTP layer replaced by core's.
 * Create it with `createEwsTransport` or core's `createTransport`. Each operation lives in its own
 * file (`ews-send.ts`, `ews-receive.ts`, …) as a function of the shared {@link EwsRequester}; this
 * only lists them.
 */
export class EwsTransport extends DefinedTransport<EwsRequester> {
  constructor(options: EwsTransportOptions) {
    const requester = new EwsRequester(options);
    super({ name: 'ews', mailbox: options.mailbox, capabilities: requester.capabilities, state: requester, operations: { ...sending, ...receiving, ...syncing, ...updating, ...probing } });
  }
}
