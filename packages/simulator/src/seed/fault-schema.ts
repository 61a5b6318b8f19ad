import * as z from 'zod';
import type { FaultSpec } from '../types.js';

/** Which API a fault applies to (the simulator's request log names them the same way). */
export const FAULT_APIS = ['entra', 'graph', 'ews', 'upload'] as const;

/** The fault kinds a seed file or `--fault` may name, in the order the README documents them. */
export const FAULT_KINDS = ['status', 'latency', 'ews-server-busy', 'ews-error', 'reset-before', 'reset-after', 'token-outage', 'clock-skew', 'late-sent-copy', 'hostile'] as const;

const api = z.enum(FAULT_APIS).optional();
const count = z.number().int().min(1).max(1_000_000);
const pathIncludes = z.string().min(1).max(500).optional();
const milliseconds = (max: number) => z.number().int().min(0).max(max);

/**
 * The runtime schema of {@link FaultSpec}: what `inject()` takes, checked before a sandbox starts
 * so that a typo in a rehearsal is an error with a path, not a fault that silently never fires.
 */
export const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('status'),
    status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)], { error: 'expected one of 429, 500, 502, 503, 504' }),
    api,
    count,
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    pathIncludes,
  }),
  z.strictObject({ kind: z.literal('latency'), ms: milliseconds(600_000), api, count: count.optional() }),
  z.strictObject({ kind: z.literal('ews-server-busy'), count, backOffMs: milliseconds(600_000) }),
  z.strictObject({
    kind: z.literal('ews-error'),
    responseCode: z.string().regex(/^Error[A-Za-z]+$/, 'expected an EWS response code such as "ErrorInternalServerError"'),
    count,
    operation: z
      .string()
      .regex(/^[A-Za-z]+$/, 'expected an EWS operation such as "CreateItem"')
      .optional(),
    messageText: z.string().max(1000).optional(),
    innerResponseCode: z
      .string()
      .regex(/^Error[A-Za-z]+$/)
      .optional(),
    innerMessageText: z.string().max(1000).optional(),
  }),
  z.strictObject({ kind: z.literal('reset-before'), api, count, pathIncludes }),
  z.strictObject({ kind: z.literal('reset-after'), api, count, pathIncludes }),
  z.strictObject({ kind: z.literal('token-outage'), count: count.optional(), untilMs: milliseconds(86_400_000).optional() }),
  z.strictObject({ kind: z.literal('clock-skew'), ms: z.number().int().min(-86_400_000).max(86_400_000) }),
  z.strictObject({ kind: z.literal('late-sent-copy'), ms: milliseconds(600_000) }),
  z.strictObject({
    kind: z.literal('hostile'),
    api,
    count,
    pathIncludes,
    body: z.enum(['truncated-xml', 'xml-entity-expansion', 'xml-external-entity', 'malformed-json', 'wrong-content-type', 'empty-body', 'gigantic-body', 'redirect', 'deep-nesting', 'trickle']),
    status: z.number().int().min(100).max(599).optional(),
    sizeBytes: z.number().int().min(0).optional(),
    depth: z.number().int().min(1).max(10_000_000).optional(),
    intervalMs: milliseconds(600_000).optional(),
  }),
]) satisfies z.ZodType<FaultSpec>;

/** What a seed file's `faults` entry and a `--fault` flag hold once checked. */
export type CheckedFault = z.output<typeof faultSchema>;

/** One line that says what a fault does, for the sandbox's start-up summary. */
export function describeFault(fault: FaultSpec): string {
  const times = 'count' in fault && typeof fault.count === 'number' ? `${fault.count}×` : 'every time:';
  const where = 'api' in fault && fault.api ? ` on ${fault.api}` : '';
  const path = 'pathIncludes' in fault && fault.pathIncludes ? ` (paths with "${fault.pathIncludes}")` : '';
  switch (fault.kind) {
    case 'status':
      return `${times} HTTP ${fault.status}${fault.retryAfterSeconds !== undefined ? ` (Retry-After: ${fault.retryAfterSeconds})` : ''}${where}${path}`;
    case 'latency':
      return `${times} ${fault.ms} ms of latency${where}`;
    case 'ews-server-busy':
      return `${times} EWS ErrorServerBusy (BackOffMilliseconds ${fault.backOffMs})`;
    case 'ews-error':
      return `${times} EWS ${fault.responseCode}${fault.operation ? ` on ${fault.operation}` : ''}`;
    case 'reset-before':
      return `${times} connection reset before the request is processed${where}${path}`;
    case 'reset-after':
      return `${times} connection reset after the request took effect${where}${path}`;
    case 'token-outage':
      return `${fault.count !== undefined ? `${fault.count}×` : 'every time:'} token endpoint outage (HTTP 503)${fault.untilMs !== undefined ? ` for ${fault.untilMs} ms` : ''}`;
    case 'clock-skew':
      return `the simulator's clock ${fault.ms >= 0 ? 'ahead' : 'behind'} by ${Math.abs(fault.ms)} ms`;
    case 'late-sent-copy':
      return `the sender's copy filed in Sent Items ${fault.ms} ms after each send`;
    case 'hostile':
      return `${times} a hostile answer (${fault.body})${where}${path}`;
  }
}
