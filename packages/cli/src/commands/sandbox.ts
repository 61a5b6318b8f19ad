import { lstat, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, relative, resolve } from 'node:path';
import { readBoundedFile } from '@mailbridge/core';
import { writeNewFile } from '../files/write-new-file.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { doctorCommand } from './doctor.js';
import { receiveCommand } from './receive.js';
import { sendCommand } from './send.js';

/**
 * True when `path` holds a config an earlier `mailbridge sandbox` wrote (its endpoints on loopback):
 * that one is replaced freely, as the port changes at every start. Anything else — a production
 * config, a symbolic link — is only replaced with --force.
 */
async function isSandboxConfig(path: string): Promise<boolean> {
  try {
    if ((await lstat(path)).isSymbolicLink()) return false;
    const text = (await readBoundedFile(path, { maxBytes: 64 * 1024, timeoutMs: 1_000 })).toString('utf8');
    const authorityHost = (JSON.parse(text) as { endpoints?: { authorityHost?: unknown } }).endpoints?.authorityHost;
    return typeof authorityHost === 'string' && /^https:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(authorityHost);
  } catch {
    return false;
  }
}

/** A port free on loopback now (the relay and its status page bind it when they start). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Writes the sandbox config: the simulator's endpoints and CA, the demo app's secret in a 0600 file beside it. */
async function writeSandboxConfig(
  simulator: { config(options?: Record<string, unknown>): Record<string, unknown>; writeFederatedAssertionFile(path: string, options: { subject: string }): Promise<string> },
  configPath: string,
  secret: string,
  transport: 'graph' | 'ews',
  force: boolean,
  federated?: { subject: string; file: string },
): Promise<void> {
  const folder = dirname(configPath);
  await mkdir(folder, { recursive: true });
  const replace = force || (await isSandboxConfig(configPath));
  const secretFile = `${configPath.replace(/\.json$/, '')}.secret`;
  const config = simulator.config({ transport });
  const auth = { ...(config.auth as Record<string, unknown>) };
  auth.clientSecret = { file: `./${relative(folder, secretFile)}` };
  auth.secretExpiresAt ??= new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  if (federated) {
    // Workload identity rehearsed: a token file as Kubernetes projects it, accepted by the demo app's federated credential.
    await simulator.writeFederatedAssertionFile(federated.file, federated);
    delete auth.clientSecret;
    delete auth.secretExpiresAt;
    auth.clientAssertionFile = `./${relative(folder, federated.file)}`;
  }
  // `mailbridge relay --config F` relays into the simulator: loopback, no TLS, no auth, a file outbox beside F.
  const relay = { listen: [{ host: '127.0.0.1', port: await freeLoopbackPort(), tls: 'none' }], status: { host: '127.0.0.1', port: await freeLoopbackPort() } };
  const outbox = { store: { type: 'file', dir: `./${relative(folder, `${configPath.replace(/\.json$/, '')}-outbox`)}` } };
  // The config first: refusing to replace it leaves nothing half written.
  await writeNewFile(configPath, `${JSON.stringify({ $schema: 'https://unpkg.com/@mailbridge/core/schema/mailbridge.schema.json', ...config, auth, outbox, relay }, null, 2)}\n`, { mode: 0o600, replace });
  const sameSecret = await readBoundedFile(secretFile, { maxBytes: 1024, timeoutMs: 1_000 }).then(
    (bytes) => bytes.toString('utf8') === `${secret}\n`,
    () => false,
  );
  const secretIsLink = await lstat(secretFile).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
  if (!federated) await writeNewFile(secretFile, `${secret}\n`, { mode: 0o600, replace: replace || (sameSecret && !secretIsLink) });
}

export async function sandboxCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const { startSimulator, DEMO } = await import('@mailbridge/simulator');
  const configPath = resolve(String(options.writeConfig ?? 'mailbridge.sandbox.json'));
  const port = typeof options.port === 'number' && Number.isInteger(options.port) ? options.port : 0;
  const dataDir = resolve(dirname(configPath), '.mailbridge-sandbox');
  await mkdir(dataDir, { recursive: true });
  const simulator = await startSimulator({ port, dataDir, sendingLimits: true });
  const c = io.colors;
  let renew: NodeJS.Timeout | undefined;
  try {
    const federated = options.federated === true ? { subject: DEMO.federatedSubject, file: `${configPath.replace(/\.json$/, '')}.assertion` } : undefined;
    await writeSandboxConfig(simulator, configPath, DEMO.clientSecret, 'graph', options.force === true, federated);
    // The platform renews a projected token before it expires (an hour): so does the sandbox.
    renew = federated ? setInterval(() => void simulator.writeFederatedAssertionFile(federated.file, federated).catch(() => undefined), 20 * 60_000) : undefined;
    renew?.unref();
    const shown = relative(process.cwd(), configPath) || configPath;
    if (options.demo) {
      const demoGlobals: GlobalOptions = { ...globals, config: configPath };
      io.out(c.bold(`mailbridge sandbox: a local Microsoft 365 at ${simulator.url}, demo mailbox ${DEMO.mailbox}`));
      io.out();
      io.out(c.bold('$ mailbridge doctor'));
      let code = await doctorCommand(io, demoGlobals, { sendTest: DEMO.mailbox });
      if (code !== 0) return code;
      io.out();
      io.out(c.bold(`$ mailbridge send --to ${DEMO.mailbox} --subject "Disk almost full on web-01"`));
      code = await sendCommand(io, demoGlobals, { to: [DEMO.mailbox], subject: 'Disk almost full on web-01', text: 'Free space on /var is 3%.', save: true });
      if (code !== 0) return code;
      io.out();
      io.out(c.bold('$ mailbridge receive --unread'));
      code = await receiveCommand(io, demoGlobals, { folder: 'inbox', unread: true, limit: 10 });
      if (code !== 0) return code;
      io.out();
      io.out(c.green('The sandbox demo ran end to end.') + ` Run \`mailbridge sandbox\` to keep the simulator running and try the commands yourself.`);
      return 0;
    }
    io.out(c.bold(`mailbridge sandbox is running at ${simulator.url}`));
    io.out(`  tenant   ${DEMO.tenantId} (${DEMO.domain})`);
    io.out(`  app      ${DEMO.clientId}`);
    io.out(`  mailbox  ${DEMO.mailbox}`);
    io.out(`  config   ${shown}${federated ? ` (federated assertion file ${relative(process.cwd(), federated.file)}, renewed every 20 minutes)` : ''}`);
    io.out();
    io.out('Try, in another terminal:');
    for (const command of ['doctor', `send --to ${DEMO.mailbox} --subject "Hello" --text "It works"`, 'receive --unread', 'token', 'relay']) {
      io.out(`  ${c.cyan(`mailbridge --config ${shown} ${command}`)}`);
    }
    io.out();
    io.out(c.dim('Press Ctrl+C to stop.'));
    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } finally {
    if (renew) clearInterval(renew);
    await simulator.close();
  }
}
