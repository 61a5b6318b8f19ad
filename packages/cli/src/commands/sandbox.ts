import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { shownPath } from '../files/shown-path.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { writeFlushed } from '../output/write-flushed.js';
import { seededConfigPath, writeSandboxConfig } from './sandbox-config-file.js';
import { commandLine, type DemoCommand, type DemoStepReport, runDemoCommand, runDemoCommandForJson } from './sandbox-demo.js';

const DEFAULT_CONFIG = 'mailbridge.sandbox.json';

/** The relay's status page, as `mailbridge relay` serves it (plain HTTP on loopback). */
const statusUrl = (address: { host: string; port: number }): string => `http://${address.host}:${address.port}/`;

/** `mailbridge sandbox …` as started, without --demo: the command that keeps the same sandbox running. */
function sandboxLine(options: Record<string, unknown>, configShown: string, seedShown: string | undefined, faults: string[]): string {
  const args = ['sandbox'];
  if (configShown !== DEFAULT_CONFIG) args.push('--write-config', configShown);
  if (seedShown) args.push('--seed', seedShown);
  for (const fault of faults) args.push('--fault', fault);
  if (typeof options.port === 'number' && options.port !== 0) args.push('--port', String(options.port));
  if (options.federated === true) args.push('--federated');
  return commandLine(args);
}

/** What the demo runs, for {@link printDemoJson}. */
interface DemoPlan {
  url: string;
  mailbox: string;
  config: string;
  steps: DemoCommand[];
  rehearsals: DemoCommand[];
  keepRunning: string;
}

/**
 * `sandbox --demo --json`: one document holding each command's own JSON document (stopping at the
 * first that fails, as the human demo does), then doctor's answer for each seeded app.
 */
async function printDemoJson(io: CliIo, globals: GlobalOptions, plan: DemoPlan): Promise<number> {
  const steps: DemoStepReport[] = [];
  for (const step of plan.steps) {
    const report = await runDemoCommandForJson(globals, step);
    steps.push(report);
    if (report.exitCode !== 0) {
      const error = (report.output as { error?: unknown } | null)?.error;
      io.printJson({ ok: false, url: plan.url, mailbox: plan.mailbox, config: plan.config, steps, ...(error ? { error } : {}) });
      return report.exitCode;
    }
  }
  // The seeded apps are rehearsals: what doctor says about each is the point, pass or fail.
  const rehearsals: DemoStepReport[] = [];
  for (const step of plan.rehearsals) rehearsals.push(await runDemoCommandForJson(globals, step));
  io.printJson({ ok: true, url: plan.url, mailbox: plan.mailbox, config: plan.config, steps, rehearsals, keepRunning: plan.keepRunning });
  return 0;
}

export async function sandboxCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  const { startSimulator, DEMO, loadSeedFile, compileSeedFile, parseFaultFlag, describeFault } = await import('@mailbridge/simulator');
  // `mailbridge --config X sandbox` writes X (a config that is not a sandbox's is never replaced without --force).
  const configPath = resolve(String(options.writeConfig ?? globals.config ?? DEFAULT_CONFIG));
  const port = typeof options.port === 'number' && Number.isInteger(options.port) ? options.port : 0;
  // The seed file and the --fault flags are checked before anything starts or is written.
  const seedPath = typeof options.seed === 'string' ? resolve(options.seed) : undefined;
  const faultFlags = Array.isArray(options.fault) ? options.fault.map(String) : [];
  const seed = compileSeedFile(seedPath ? await loadSeedFile(seedPath) : { apps: [], mailboxes: [], faults: [] });
  const faults = [...seed.faults, ...faultFlags.map((text, index) => parseFaultFlag(text, index))];

  const dataDir = resolve(dirname(configPath), '.mailbridge-sandbox');
  await mkdir(dataDir, { recursive: true });
  const simulator = await startSimulator({ port, dataDir, sendingLimits: true });
  const c = io.colors;
  let renew: NodeJS.Timeout | undefined;
  try {
    simulator.seed(seed.data);
    const federated = options.federated === true ? { subject: DEMO.federatedSubject, file: `${configPath.replace(/\.json$/, '')}.assertion` } : undefined;
    const force = options.force === true;
    const written = await writeSandboxConfig(simulator, configPath, { secret: DEMO.clientSecret, force, relayAndOutbox: true, ...(federated ? { federated } : {}) });
    const seeded = [];
    for (const app of seed.apps) {
      const path = seededConfigPath(configPath, app.name);
      await writeSandboxConfig(simulator, path, { secret: app.secret, clientId: app.clientId, transport: app.transport, mailbox: app.mailbox, secretExpiresAt: app.configSecretExpiresAt, force });
      seeded.push({ ...app, path, shown: shownPath(path) });
    }
    // The platform renews a projected token before it expires (an hour): so does the sandbox.
    renew = federated ? setInterval(() => void simulator.writeFederatedAssertionFile(federated.file, federated).catch(() => undefined), 20 * 60_000) : undefined;
    renew?.unref();
    // Faults last: nothing above may use one up.
    for (const fault of faults) simulator.inject(fault);

    const shown = shownPath(configPath);
    const withConfig = (path: string, ...args: string[]): DemoCommand => ['--config', path, ...args];
    const faultLines = faults.map((fault) => `  fault    ${describeFault(fault)}`);
    if (options.demo) {
      io.out(c.bold(`mailbridge sandbox: a local Microsoft 365 at ${simulator.url}, demo mailbox ${DEMO.mailbox}`));
      for (const line of faultLines) io.out(line);
      const steps: DemoCommand[] = [
        withConfig(shown, 'doctor', '--send-test', DEMO.mailbox),
        withConfig(shown, 'send', '--to', DEMO.mailbox, '--subject', 'Disk almost full on web-01', '--text', 'Free space on /var is 3%.'),
        withConfig(shown, 'receive', '--unread', '--limit', '10'),
      ];
      const keepRunning = sandboxLine(options, shown, seedPath && shownPath(seedPath), faultFlags);
      // Awaited here: the simulator must outlive the commands (the finally below closes it).
      if (io.json) return await printDemoJson(io, globals, { url: simulator.url, mailbox: DEMO.mailbox, config: configPath, steps, rehearsals: seeded.map((app) => withConfig(app.shown, 'doctor')), keepRunning });
      for (const step of steps) {
        io.out();
        const code = await runDemoCommand(io, globals, step);
        if (code !== 0) return code;
      }
      // The seeded apps are rehearsals: what doctor says about each is the point, pass or fail.
      for (const app of seeded) {
        io.out();
        await runDemoCommand(io, globals, withConfig(app.shown, 'doctor'));
      }
      io.out();
      io.out(`${c.green('The sandbox demo ran end to end.')} To try the commands above yourself, keep a sandbox running with \`${keepRunning}\` and run them in another terminal.`);
      return 0;
    }
    const tries: DemoCommand[] = [
      withConfig(shown, 'doctor'),
      withConfig(shown, 'send', '--to', DEMO.mailbox, '--subject', 'Hello', '--text', 'It works'),
      withConfig(shown, 'receive', '--unread'),
      withConfig(shown, 'token'),
      withConfig(shown, 'relay'),
      ...seeded.map((app) => withConfig(app.shown, 'doctor')),
    ];
    const relay = written.relay;
    // Listening for Ctrl-C before saying it is ready: a script that stops it as soon as it reads the
    // report still gets a clean stop (simulator closed, exit 0).
    const stopped = new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    if (io.json) {
      // One document, on one line (`read` takes it whole), flushed while the sandbox keeps running.
      // Addresses and paths only: the secret, the federated assertion and the admin key stay in their files.
      const report = {
        ok: true,
        url: simulator.url,
        endpoints: { authorityHost: simulator.authorityHost, graph: simulator.graphUrl, ews: simulator.ewsUrl },
        caFile: simulator.caFile,
        tenant: { id: DEMO.tenantId, domain: DEMO.domain },
        app: { clientId: DEMO.clientId },
        mailbox: DEMO.mailbox,
        config: configPath,
        ...(federated ? { federatedAssertionFile: resolve(federated.file) } : {}),
        ...(relay ? { relay: { smtp: relay.smtp, status: { ...relay.status, url: statusUrl(relay.status) } } } : {}),
        ...(written.outboxDir ? { outbox: { dir: written.outboxDir } } : {}),
        apps: seeded.map((app) => ({ name: app.name, clientId: app.clientId, transport: app.transport, mailbox: app.mailbox, config: app.path })),
        faults: faults.map((fault) => describeFault(fault)),
        try: tries.map((args) => commandLine(args)),
      };
      await writeFlushed(io.stdout, `${JSON.stringify(report)}\n`);
    }
    io.out(c.bold(`mailbridge sandbox is running at ${simulator.url}`));
    io.out(`  tenant   ${DEMO.tenantId} (${DEMO.domain})`);
    io.out(`  app      ${DEMO.clientId}`);
    io.out(`  mailbox  ${DEMO.mailbox}`);
    io.out(`  config   ${shown}${federated ? ` (federated assertion file ${shownPath(federated.file)}, renewed every 20 minutes)` : ''}`);
    if (relay) io.out(`  relay    SMTP on ${relay.smtp.host}:${relay.smtp.port} (no TLS, no auth), status page ${statusUrl(relay.status)} while \`${commandLine(withConfig(shown, 'relay'))}\` runs`);
    for (const app of seeded) io.out(`  app      ${app.name} (${app.clientId}, ${app.transport}, ${app.mailbox}): ${app.shown}`);
    for (const line of faultLines) io.out(line);
    io.out();
    io.out('Try, in another terminal:');
    for (const args of tries) io.out(`  ${c.cyan(commandLine(args))}`);
    io.out();
    io.out(c.dim('Press Ctrl+C to stop.'));
    await stopped;
    return 0;
  } finally {
    if (renew) clearInterval(renew);
    await simulator.close();
  }
}
