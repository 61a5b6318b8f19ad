import { isIP } from 'node:net';
import * as z from 'zod';
import { secretRefSchema } from './secret-ref.js';
import { resolveConfigPath } from './secrets.js';
import { statusSchema } from './status-schema.js';

/**
 * The `relay` section (PRODUCT.md, "Relay"): the SMTP relay's listeners, who may use it, and what it
 * does with senders it may not send as. Messages never quote the value they reject.
 */

/** The `tls` modes of a listener. */
export const RELAY_TLS_MODES = ['none', 'starttls', 'implicit'] as const;

/** Loopback only, the default of `relay.allowedNetworks`. */
export const DEFAULT_RELAY_NETWORKS = ['127.0.0.0/8', '::1/128'];

/** 35 MiB: Exchange Online's default message size limit, MIME overhead included. */
export const DEFAULT_RELAY_MAX_MESSAGE_BYTES = 36_700_160;

const port = z
  .number({ error: (issue) => (issue.input === undefined ? undefined : 'expected a port number (1-65535), or 0 for a free one') })
  .int({ error: 'expected a whole port number' })
  .min(0, { error: 'expected a port number (1-65535), or 0 for a free one' })
  .max(65_535, { error: 'expected a port number (1-65535), or 0 for a free one' });

const host = z.string({ error: (issue) => (issue.input === undefined ? undefined : 'expected an IP address to listen on, e.g. "127.0.0.1" or "0.0.0.0"') }).min(1, { error: 'expected an IP address or host name, not an empty string' });

const listenerSchema = z
  .strictObject({
    host: host.default('127.0.0.1').meta({ description: 'Address to listen on: 127.0.0.1 (loopback, default), 0.0.0.0 (every IPv4 interface), :: (every interface).' }),
    port: port.meta({ description: 'TCP port: 25/587 (plain or STARTTLS), 465 (implicit TLS), 2525 unprivileged; 0 for a free one.' }),
    tls: z
      .enum(RELAY_TLS_MODES, { error: (issue) => (issue.input === undefined ? undefined : 'expected "none", "starttls" or "implicit"') })
      .default('none')
      .meta({ description: 'none (plain SMTP), starttls (plain, upgraded on STARTTLS), implicit (TLS from the first byte, as on port 465). TLS needs relay.tls.' }),
    allowInsecureAuth: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .meta({ description: 'Allow AUTH before TLS on this listener. Default: only when the listener is on loopback (elsewhere passwords would cross the network in the clear).' }),
  })
  .meta({ description: 'One SMTP listener.' });

/** `127.0.0.0/8`, `10.0.0.0/8`, `::1/128`, `fd00::/8`, or a single address. */
const cidr = z.string({ error: 'expected a network such as "10.0.0.0/8" or "fd00::/8"' }).superRefine((value, ctx) => {
  const [address = '', bits, ...rest] = value.trim().split('/');
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  const prefix = bits === undefined ? max : Number(bits);
  if (family === 0 || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
    ctx.addIssue({ code: 'custom', message: 'expected an IPv4 or IPv6 network in CIDR form such as "192.168.1.0/24" or "fd00::/8", or a single address' });
  }
});

/** A user password: a secret reference, or `{ "scrypt": "..." }` from `mailbridge relay hash-password`. */
const relayPasswordSchema = z
  .union(
    [
      secretRefSchema,
      z
        .strictObject({
          scrypt: z.string({ error: 'expected the text printed by "mailbridge relay hash-password"' }).regex(/^\$scrypt\$/, { error: 'expected the text printed by "mailbridge relay hash-password" (it starts with "$scrypt$")' }),
        })
        .meta({ title: 'scrypt hash of the password' }),
    ],
    { error: 'expected a password: {"scrypt": "..."} (mailbridge relay hash-password), {"env": "NAME"}, {"file": "PATH"} or the value itself' },
  )
  .meta({ description: 'The password: {"scrypt": "..."} as printed by "mailbridge relay hash-password" (recommended), or a secret reference.' });

/** An address (`scans@contoso.com`) or a whole domain (`@contoso.com`). */
const addressPattern = z
  .string({ error: 'expected an address such as "scans@contoso.com" or a domain such as "@contoso.com"' })
  .regex(/^([^@\s]+)?@[^@\s]+\.[^@\s]+$/, { error: 'expected an address such as "scans@contoso.com" or a domain such as "@contoso.com"' });

const userSchema = z.strictObject({
  username: z.string({ error: 'expected a user name' }).min(1, { error: 'expected a user name, not an empty string' }).max(256, { error: 'must be at most 256 characters' }),
  password: relayPasswordSchema,
  allowedFrom: z.array(addressPattern, { error: 'expected a list of addresses and @domains' }).optional().meta({ description: 'Envelope senders (MAIL FROM) this user may use: addresses and "@domain". Default: any.' }),
  allowedRecipients: z.array(addressPattern, { error: 'expected a list of addresses and @domains' }).optional().meta({ description: 'Recipients (RCPT TO) this user may send to: addresses and "@domain". Default: any.' }),
});

const email = z.email({ error: (issue) => (issue.input === undefined ? undefined : 'expected an e-mail address such as "alerts@contoso.com"') });

const wholeNumber = (min: number, max: number, what: string) =>
  z
    .number({ error: (issue) => (issue.input === undefined ? undefined : `expected a number of ${what}`) })
    .int({ error: `expected a whole number of ${what}` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** `relay`: the SMTP relay (`mailbridge relay`). */
export const relaySchema = z
  .strictObject({
    listen: z
      .array(listenerSchema, { error: 'expected a list of listeners such as [{"host": "127.0.0.1", "port": 2525, "tls": "none"}]' })
      .min(1, { error: 'needs at least one listener, e.g. {"host": "127.0.0.1", "port": 2525, "tls": "none"}' })
      .default([{ host: '127.0.0.1', port: 2525, tls: 'none' }])
      .meta({ description: 'The SMTP listeners. Default: 127.0.0.1:2525 without TLS.' }),
    tls: z
      .strictObject({
        certFile: z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' }).meta({ description: 'PEM certificate (chain) of the relay; reloaded when the file changes.' }),
        keyFile: z.string({ error: 'expected a file path' }).min(1, { error: 'expected a file path' }).meta({ description: 'PEM private key; reloaded when the file changes.' }),
      })
      .optional()
      .meta({ description: 'Certificate and key for starttls and implicit listeners; relative paths start at the config file.' }),
    allowedNetworks: z
      .array(cidr, { error: 'expected a list of networks such as ["127.0.0.0/8", "::1/128"]' })
      .default(DEFAULT_RELAY_NETWORKS)
      .meta({ description: 'Client networks (IPv4/IPv6 CIDR) that may connect. Default: loopback only.' }),
    requireAuth: z.boolean({ error: 'expected true or false' }).default(false).meta({ description: 'Refuse mail from clients that did not log in (AUTH PLAIN/LOGIN).' }),
    users: z.array(userSchema, { error: 'expected a list of users' }).default([]).meta({ description: 'Users who may log in (AUTH PLAIN/LOGIN).' }),
    sendAs: z.array(email, { error: 'expected a list of addresses' }).default([]).meta({ description: 'Senders the app may send as (the configured mailbox always). Mail from these goes out from them.' }),
    otherSenders: z
      .enum(['rewrite', 'refuse'], { error: (issue) => (issue.input === undefined ? undefined : 'expected "rewrite" or "refuse"') })
      .default('rewrite')
      .meta({ description: 'Any other sender: rewrite (send from the mailbox, the original sender in Reply-To) or refuse (550 5.7.1).' }),
    maxMessageBytes: wholeNumber(1024, 157_286_400, 'bytes').default(DEFAULT_RELAY_MAX_MESSAGE_BYTES).meta({ description: 'Largest message accepted (announced as SIZE in EHLO). Default 35 MiB.' }),
    bounceTo: email.optional().meta({ description: 'Where to send a bounce when an accepted message fails permanently.' }),
    lockout: z
      .strictObject({
        maxFailures: wholeNumber(1, 1000, 'failed logins').default(5),
        windowSeconds: wholeNumber(1, 86_400, 'seconds').default(900),
        lockSeconds: wholeNumber(1, 86_400, 'seconds').default(900),
      })
      .prefault({})
      .meta({ description: 'After maxFailures failed logins from one client address within windowSeconds, refuse it for lockSeconds.' }),
    connectionsPerMinute: wholeNumber(1, 1_000_000, 'connections').default(120).meta({ description: 'New connections per client address per minute; more are answered 421 4.7.0.' }),
    maxConnections: wholeNumber(1, 100_000, 'connections').default(1000).meta({ description: 'Open SMTP connections at once; more are answered 421.' }),
    idleTimeoutSeconds: wholeNumber(1, 3600, 'seconds').default(60).meta({ description: 'Close a session idle this long (slow or stuck clients).' }),
    status: statusSchema.optional().meta({ description: 'The status listener of `mailbridge relay`: status page, /metrics, /healthz, /readyz. Served only when present.' }),
  })
  .superRefine(
    (relay, ctx) => {
      const listeners = Array.isArray(relay?.listen) ? relay.listen : [];
      listeners.forEach((listener, index) => {
        if (listener && listener.tls !== 'none' && relay.tls === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['listen', index, 'tls'],
            message: `"${listener.tls}" needs a certificate: add "tls": {"certFile": "...", "keyFile": "..."} to the relay section`,
          });
        }
      });
      if (relay?.requireAuth === true && Array.isArray(relay.users) && relay.users.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['users'], message: 'is empty while requireAuth is true: add a user (mailbridge relay hash-password prints a password hash)' });
      }
      const seen = new Set<string>();
      (Array.isArray(relay?.users) ? relay.users : []).forEach((user, index) => {
        const name = typeof user?.username === 'string' ? user.username.toLowerCase() : undefined;
        if (name === undefined) return;
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['users', index, 'username'], message: 'appears twice: each user name once' });
        seen.add(name);
      });
    },
    { when: () => true },
  )
  .meta({ description: 'The SMTP relay (mailbridge relay): accepts mail over SMTP and delivers it through the outbox.' });

/** The `relay` section after parsing (defaults filled). */
export type RelayConfig = z.output<typeof relaySchema>;
/** One `relay.listen` entry. */
export type RelayListenerConfig = RelayConfig['listen'][number];
/** One `relay.users` entry. */
export type RelayUserConfig = RelayConfig['users'][number];

/** The relay section with its file paths (TLS files, `{file}` passwords) made absolute against `baseDir`. */
export function relayWithAbsolutePaths(relay: RelayConfig, baseDir: string): RelayConfig {
  return {
    ...relay,
    ...(relay.tls ? { tls: { certFile: resolveConfigPath(relay.tls.certFile, baseDir), keyFile: resolveConfigPath(relay.tls.keyFile, baseDir) } } : {}),
    users: relay.users.map((user) => (typeof user.password === 'object' && 'file' in user.password ? { ...user, password: { file: resolveConfigPath(user.password.file, baseDir) } } : user)),
  };
}
