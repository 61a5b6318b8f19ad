import { DefinedTransport, type TransportOperations } from '@mailbridge/core';
import { EwsRequester } from './ews-request.js';
import * as sending from './ews-send.js';
import type { EwsTransportOptions } from './ews-transport-options.js';

/**
 * The operations that use ews-javascript-api, each loaded (and the library with it) when first
 * called: sending writes its SOAP by hand and loads none of them, so a process that only sends never
 * loads the library's thousand modules.
 */
const libraryOperations: Omit<TransportOperations<EwsRequester>, 'send' | 'sendMime'> = {
  async *receive(requester, options) {
    yield* (await import('./ews-receive.js')).receive(requester, options);
  },
  getMessage: async (requester, id, options) => (await import('./ews-receive.js')).getMessage(requester, id, options),
  getMime: async (requester, id, options) => (await import('./ews-receive.js')).getMime(requester, id, options),
  sync: async (requester, options) => (await import('./ews-sync.js')).sync(requester, options),
  markRead: async (requester, ids, options) => (await import('./ews-update.js')).markRead(requester, ids, options),
  move: async (requester, id, folder, options) => (await import('./ews-update.js')).move(requester, id, folder, options),
  probe: async (requester, options) => (await import('./ews-probe.js')).probe(requester, options),
};

/**
 * {@link MailTransport} over EWS: sending on hand-written SOAP, the rest on ews-javascript-api, both
 * on core's HTTP layer. Create it with `createEwsTransport` or core's `createTransport`. Each
 * operation lives in its own file (`ews-send.ts`, `ews-receive.ts`, …) as a function of the shared
 * {@link EwsRequester}; this only lists them.
 */
export class EwsTransport extends DefinedTransport<EwsRequester> {
  constructor(options: EwsTransportOptions) {
    const requester = new EwsRequester(options);
    super({ name: 'ews', mailbox: options.mailbox, capabilities: requester.capabilities, state: requester, operations: { ...sending, ...libraryOperations } });
  }
}
