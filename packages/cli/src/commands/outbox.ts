import { type LoadedConfig, MailbridgeError } from '@mailbridge/core';
import type { Outbox, OutboxEntry, OutboxOptions, OutboxState, OutboxStatus } from '@mailbridge/outbox';
import { logSecretFilePermissions } from '../files/secret-file-warnings.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { UsageError } from '../output/render-error.js';
import { renderTable } from '../output/table.js';
import { createRuntime, loadCliConfig } from './runtime.js';
import { listenForStop, type StopSignal } from './stop-signal.js';

const STATES: readonly OutboxState[] = ['queued', 'sending', 'held', 'delivered', 'failed'];

/** Opens the config's outbox (its `outbox` section, or the defaults). */
export async function openOutbox(loaded: LoadedConfig, options: OutboxOptions = {}): Promise<Outbox> {
  const { createOutbox } = await import('@mailbridge/outbox');
  return createOutbox(loaded, options);
}

async function withOutbox<T>(globals: GlobalOptions, io: CliIo, use: (outbox: Outbox) => Promise<T>): Promise<T> {
  const outbox = await openOutbox(await loadCliConfig(globals, io.env), { logger: await createCliLogger(io) });
  try {
    return await use(outbox);
  } finally {
    await outbox.close();
  }
}

function notFound(id: string): MailbridgeError {
  return new MailbridgeError({
    code: 'OUTBOX_NOT_FOUND',
    message: `No outbox message has the id ${JSON.stringify(id)}.`,
    hint: 'List the messages with `mailbridge outbox list` (ids look like "mir3k2x0a-3f9c1e2d4b").',
  });
}

function age(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 360_000) / 10}h`;
}

/** `mailbridge outbox status`. */
export async function outboxStatusCommand(io: CliIo, globals: GlobalOptions): Promise<number> {
  return withOutbox(globals, io, async (outbox) => {
    const status = await outbox.status();
    if (io.json) {
      io.printJson({ ok: true, store: outbox.storeType, ...status });
      return 0;
    }
    printStatus(io, outbox, status);
    return 0;
  });
}

function printStatus(io: CliIo, outbox: Outbox, status: OutboxStatus): void {
  const c = io.colors;
  io.out(`${c.bold('Outbox')} (${outbox.storeType} store)`);
  const rows = [
    ['queued', String(status.queued)],
    ['sending', String(status.inFlight)],
    ['held', status.held > 0 ? c.yellow(String(status.held)) : '0'],
    ['failed', status.failed > 0 ? c.red(String(status.failed)) : '0'],
    ['delivered (24 h)', String(status.delivered24h)],
    ['oldest waiting', status.oldestQueuedAgeMs > 0 ? age(status.oldestQueuedAgeMs) : '-'],
  ];
  for (const line of renderTable(rows, { indent: '  ' })) io.out(line);
  for (const [mailbox, usage] of Object.entries(status.mailboxes)) {
    const share = usage.recipients24h / usage.recipientsPerDay;
    const budget = `${usage.recipients24h}/${usage.recipientsPerDay} recipients in 24 h`;
    io.out(`  ${mailbox}: ${usage.sentLastMinute} sent in the last minute, ${share >= 0.8 ? c.yellow(budget) : budget}`);
  }
}

/** `mailbridge outbox list [--state S]`. */
export async function outboxListCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const state = options.state as OutboxState | undefined;
  if (state !== undefined && !STATES.includes(state)) throw new UsageError(`--state "${String(state)}" is not a state.`, `Use one of ${STATES.join(', ')}.`);
  return withOutbox(globals, io, async (outbox) => {
    const entries: OutboxEntry[] = [];
    for await (const entry of outbox.list(state ? { state } : {})) entries.push(entry);
    if (io.json) {
      io.printJson({ ok: true, messages: entries });
      return 0;
    }
    if (entries.length === 0) {
      io.out(state ? `No ${state} messages.` : 'The outbox is empty.');
      return 0;
    }
    const rows = [['ID', 'STATE', 'ATTEMPTS', 'ENQUEUED', 'SUBJECT', 'LAST ERROR'].map((h) => io.colors.dim(h))];
    for (const entry of entries) {
      rows.push([entry.id, entry.state, String(entry.attempts), entry.enqueuedAt.toISOString(), (entry.subject ?? '').slice(0, 50), entry.lastError?.code ?? '']);
    }
    for (const line of renderTable(rows)) io.out(line);
    return 0;
  });
}

/** `mailbridge outbox show ID`. */
export async function outboxShowCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const id = String(options.id);
  return withOutbox(globals, io, async (outbox) => {
    const entry = await outbox.get(id);
    if (!entry) throw notFound(id);
    if (io.json) {
      io.printJson({ ok: true, message: entry });
      return 0;
    }
    const rows: string[][] = [
      ['id', entry.id],
      ['state', entry.state],
      ['subject', entry.subject ?? ''],
      ['internet message id', entry.internetMessageId],
      ['mailbox', entry.mailbox],
      ['importance', entry.importance],
      ['recipients', String(entry.recipients)],
      ['attempts', String(entry.attempts)],
      ['enqueued', entry.enqueuedAt.toISOString()],
    ];
    if (entry.notBefore) rows.push(['next attempt', entry.notBefore.toISOString()]);
    if (entry.heldUntil) rows.push(['held until', entry.heldUntil.toISOString()]);
    if (entry.deliveredAt) rows.push(['delivered', entry.deliveredAt.toISOString()]);
    for (const line of renderTable(rows)) io.out(line);
    if (entry.lastError) {
      io.out(`${io.colors.red(entry.lastError.code)}: ${entry.lastError.message}`);
      io.out(`${io.colors.dim('hint')} ${entry.lastError.hint}`);
    }
    return 0;
  });
}

/** `mailbridge outbox retry ID`. */
export async function outboxRetryCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const id = String(options.id);
  return withOutbox(globals, io, async (outbox) => {
    if (!(await outbox.retry(id))) {
      const entry = await outbox.get(id);
      if (!entry) throw notFound(id);
      throw new UsageError(`Outbox message ${id} is ${entry.state}: only failed or held messages can be retried.`, 'See `mailbridge outbox show ID`.');
    }
    if (io.json) io.printJson({ ok: true, id, state: 'queued' });
    else io.out(`${io.colors.green('✔')} ${id} is queued again; a worker (mailbridge outbox work) sends it.`);
    return 0;
  });
}

/** `mailbridge outbox drop ID`. */
export async function outboxDropCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const id = String(options.id);
  return withOutbox(globals, io, async (outbox) => {
    if (!(await outbox.drop(id))) throw notFound(id);
    if (io.json) io.printJson({ ok: true, id, dropped: true });
    else io.out(`${io.colors.green('✔')} ${id} dropped.`);
    return 0;
  });
}

/**
 * `mailbridge outbox work`: delivery workers until SIGTERM/SIGINT, then the sends in flight finish
 * and it exits 0. One line per outcome (JSON lines with --json).
 */
export async function outboxWorkCommand(io: CliIo, globals: GlobalOptions): Promise<number> {
  // Before the store opens or a status listener binds: a SIGTERM at any moment of start-up stops cleanly too.
  const stop = listenForStop();
  try {
    return await runWorkers(io, globals, stop);
  } finally {
    stop.dispose();
  }
}

async function runWorkers(io: CliIo, globals: GlobalOptions, stop: StopSignal): Promise<number> {
  const loaded = await loadCliConfig(globals, io.env);
  const logger = await createCliLogger(io, { longRunning: true });
  logSecretFilePermissions(loaded, logger);
  // The CLI's network stack, so that HTTP retries and token acquisition log too.
  const runtime = await createRuntime(loaded, { logger });
  try {
    const outbox = await openOutbox(loaded, { transport: await runtime.transport(), logger });
    // With --json: one JSON object per line (a log stream), not pretty-printed documents.
    const jsonLine = (value: Record<string, unknown>) => io.stdout.write(`${JSON.stringify(value)}\n`);
    const line = (event: string, fields: Record<string, unknown>, text: string) => {
      if (io.json) jsonLine({ event, time: new Date().toISOString(), ...fields });
      else io.out(text);
    };
    const c = io.colors;
    outbox.on('delivered', (e) => line('delivered', e, `${c.green('delivered')} ${e.id} ${e.internetMessageId}${e.recovered ? ' (found in Sent Items after an interrupted attempt)' : ''}`));
    outbox.on('failed', (e) => line('failed', e, `${c.red('failed')} ${e.id} ${e.error.code}: ${e.error.message} ${c.dim(e.error.hint)}`));
    outbox.on('held', (e) => line('held', e, `${c.yellow('held')} ${e.id} until ${e.until.toISOString()} (${e.recipients24h}/${e.recipientsPerDay} recipients in 24 h)`));
    outbox.on('budget-warning', (e) => line('budget-warning', e, `${c.yellow('warning')} ${e.mailbox} used ${e.recipients24h} of ${e.recipientsPerDay} recipients in 24 h`));
    if (stop.received) {
      // Stopped before a worker started: nothing is in flight.
      await outbox.close();
      if (io.json) jsonLine({ event: 'stopped', signal: stop.received });
      return 0;
    }
    try {
      await outbox.start();
    } catch (error) {
      await outbox.close();
      throw error;
    }
    // The status page, /metrics and the health checks, when the config asks for them (outbox.status).
    const statusConfig = loaded.config.outbox?.status;
    let listener: { url: string; close(): Promise<void> } | undefined;
    // A signal that came while the workers started: no status page to open, only the drain below.
    if (statusConfig && !stop.received) {
      try {
        const { startStatusListener } = await import('../status/start-status-listener.js');
        listener = await startStatusListener({ service: 'outbox', loaded, status: statusConfig, configPath: 'outbox.status', outbox, globals, env: io.env, logger });
      } catch (error) {
        // The workers already run: left open they would keep the process alive after the error.
        await outbox.close();
        throw error;
      }
      if (!io.json) io.err(`Status page: ${listener.url}`);
    }
    if (!io.json) io.err(`Delivering from the ${outbox.storeType} outbox of ${outbox.mailbox}; Ctrl+C (or SIGTERM) stops after the sends in flight.`);
    else jsonLine({ event: 'started', store: outbox.storeType, mailbox: outbox.mailbox, ...(listener ? { status: listener.url } : {}) });
    const signal = await stop.stopped;
    if (!io.json) io.err(`${signal}: finishing the sends in flight…`);
    await listener?.close();
    await outbox.close();
    if (io.json) jsonLine({ event: 'stopped', signal });
    return 0;
  } finally {
    // After the outbox: it was given the transport, so it leaves closing it to its owner.
    await runtime.close();
  }
}
