import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { type Logger, type MailAddress, type MailbridgeConfig, MailbridgeError, type OutgoingAttachment, type RelayConfig } from '@mailbridge/core';
import { createOutbox, keptFileAttachment, type OutboxOptions } from '@mailbridge/outbox';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { matchesAddress } from './access/address-pattern.js';
import { createConnectionRateLimit } from './access/connection-rate-limit.js';
import { createLoginLockout } from './access/login-lockout.js';
import { createNetworkAllowlist, isLoopbackHost } from './access/network-allowlist.js';
import { createUserDirectory, type RelayUser } from './access/user-directory.js';
import { buildBounce } from './bounce/build-bounce.js';
import { createPartsStore, type MessageParts, partsKey } from './message/attachment-parts.js';
import { type ConvertedAttachment, convertMime } from './message/convert-mime.js';
import { rewriteRecipientHeaders } from './message/rewrite-recipient-headers.js';
import { maySendAs, type SenderPolicy } from './message/sender-policy.js';
import type { RelayEvents } from './relay-events.js';
import type { OutboxEvent, RelayOutbox } from './relay-outbox.js';
import { ENHANCED_PREFIX, type SmtpReplyError, smtpReply } from './smtp/smtp-reply.js';
import { type TlsCredentials, watchTlsCredentials } from './smtp/tls-credentials.js';

/** Options of {@link createRelay}. */
export interface CreateRelayOptions {
  /**
   * The outbox accepted messages go to (and whose events the relay reports).
   * @default the config's `outbox` section, opened with `createOutbox` (and closed with the relay)
   */
  outbox?: RelayOutbox;
  /** Options for the outbox the relay opens itself (transport, logger, poll interval). */
  outboxOptions?: OutboxOptions;
  /** Start the outbox's delivery workers in this process. @default true */
  startOutbox?: boolean;
  /** Close the outbox when the relay closes. @default true */
  closeOutbox?: boolean;
  /** How often the TLS files are checked for a renewed certificate. @default 5000 */
  tlsReloadIntervalMs?: number;
  /**
   * Messages up to this size go to the outbox as raw MIME (recipient fields set to the envelope),
   * larger ones as parsed parts (sent through upload sessions). 0 sends every message from its parts.
   * @default 2_900_000 (Graph takes MIME sends up to 4 MB once base64-encoded)
   */
  rawMimeLimitBytes?: number;
  /**
   * Attachment folders under the file outbox's `relay-parts` folder that no kept message references
   * are removed by a sweep: those of an accepted message (dropped with `mailbridge outbox drop`, or
   * delivered by another process) and those whose relay process has exited (same host, its pid
   * gone: a crash before the 250) at once, any other when nothing has written to it for this long
   * (another relay process may still be receiving into it).
   * @default 3_600_000 (one hour)
   */
  partsSweepGraceMs?: number;
  /**
   * How often those folders (and the temporary attachment folders of exited relay processes, with
   * any other outbox) are swept; also once at start. @default 3_600_000
   */
  partsSweepIntervalMs?: number;
  /**
   * Where the relay logs what its events do not carry (SMTP client socket errors, at debug); also
   * the default logger of the outbox it opens itself. Its warnings are `warning` events.
   * @default silent
   */
  logger?: Logger;
  /** Environment for `{env}` passwords. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Host name in the greeting and EHLO reply. @default os.hostname() */
  name?: string;
}

/** One open listener. */
export interface RelayListener {
  host: string;
  /** The port actually bound (the configured one, or the free one picked for 0). */
  port: number;
  tls: 'none' | 'starttls' | 'implicit';
}

/** What `relay.status()` reports (the status page's data). */
export interface RelayStatus {
  listeners: RelayListener[];
  /** SMTP sessions open now. */
  openSessions: number;
  /** Since start. */
  accepted: number;
  delivered: number;
  failed: number;
  refused: number;
  /** Messages being received (DATA in progress or being stored). */
  receiving: number;
  closing: boolean;
  /** The outbox's own status, when it reports one. */
  outbox?: unknown;
}

/** A running relay. */
export interface Relay {
  readonly listeners: RelayListener[];
  status(): Promise<RelayStatus>;
  on<E extends keyof RelayEvents>(event: E, listener: (...args: RelayEvents[E]) => void): this;
  off<E extends keyof RelayEvents>(event: E, listener: (...args: RelayEvents[E]) => void): this;
  /**
   * Stops accepting connections, lets the sessions in progress finish (up to the idle timeout, then
   * they get 421; the files of a message cut off are removed), and closes the outbox (which finishes
   * its sends in flight). Nothing accepted is lost.
   */
  close(): Promise<void>;
}

/** Graph's MIME send takes 4 MB of base64: about 3 MB of message, less a margin for the added fields. */
const DEFAULT_RAW_MIME_LIMIT = 2_900_000;

interface SessionState {
  startedAt: number;
  client: string;
  messages: number;
}

const sessionUser = (session: SMTPServerSession): RelayUser | undefined => session.user as RelayUser | undefined;

/**
 * Starts the SMTP relay of `config.relay` (PRODUCT.md, "Relay") on smtp-server: every listener,
 * network allowlist, AUTH PLAIN/LOGIN with lockout, per-user sender and recipient rules, the send-as
 * policy and the size limit. A message is answered 250 only once `outbox.enqueue` resolved (it is
 * durable then); when the outbox cannot take it the client gets a 4xx and retries.
 */
export async function createRelay(config: MailbridgeConfig, options: CreateRelayOptions = {}): Promise<Relay> {
  const relay: RelayConfig | undefined = config.relay;
  if (!relay) {
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: 'The config has no "relay" section.',
      hint: 'Add "relay": {"listen": [{"host": "127.0.0.1", "port": 2525, "tls": "none"}]} (see mailbridge sandbox --write-config for a complete example).',
      details: { path: 'relay' },
    });
  }
  const users = await createUserDirectory(relay.users, options.env ? { env: options.env } : {});
  const outbox: RelayOutbox = options.outbox ?? (await createOutbox(config, { ...(options.logger ? { logger: options.logger } : {}), ...options.outboxOptions }));
  const rawMimeLimit = options.rawMimeLimitBytes ?? DEFAULT_RAW_MIME_LIMIT;
  // Message-IDs the outbox already holds, with their outbox ids. A client that lost our 250 (a crash
  // between the durable enqueue and the reply, a cut connection) sends the same message again; it
  // gets 250 for the copy already kept instead of a second delivery. Read once from the store at start.
  const held = new Map<string, string>();
  // Whatever fails from here on, an outbox this call opened is closed again: a Redis store's
  // connection would otherwise keep the process alive after the error.
  const closeOwnOutbox = async () => {
    if (!options.outbox) await outbox.close().catch(() => undefined);
  };
  // Attachments of messages larger than the raw limit are written to files as the message streams in
  // (never held in memory). With a file outbox they stay next to the spool, fsync'ed before the 250,
  // and the stored message references them until it is delivered; otherwise (Redis: workers on other
  // machines cannot read a local path) they are temporary and the outbox keeps a copy of the bytes.
  const storeSection = config.outbox?.store;
  const durableParts = outbox.storeType === 'file' && storeSection?.type === 'file';
  const partsStore = await createPartsStore(durableParts && storeSection?.type === 'file' ? { root: join(storeSection.dir, 'relay-parts'), durable: true } : { durable: false }).catch(async (error: unknown) => {
    await closeOwnOutbox();
    throw error;
  });
  // Receptions still in DATA (ended by close) and work on received messages (waited for by close).
  const receiving = new Set<() => void>();
  const inflight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inflight.add(work);
    void work.finally(() => inflight.delete(work)).catch(() => undefined);
  };
  // Parts of messages being received (never swept) and of accepted ones (removed once delivered).
  const receivingParts = new Set<MessageParts>();
  const acceptedParts = new Map<string, MessageParts>();
  const messageIdDomain = config.mailbox.slice(config.mailbox.lastIndexOf('@') + 1) || 'mailbridge.invalid';
  try {
    if (outbox.list) {
      for await (const entry of outbox.list()) held.set(entry.internetMessageId.toLowerCase(), entry.id);
    }
  } catch (error) {
    await partsStore.close();
    await closeOwnOutbox();
    throw error;
  }
  const sweepGraceMs = options.partsSweepGraceMs ?? 3_600_000;
  const busyDirs = () => new Set([...receivingParts].map((parts) => parts.dir));
  const list = outbox.list?.bind(outbox);
  /** Hashes of the Message-IDs the outbox still has to deliver, or may send again (their parts must stay). */
  const keptKeys = async () => {
    const keep = new Set<string>();
    // State by state, all but delivered: the file store keeps a week of delivered records, which a
    // sweep need not read.
    if (list) for (const state of ['sending', 'queued', 'held', 'failed'] as const) for await (const entry of list({ state })) keep.add(partsKey(entry.internetMessageId));
    return keep;
  };
  // Durable parts are swept only against the outbox's list (without one nothing is provably unneeded);
  // temporary roots of exited relay processes need no list.
  const sweeps = !durableParts || list !== undefined;
  const sweepParts = () => partsStore.sweep(keptKeys, { graceMs: sweepGraceMs, busy: busyDirs() });
  const sweepWarning = (error: unknown) =>
    events.emit('warning', { code: MailbridgeError.isInstance(error) ? error.code : 'OUTBOX_STORE_UNAVAILABLE', message: 'The relay could not remove attachment files of messages no longer in the outbox; it tries again later.' });
  let sweepTimer: NodeJS.Timeout | undefined;
  if (sweeps) {
    sweepTimer = setInterval(() => void sweepParts().catch(sweepWarning), options.partsSweepIntervalMs ?? 3_600_000);
    sweepTimer.unref();
  }
  const HELD_MAX = 200_000;
  const events = new EventEmitter();
  const allowlist = createNetworkAllowlist(relay.allowedNetworks);
  const lockout = createLoginLockout({ maxFailures: relay.lockout.maxFailures, windowMs: relay.lockout.windowSeconds * 1000, lockMs: relay.lockout.lockSeconds * 1000 });
  const rateLimit = createConnectionRateLimit({ perMinute: relay.connectionsPerMinute });
  const policy: SenderPolicy = { mailbox: config.mailbox, sendAs: relay.sendAs, otherSenders: relay.otherSenders };
  const counters = { accepted: 0, delivered: 0, failed: 0, refused: 0, receiving: 0 };
  // What the relay remembers of a message it accepted, for the delivered/failed log lines and the bounce (bounded).
  const acceptedAt = new Map<string, { at: number; subject: string; recipients: string[] }>();
  const sessions = new Map<string, SessionState>();
  let closing = false;

  const needsTls = relay.listen.some((listener) => listener.tls !== 'none');
  let tls: TlsCredentials | undefined;
  if (needsTls && relay.tls) {
    try {
      tls = watchTlsCredentials(relay.tls.certFile, relay.tls.keyFile, {
        intervalMs: options.tlsReloadIntervalMs ?? 5000,
        onError: (error) => events.emit('warning', { code: error.code, message: `${error.message} The previous certificate stays in use.`, hint: error.hint }),
      });
    } catch (error) {
      await closeOwnOutbox();
      throw error;
    }
  }

  const refuse = (session: SMTPServerSession | undefined, client: string, stage: RelayEvents['refused'][0]['stage'], error: SmtpReplyError): SmtpReplyError => {
    counters.refused++;
    const user = session ? sessionUser(session)?.username : undefined;
    events.emit('refused', {
      client,
      stage,
      responseCode: error.responseCode,
      enhancedCode: error.enhancedCode,
      reason: error.message.replace(ENHANCED_PREFIX, ''),
      ...(user ? { user } : {}),
    });
    return error;
  };

  const onConnect = (session: SMTPServerSession, callback: (error?: Error | null) => void) => {
    const client = session.remoteAddress;
    if (closing) return callback(refuse(session, client, 'connect', smtpReply(421, '4.3.2', 'The relay is shutting down; try again shortly.')));
    if (!allowlist.allows(client)) {
      return callback(refuse(session, client, 'connect', smtpReply(554, '5.7.1', `Your address ${client} may not use this relay (relay.allowedNetworks).`)));
    }
    if (!rateLimit.admit(client)) {
      return callback(refuse(session, client, 'connect', smtpReply(421, '4.7.0', 'Too many connections from your address; try again in a minute.')));
    }
    sessions.set(session.id, { startedAt: Date.now(), client, messages: 0 });
    callback();
  };

  const onClose = (session: SMTPServerSession) => {
    const state = sessions.get(session.id);
    if (!state) return;
    sessions.delete(session.id);
    const user = sessionUser(session)?.username;
    events.emit('session', { client: state.client, durationMs: Date.now() - state.startedAt, messages: state.messages, ...(user ? { user } : {}) });
  };

  const onAuth = (auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (error: Error | null | undefined, response?: { user?: unknown }) => void) => {
    const client = session.remoteAddress;
    const lockedMs = lockout.lockedFor(client);
    if (lockedMs > 0) {
      return callback(refuse(session, client, 'auth', smtpReply(454, '4.7.0', `Too many failed logins from your address; try again in ${Math.ceil(lockedMs / 60_000)} minute(s).`)));
    }
    if (auth.method !== 'PLAIN' && auth.method !== 'LOGIN') {
      return callback(refuse(session, client, 'auth', smtpReply(504, '5.5.4', 'Use AUTH PLAIN or AUTH LOGIN.')));
    }
    users
      .authenticate(auth.username ?? '', auth.password ?? '')
      .then((user) => {
        if (!user) {
          lockout.recordFailure(client);
          return callback(refuse(session, client, 'auth', smtpReply(535, '5.7.8', 'Authentication credentials invalid.')));
        }
        lockout.recordSuccess(client);
        callback(null, { user });
      })
      .catch(() => callback(refuse(session, client, 'auth', smtpReply(454, '4.7.0', 'Temporary authentication failure; try again.'))));
  };

  // smtp-server (3.21) stops reading commands pipelined after a second message when both the MAIL and
  // the RCPT handler answer synchronously; answering on the next turn of the event loop avoids it.
  const onMailFrom = (address: { address: string }, session: SMTPServerSession, done: (error?: Error | null) => void) => {
    const callback = (error?: Error | null) => setImmediate(done, error);
    const client = session.remoteAddress;
    const user = sessionUser(session);
    if (relay.requireAuth && !user) {
      return callback(refuse(session, client, 'mail', smtpReply(530, '5.7.0', 'Authentication required: log in with AUTH PLAIN or AUTH LOGIN first.')));
    }
    const sender = address.address;
    if (user?.allowedFrom && !matchesAddress(sender, user.allowedFrom)) {
      return callback(refuse(session, client, 'mail', smtpReply(550, '5.7.1', `User ${user.username} may not send from <${sender}>.`)));
    }
    if (policy.otherSenders === 'refuse' && (sender === '' || !maySendAs(policy, sender))) {
      return callback(refuse(session, client, 'mail', smtpReply(550, '5.7.1', `This relay may not send as <${sender}> (relay.sendAs).`)));
    }
    callback();
  };

  const onRcptTo = (address: { address: string }, session: SMTPServerSession, done: (error?: Error | null) => void) => {
    const callback = (error?: Error | null) => setImmediate(done, error);
    const user = sessionUser(session);
    if (user?.allowedRecipients && !matchesAddress(address.address, user.allowedRecipients)) {
      return callback(refuse(session, session.remoteAddress, 'rcpt', smtpReply(550, '5.7.1', `User ${user.username} may not send to <${address.address}>.`)));
    }
    callback();
  };

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void) => {
    const client = session.remoteAddress;
    const started = Date.now();
    counters.receiving++;
    let bytes = 0;
    let over = false;
    // The raw bytes are kept while the message is small enough to go out as MIME (every header and
    // part exactly as written); a larger one goes out from its parsed parts through the upload path.
    let raw: Buffer[] | undefined = rawMimeLimit > 0 ? [] : undefined;
    // Counts the bytes and stops feeding the parser past the limit; the rest of DATA is read and dropped,
    // so an oversized (or hostile 1 GB) message costs at most the limit in memory.
    const limiter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        bytes += chunk.length;
        if (bytes > relay.maxMessageBytes) over = true;
        if (raw && bytes > rawMimeLimit) raw = undefined;
        else raw?.push(chunk);
        next(null, over ? undefined : chunk);
      },
    });
    stream.pipe(limiter);
    const envelope = {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((recipient) => recipient.address),
    };
    let answered = false;
    const answer = (error: SmtpReplyError | null, message?: string) => {
      if (answered) return;
      answered = true;
      counters.receiving--;
      if (error) callback(refuse(session, client, 'data', error));
      else callback(null, message);
    };
    // Used when the message has no (well-formed) Message-ID of its own: its parts folder is named after it.
    const fallbackMessageId = `<${randomUUID()}@${messageIdDomain}>`;
    const parts = partsStore.open(fallbackMessageId);
    receivingParts.add(parts);
    const converted = convertMime(limiter, envelope, policy, parts);
    // Once the parser is done with them (it may still be writing when the client gets its reply).
    const discardParts = () => {
      track(
        converted
          .catch(() => undefined)
          .then(() => parts.remove())
          .catch(() => undefined)
          .finally(() => receivingParts.delete(parts)),
      );
    };
    // Closing the relay ends a reception still in DATA (smtp-server closes its socket without
    // ending the stream) and waits for its files to go; a process exiting then leaves none behind.
    let aborted = false;
    const abort = () => {
      aborted = true;
      stream.unpipe(limiter);
      limiter.end();
      discardParts();
      answer(smtpReply(421, '4.3.2', 'The relay is shutting down; send the message again.'));
    };
    receiving.add(abort);
    stream.once('end', () => {
      receiving.delete(abort);
      if (aborted) return;
      if (over || stream.sizeExceeded) {
        discardParts();
        answer(smtpReply(552, '5.3.4', `Message too big: this relay accepts up to ${relay.maxMessageBytes} bytes.`));
        return;
      }
      const handled = converted
        .then(async (result) => {
          if (!result.ok) {
            discardParts();
            answer(smtpReply(550, '5.7.1', `This relay may not send as <${result.sender}> (relay.sendAs).`));
            return;
          }
          const endOfData = Date.now();
          const messageId = result.message.internetMessageId?.toLowerCase();
          const already = messageId ? held.get(messageId) : undefined;
          if (already !== undefined) {
            discardParts();
            answer(null, `2.6.0 Message accepted as ${already === '' ? 'before' : already} (already received)`);
            return;
          }
          if (messageId) held.set(messageId, ''); // claimed while it is being stored
          let queued: { id: string; internetMessageId?: string };
          const keepParts = !raw && durableParts && parts.count > 0;
          try {
            const { message } = result;
            const recipients = [...new Map(envelope.to.map((address) => [address.toLowerCase(), address])).values()];
            // 250 only once every byte delivery needs is on disk: the attachment files, then the stored message.
            if (keepParts) await parts.sync();
            queued = await outbox.enqueue(
              raw
                ? {
                    mime: rewriteRecipientHeaders(Buffer.concat(raw), {
                      to: message.to as MailAddress[],
                      cc: (message.cc ?? []) as MailAddress[],
                      bcc: (message.bcc ?? []) as MailAddress[],
                      ...(result.rewritten ? { from: { address: config.mailbox }, replyTo: (message.replyTo ?? []) as MailAddress[] } : {}),
                    }),
                    envelope: { from: result.rewritten || envelope.from === '' ? config.mailbox : envelope.from, to: recipients },
                  }
                : {
                    ...message,
                    internetMessageId: message.internetMessageId ?? fallbackMessageId,
                    ...(result.attachments.length > 0 ? { attachments: await outgoingAttachments(result.attachments, keepParts ? 'kept' : outbox.storeType ? 'path' : 'bytes') } : {}),
                  },
            );
          } catch (error) {
            if (messageId) held.delete(messageId);
            discardParts();
            answer(enqueueRefusal(error));
            return;
          }
          if (keepParts) {
            // Not flushed: lost to a power cut, the folder is still kept by its Message-ID until delivered.
            await parts.markAccepted(queued.id);
            receivingParts.delete(parts);
            acceptedParts.set(queued.id, parts);
            if (acceptedParts.size > 100_000) acceptedParts.delete(acceptedParts.keys().next().value!); // the sweep removes its files
          } else {
            discardParts();
          }
          if (messageId) {
            held.set(messageId, queued.id);
            if (held.size > HELD_MAX) held.delete(held.keys().next().value!);
          }
          const state = sessions.get(session.id);
          if (state) state.messages++;
          counters.accepted++;
          acceptedAt.set(queued.id, { at: Date.now(), subject: result.message.subject, recipients: [...new Set(envelope.to.map((address) => address.toLowerCase()))] });
          if (acceptedAt.size > 100_000) acceptedAt.delete(acceptedAt.keys().next().value!);
          const from = result.rewritten ? config.mailbox : result.sender;
          const user = sessionUser(session)?.username;
          answer(null, `2.6.0 Message accepted as ${queued.id}`);
          events.emit('accepted', {
            id: queued.id,
            ...((queued.internetMessageId ?? result.message.internetMessageId) ? { internetMessageId: queued.internetMessageId ?? result.message.internetMessageId } : {}),
            sender: result.sender,
            rewritten: result.rewritten,
            from,
            recipients: [...new Set(envelope.to.map((address) => address.toLowerCase()))],
            sizeBytes: bytes,
            subject: result.message.subject,
            client,
            ...(user ? { user } : {}),
            enqueueMs: Date.now() - endOfData,
          });
          void started;
        })
        .catch((error: unknown) => {
          discardParts();
          // The attachment files could not be written: nothing was kept, the client tries again later.
          if (MailbridgeError.isInstance(error)) answer(enqueueRefusal(error));
          else answer(smtpReply(554, '5.6.0', 'The message could not be parsed as MIME (RFC 5322).'));
        });
      track(handled);
    });
    stream.once('error', () => {
      receiving.delete(abort);
      if (aborted) return;
      // The connection broke during DATA: the parser gets an end (and fails or finishes), then its files go.
      limiter.end();
      discardParts();
      answer(smtpReply(451, '4.3.0', 'The message was cut off; send it again.'));
    });
  };

  const onDelivered = (event: OutboxEvent) => {
    counters.delivered++;
    // Its attachment files are not needed any more (a delivered message is never sent again).
    const delivered = acceptedParts.get(event.id);
    if (delivered) {
      acceptedParts.delete(event.id);
      delivered.remove().catch(sweepWarning);
    } else if (durableParts && event.internetMessageId) {
      // Accepted before a restart: found by its Message-ID.
      partsStore.removeFor(event.internetMessageId, event.id, busyDirs()).catch(sweepWarning);
    }
    const at = acceptedAt.get(event.id);
    acceptedAt.delete(event.id);
    events.emit('delivered', {
      id: event.id,
      ...(event.internetMessageId ? { internetMessageId: event.internetMessageId } : {}),
      ...(at !== undefined ? { acceptToDeliveredMs: Date.now() - at.at } : {}),
    });
  };
  const onFailed = (event: OutboxEvent) => {
    counters.failed++;
    const accepted = acceptedAt.get(event.id);
    acceptedAt.delete(event.id);
    if (accepted) event = { ...event, subject: event.subject ?? accepted.subject, to: event.to ?? accepted.recipients };
    const error = event.error ?? event.lastError ?? { code: 'SERVICE_ERROR', message: 'The message could not be delivered.' };
    const bounce = relay.bounceTo && !event.isBounce ? buildBounce(event, error, relay.bounceTo) : undefined;
    const emit = (bounced: boolean) =>
      events.emit('failed', {
        id: event.id,
        ...(event.internetMessageId ? { internetMessageId: event.internetMessageId } : {}),
        ...(event.subject !== undefined ? { subject: event.subject } : {}),
        error,
        bounced,
      });
    if (!bounce) return emit(false);
    outbox.enqueue(bounce).then(
      () => emit(true),
      (bounceError: unknown) => {
        emit(false);
        events.emit('warning', { code: MailbridgeError.isInstance(bounceError) ? bounceError.code : 'INTERNAL', message: `The bounce for message ${event.id} could not be queued.` });
      },
    );
  };
  outbox.on('delivered', onDelivered);
  outbox.on('failed', onFailed);

  const servers: SMTPServer[] = [];
  const listeners: RelayListener[] = [];
  const closeServers = () => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  try {
    for (const [index, listener] of relay.listen.entries()) {
      const pair = listener.tls !== 'none' ? tls?.current() : undefined;
      const server = new SMTPServer({
        name: options.name,
        banner: 'mailbridge relay',
        secure: listener.tls === 'implicit',
        ...(pair ? { key: pair.key, cert: pair.cert } : {}),
        hideSTARTTLS: listener.tls !== 'starttls',
        disabledCommands: listener.tls === 'starttls' ? [] : ['STARTTLS'],
        hideENHANCEDSTATUSCODES: false,
        hidePIPELINING: false,
        size: relay.maxMessageBytes,
        authMethods: ['PLAIN', 'LOGIN'],
        authOptional: true,
        allowInsecureAuth: listener.allowInsecureAuth ?? isLoopbackHost(listener.host),
        disableReverseLookup: true,
        maxClients: relay.maxConnections,
        socketTimeout: relay.idleTimeoutSeconds * 1000,
        closeTimeout: relay.idleTimeoutSeconds * 1000,
        maxAllowedUnauthenticatedCommands: 20,
        logger: false,
        onConnect,
        onClose,
        onAuth,
        onMailFrom,
        onRcptTo,
        onData,
      });
      // No user, no AUTH: offering it would only invite password guessing.
      if (users.size === 0) server.options.disabledCommands = [...(server.options.disabledCommands ?? []), 'AUTH'];
      writeExactEnhancedCodes(server);
      server.on('error', (error) => {
        // A client's socket error: the session is already gone; worth a line only when debugging.
        options.logger?.debug('relay client connection error', { listener: `${listener.host}:${listener.port}`, code: (error as NodeJS.ErrnoException).code ?? error.message });
      });
      if (pair && tls) tls.onReload((next) => server.updateSecureContext({ key: next.key, cert: next.cert }));
      servers.push(server);
      const port = await listen(server, listener.host, listener.port, `relay.listen[${index}]`);
      listeners.push({ host: listener.host, port, tls: listener.tls });
    }
  } catch (error) {
    await closeServers();
    tls?.close();
    clearInterval(sweepTimer);
    await partsStore.close();
    outbox.off?.('delivered', onDelivered);
    outbox.off?.('failed', onFailed);
    await closeOwnOutbox();
    throw error;
  }
  // The first sweep before this process's own workers start: their claims move messages while the
  // outbox is listed (the sweep reads it twice for the workers of other processes).
  if (sweeps) await sweepParts().catch(sweepWarning);
  if (options.startOutbox !== false) await outbox.start?.();

  let closed: Promise<void> | undefined;
  const instance: Relay = {
    listeners,
    async status() {
      return {
        listeners,
        openSessions: sessions.size,
        ...counters,
        closing,
        ...(outbox.status ? { outbox: await outbox.status() } : {}),
      };
    },
    on(event, listener) {
      events.on(event, listener as (...args: unknown[]) => void);
      return instance;
    },
    off(event, listener) {
      events.off(event, listener as (...args: unknown[]) => void);
      return instance;
    },
    close() {
      closed ??= (async () => {
        closing = true;
        await closeServers();
        for (const abort of [...receiving]) abort();
        // Messages being stored are stored (or refused), and the files of every refused one removed,
        // before the outbox closes and the process may exit.
        while (inflight.size > 0) await Promise.allSettled([...inflight]);
        tls?.close();
        clearInterval(sweepTimer);
        if (options.closeOutbox !== false) await outbox.close();
        await partsStore.close();
        outbox.off?.('delivered', onDelivered);
        outbox.off?.('failed', onFailed);
      })();
      return closed;
    },
  };
  return instance;
}

/**
 * The attachments to enqueue: `kept` references the fsync'ed files (a file outbox keeps the paths and
 * the relay removes the files once delivered); `path` lets the outbox copy them (Redis); `bytes` reads
 * them for an outbox that is not `@mailbridge/outbox` (it may keep the message object as given).
 */
async function outgoingAttachments(parts: ConvertedAttachment[], as: 'kept' | 'path' | 'bytes'): Promise<OutgoingAttachment[]> {
  const out: OutgoingAttachment[] = [];
  for (const part of parts) {
    const meta = { filename: part.filename, contentType: part.contentType, size: part.size, ...(part.contentId !== undefined ? { contentId: part.contentId } : {}) };
    if (as === 'kept') out.push(keptFileAttachment({ ...meta, content: { path: part.path } }));
    else if (as === 'path') out.push({ ...meta, content: { path: part.path } });
    else out.push({ ...meta, content: await readFile(part.path) });
  }
  return out;
}

/** The SMTP answer for a message the outbox would not take. */
function enqueueRefusal(error: unknown): SmtpReplyError {
  const code = MailbridgeError.isInstance(error) ? error.code : undefined;
  const detail = MailbridgeError.isInstance(error) ? ` ${error.message}` : '';
  switch (code) {
    case 'INVALID_MESSAGE':
      return smtpReply(554, '5.6.0', `The message cannot be sent:${detail}`.slice(0, 400));
    case 'MESSAGE_TOO_LARGE':
      return smtpReply(552, '5.3.4', `Message too big for the mailbox service:${detail}`.slice(0, 400));
    default:
      // The store is down, the disk is full or the backlog is over its limit: nothing was kept, so
      // the client must keep the message and try again.
      return smtpReply(451, '4.3.0', 'The relay cannot store the message right now; try again later.');
  }
}

/**
 * smtp-server picks the enhanced status code from the reply code alone; the relay's refusals carry
 * their own (`smtpReply`), written as given. Hooked on each new connection of this server only.
 */
function writeExactEnhancedCodes(server: SMTPServer): void {
  const internals = server as unknown as { connect(socket: unknown, options: unknown): void; connections: Set<{ send(code: number, data: unknown, context?: unknown): void }> };
  const connect = internals.connect.bind(server);
  internals.connect = (socket, socketOptions) => {
    connect(socket, socketOptions);
    let newest: { send(code: number, data: unknown, context?: unknown): void } | undefined;
    for (const connection of internals.connections) newest = connection;
    if (!newest) return;
    const send = newest.send.bind(newest);
    newest.send = (code, data, context) => (typeof data === 'string' && ENHANCED_PREFIX.test(data) ? send(code, data, false) : send(code, data, context));
  };
}

function listen(server: SMTPServer, host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new MailbridgeError({
          code: 'RELAY_LISTEN_FAILED',
          message: `${path}: cannot listen on ${host}:${port} (${error.code ?? error.message}).`,
          hint:
            error.code === 'EADDRINUSE'
              ? `Another process uses port ${port}: stop it or choose another port.`
              : error.code === 'EACCES'
                ? `Ports below 1024 need privileges: use 2525/1587/1465, or give node the right to bind them (setcap cap_net_bind_service).`
                : 'Check the listen address exists on this machine.',
          cause: error,
        }),
      );
    };
    server.server.once('error', onError);
    server.listen(port, host, () => {
      server.server.off('error', onError);
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
