import { logSecretFilePermissions } from '../files/secret-file-warnings.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { createCliLogger } from '../output/cli-logger.js';
import { UsageError } from '../output/render-error.js';
import { createRuntime, loadCliConfig } from './runtime.js';
import { listenForStop, type StopSignal } from './stop-signal.js';

/** One log line: JSON with --json, aligned text otherwise. No body, no password, no token. */
function logLine(io: CliIo, event: string, fields: Record<string, unknown>): void {
  if (io.json) {
    io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
    return;
  }
  const text = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  io.stdout.write(`${new Date().toISOString()} ${event.padEnd(9)} ${text}\n`);
}

/**
 * `mailbridge relay`: runs the SMTP relay of the config's `relay` section with delivery workers of
 * its `outbox` until SIGTERM/SIGINT; then stops accepting, lets sessions finish and exits 0.
 */
export async function relayCommand(io: CliIo, globals: GlobalOptions): Promise<number> {
  // Before anything opens or listens: a SIGTERM at any moment of start-up stops cleanly too.
  const stop = listenForStop();
  try {
    return await runRelay(io, globals, stop);
  } finally {
    stop.dispose();
  }
}

async function runRelay(io: CliIo, globals: GlobalOptions, stop: StopSignal): Promise<number> {
  const loaded = await loadCliConfig(globals, io.env);
  if (!loaded.config.relay) {
    const { MailbridgeError } = await import('@mailbridge/core');
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: `${loaded.path ?? 'The config'} has no "relay" section.`,
      hint: 'Add "relay": {"listen": [{"host": "127.0.0.1", "port": 2525, "tls": "none"}]} (mailbridge sandbox --write-config F writes a complete example).',
      details: { path: 'relay' },
    });
  }
  const { createRelay } = await import('@mailbridge/relay');
  const { createOutbox } = await import('@mailbridge/outbox');
  const logger = await createCliLogger(io, { longRunning: true });
  logSecretFilePermissions(loaded, logger);
  const runtime = await createRuntime(loaded, { logger });
  try {
    const transport = await runtime.transport();
    const outbox = await createOutbox(loaded, { transport, logger });
    if (stop.received) {
      // Stopped before anything listened: nothing was accepted, nothing to drain.
      await outbox.close();
      logLine(io, 'stopped', { signal: stop.received });
      return 0;
    }
    let relay: Awaited<ReturnType<typeof createRelay>>;
    try {
      relay = await createRelay(loaded.config, { outbox, logger });
    } catch (error) {
      // A listener that cannot start (port taken, bad certificate): the outbox is open (a Redis store
      // holds a connection) and would keep the process running after the error.
      await outbox.close();
      throw error;
    }
    relay.on('accepted', (e) => logLine(io, 'accepted', { id: e.id, from: e.from, sender: e.rewritten ? e.sender : undefined, to: e.recipients, bytes: e.sizeBytes, client: e.client, user: e.user, internetMessageId: e.internetMessageId }));
    relay.on('delivered', (e) => logLine(io, 'delivered', { id: e.id, internetMessageId: e.internetMessageId, ms: e.acceptToDeliveredMs }));
    relay.on('failed', (e) => logLine(io, 'failed', { id: e.id, code: e.error.code, message: e.error.message, hint: e.error.hint, bounced: e.bounced }));
    relay.on('warning', (e) => logLine(io, 'warning', { code: e.code, message: e.message, hint: e.hint }));
    if (io.verbose) relay.on('refused', (e) => logLine(io, 'refused', { client: e.client, stage: e.stage, reply: `${e.responseCode} ${e.enhancedCode}`, reason: e.reason, user: e.user }));
    for (const listener of relay.listeners) logLine(io, 'listening', { host: listener.host, port: listener.port, tls: listener.tls });
    // The status listener's code loads only when the config asks for it.
    const statusConfig = loaded.config.relay?.status;
    let status: { url: string; close(): Promise<void> } | undefined;
    // A signal that came while the SMTP listeners bound: no status page to open, only the drain below.
    if (statusConfig && !stop.received) {
      try {
        const { startStatusListener } = await import('../status/start-status-listener.js');
        status = await startStatusListener({ service: 'relay', loaded, status: statusConfig, configPath: 'relay.status', outbox, relay, globals, env: io.env, logger });
      } catch (error) {
        await relay.close();
        throw error;
      }
      logLine(io, 'status', { url: status.url });
    }
    const signal = await stop.stopped;
    logLine(io, 'stopping', { signal, openSessions: (await relay.status()).openSessions });
    await status?.close();
    await relay.close();
    logLine(io, 'stopped', {});
    return 0;
  } finally {
    await runtime.close();
  }
}

async function readPassword(io: CliIo): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    const { password } = await import('@inquirer/prompts');
    const first = await password({ message: 'Password for the relay user:', mask: '*' });
    const second = await password({ message: 'Once more:', mask: '*' });
    if (first !== second) throw new UsageError('The two passwords differ.', 'Run the command again and type the same password twice.');
    return first;
  }
  // Piped: the first line of stdin (at most 4 KB: a password, not a file).
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > 4096) throw new UsageError('The password on stdin is longer than 4096 bytes.', 'Pipe only the password, e.g. printf %s "$PW" | mailbridge relay hash-password.');
  }
  void io;
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** `mailbridge relay hash-password`: reads a password (terminal or stdin) and prints its scrypt hash. */
export async function hashPasswordCommand(io: CliIo): Promise<number> {
  const password = await readPassword(io);
  if (password.length < 8) throw new UsageError('The password is shorter than 8 characters.', 'Use a longer password (a device stores it; it does not have to be memorable).');
  const { hashPassword } = await import('@mailbridge/relay');
  const hash = await hashPassword(password);
  if (io.json) io.printJson({ ok: true, password: { scrypt: hash } });
  else {
    io.out(hash);
    io.err(io.colors.dim('Put it in the config as "password": {"scrypt": "<the line above>"}.'));
  }
  return 0;
}
