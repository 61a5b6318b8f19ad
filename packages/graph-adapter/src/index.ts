/**
 * @mailbridge/graph-adapter — the mailbridge MailTransport over Microsoft Graph.
 * @packageDocumentation
 */
import type { MailTransport, TransportContext } from '@mailbridge/core';
import { GraphTransport } from './graph-transport.js';
import type { GraphTransportOptions } from './graph-transport-options.js';

export { GraphTransport } from './graph-transport.js';
export type { GraphTransportOptions } from './graph-transport-options.js';
export { type GraphErrorContext, type GraphOperation, mapGraphError } from './map-graph-error.js';

/** The name of this transport in the config's `transport` field. */
export const name = 'graph';

/** The version of @mailbridge/graph-adapter. */
export const VERSION: string = __PACKAGE_VERSION__;

/** A Graph transport from explicit options (token provider, HTTP client, retry policy). */
export function createGraphTransport(options: GraphTransportOptions): GraphTransport {
  return new GraphTransport(options);
}

/**
 * The adapter entry point core's `createTransport(config)` calls: a Graph transport on the context's
 * mailbox, Graph endpoint (`endpoints.graph`), token provider, HTTP client and retry policy. The HTTP
 * client stays core's: core closes it after the transport's `close()`.
 */
export function createTransport(context: TransportContext): MailTransport {
  return new GraphTransport({
    mailbox: context.mailbox,
    graphEndpoint: context.endpoints.graph,
    tokenProvider: context.tokenProvider,
    http: context.http,
    retry: context.retry,
    logger: context.logger,
    ownsHttp: false,
  });
}
