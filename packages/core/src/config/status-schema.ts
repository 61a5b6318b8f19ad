import { isIP } from 'node:net';
import * as z from 'zod';
import { secretRefSchema } from './secret-ref.js';

/**
 * The `status` listener of `relay` and `outbox` (PRODUCT.md, "Status endpoints"): the status page,
 * `/metrics`, `/healthz` and `/readyz`. Loopback by default; anywhere else it needs `auth`, because
 * the page shows addresses, error messages and sending volumes that are nobody else's business.
 */

/** Default port of the status listener (`relay.status` and `outbox.status`). */
export const DEFAULT_STATUS_PORT = 8025;

/**
 * True when `host` only accepts connections from this machine: `localhost`, 127.0.0.0/8, `::1`
 * (and its IPv4-mapped forms). `0.0.0.0`, `::` and every other address or name reach beyond it.
 */
export function isLoopbackHost(host: string): boolean {
  const value = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (value === 'localhost' || value.endsWith('.localhost')) return true;
  const version = isIP(value);
  if (version === 4) return value.startsWith('127.');
  if (version === 6) {
    if (value === '::1' || value === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(value);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

const userName = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : 'expected a user name') })
  .min(1, { error: 'expected a user name, not an empty string' })
  // A colon cannot be sent in Basic credentials (it separates user and password).
  .regex(/^[^:]+$/, { error: 'must not contain ":" (Basic authentication separates user and password with it)' })
  .meta({ description: 'User name the browser or Prometheus sends.' });

/** `status.auth`: a bearer token, or a user name and password (HTTP Basic). Both are secrets. */
export const statusAuthSchema = z
  .union(
    [
      z.strictObject({ bearer: secretRefSchema.meta({ description: 'The token clients send as `Authorization: Bearer …` (e.g. Prometheus `authorization.credentials`).' }) }).meta({ title: 'Bearer token' }),
      z
        .strictObject({
          basic: z.strictObject({ user: userName, password: secretRefSchema.meta({ description: 'The password (a secret reference).' }) }),
        })
        .meta({ title: 'HTTP Basic (user and password)' }),
    ],
    { error: 'expected {"bearer": SECRET} or {"basic": {"user": "NAME", "password": SECRET}}, where SECRET is {"env": "NAME"}, {"file": "PATH"} or the value' },
  )
  .meta({ description: 'Who may read the status endpoints: required when host is not a loopback address.' });

/** `relay.status` / `outbox.status`: where the status page, metrics and health checks are served. */
export const statusSchema = z
  .strictObject({
    host: z
      .string({ error: (issue) => (issue.input === undefined ? undefined : 'expected a host name or IP address such as "127.0.0.1"') })
      .min(1, { error: 'expected a host name or IP address such as "127.0.0.1"' })
      .default('127.0.0.1')
      .meta({ description: 'Address to listen on. Default 127.0.0.1 (this machine only); any other needs "auth".' }),
    port: z
      .number({ error: (issue) => (issue.input === undefined ? undefined : 'expected a port number such as 8025') })
      .int({ error: 'expected a whole port number' })
      .min(0, { error: 'must be between 0 and 65535 (0 = any free port, printed at start)' })
      .max(65_535, { error: 'must be between 0 and 65535' })
      .default(DEFAULT_STATUS_PORT)
      .meta({ description: 'Port to listen on (0 = any free port, printed at start).' }),
    auth: statusAuthSchema.optional(),
    showSubjects: z
      .boolean({ error: (issue) => (issue.input === undefined ? undefined : 'expected true or false') })
      .default(false)
      .meta({ description: 'Show message subjects on the status page (default false: subjects can be confidential).' }),
    refreshSeconds: z
      .number({ error: (issue) => (issue.input === undefined ? undefined : 'expected a number of seconds') })
      .int({ error: 'expected a whole number of seconds' })
      .min(2, { error: 'must be at least 2 seconds' })
      .max(3_600, { error: 'must be at most 3600 (1 hour)' })
      .default(10)
      .meta({ description: 'How often the page refreshes itself when JavaScript is on, in seconds.' }),
    tokenCheckSeconds: z
      .number({ error: (issue) => (issue.input === undefined ? undefined : 'expected a number of seconds') })
      .int({ error: 'expected a whole number of seconds' })
      .min(1, { error: 'must be at least 1 second' })
      .max(3_600, { error: 'must be at most 3600 (1 hour)' })
      .default(60)
      .meta({
        description: '/readyz asks Entra ID for a new token at most this often (seconds); in between it reports the last answer. Default 60.',
      }),
  })
  .superRefine(
    (status, ctx) => {
      if (typeof status?.host === 'string' && !isLoopbackHost(status.host) && status.auth === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth'],
          message: `is required when the status listener is reachable from other machines (host "${status.host}"): add {"bearer": {"env": "NAME"}} or {"basic": {"user": "NAME", "password": {"env": "NAME"}}}, or listen on "127.0.0.1"`,
        });
      }
    },
    { when: () => true },
  )
  .meta({ description: 'The status page (/), Prometheus metrics (/metrics) and health checks (/healthz, /readyz).' });

/** `status` as written (before defaults). */
export type StatusConfigInput = z.input<typeof statusSchema>;
/** `status` after parsing (defaults filled). */
export type StatusConfig = z.output<typeof statusSchema>;
/** `status.auth`. */
export type StatusAuthConfig = z.output<typeof statusAuthSchema>;
