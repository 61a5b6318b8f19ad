import { DefinedTransport } from '@mailbridge/core';
import * as probing from './graph-probe.js';
import * as receiving from './graph-receive.js';
import { GraphRequester } from './graph-request.js';
import * as sending from './graph-send.js';
import * as syncing from './graph-sync.js';
import type { GraphTransportOptions } from './graph-transport-options.js';
import * as updating from './graph-update.js';

/**
 * {@link MailTransport} over Microsoft Graph v1.0, on `@microsoft/microsoft-graph-client` with core's
 * token provider, HTTP client and retry policy underneath. See the package README for the
 * permissions each operation needs. Each operation lives in its own file (`graph-send.ts`,
 * `graph-receive.ts`, …) as a function of the shared {@link GraphRequester}; this only lists them.
 */
export class GraphTransport extends DefinedTransport<GraphRequester> {
  constructor(options: GraphTransportOptions) {
    const requester = new GraphRequester(options);
    super({ name: 'graph', mailbox: options.mailbox, capabilities: requester.capabilities, state: requester, operations: { ...sending, ...receiving, ...syncing, ...updating, ...probing } });
  }
}
