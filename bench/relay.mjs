#!/usr/bin/env node
// The SMTP relay (@mailbridge/relay), three figures against baselines measured in the same run:
// 1. accepted messages/s: 10 concurrent SMTP clients (nodemailer, one connection each) sending 20 KB
//    messages into the relay with a file outbox (durable: fsync'd before each 250), against the same
//    clients and a bare smtp-server that discards each message. Target ratio ≥ 0.5.
// 2. peak RSS of a relay process accepting and delivering one 30 MB message into the simulator (in
//    the parent), as growth over the same process idle, against the message size. Target < 2.5.
// 3. accept-to-delivered latency of one small message with an idle outbox, against a direct library
//    send() of the same message. Target ratio ≤ 2.
// Short by default (seconds); BENCH_RELAY_MESSAGES raises the throughput run, BENCH_RELAY_ONLY=memory
// (or throughput, latency) runs one part, BENCH_RELAY_TRANSPORT=ews delivers the big message over EWS. Run after `pnpm build`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { statusField } from './lib/proc-status.mjs';

const require = createRequire(new URL('../packages/relay/package.json', import.meta.url));
const nodemailer = require('nodemailer');
const MB = 1024 * 1024;
const BIG_MB = Number(process.env.BENCH_RELAY_BIG_MB ?? 30);
const ONLY = process.env.BENCH_RELAY_ONLY;
// The memory run delivers over Graph; BENCH_RELAY_TRANSPORT=ews measures the EWS adapter instead.
const MEMORY_TRANSPORT = process.env.BENCH_RELAY_TRANSPORT ?? 'graph';
const runs = (part) => !ONLY || ONLY === part;

const { parseConfig, createTransport } = await import('../packages/core/dist/index.js');
const { createRelay } = await import('../packages/relay/dist/index.js');
const { createOutbox } = await import('../packages/outbox/dist/index.js');

if (process.argv.includes('--child')) {
  // ---- child: one relay with its outbox, delivering into the parent's simulator -----------------
  const coordinates = JSON.parse(process.env.BENCH_COORDINATES);
  const config = parseConfig({ ...coordinates.config, outbox: { store: { type: 'file', dir: coordinates.dir } }, relay: { listen: [{ host: '127.0.0.1', port: 0 }], maxMessageBytes: 40 * MB } }).config;
  const transport = await createTransport(config, { adapters: { graph: () => import('../packages/graph-adapter/dist/index.js'), ews: () => import('../packages/ews-adapter/dist/index.js') } });
  await transport.probe();
  const outbox = await createOutbox(config, { transport, pollIntervalMs: 50 });
  const relay = await createRelay(config, { outbox });
  relay.on('accepted', () => process.stdout.write(`${JSON.stringify({ phase: 'accepted', hwm: statusField(process.pid, 'VmHWM') })}\n`));
  relay.on('delivered', (event) => process.stdout.write(`${JSON.stringify({ phase: 'delivered', id: event.id, hwm: statusField(process.pid, 'VmHWM') })}\n`));
  global.gc?.();
  process.stdout.write(`${JSON.stringify({ phase: 'ready', port: relay.listeners[0].port, rss: statusField(process.pid, 'VmRSS') })}\n`);
  process.stdin.once('data', async () => {
    await relay.close();
    process.exit(0);
  });
} else {
  const { printResults, median } = await import('./lib/report.mjs');
  const { startSimulator, DEMO } = await import('../packages/simulator/dist/index.js');
  const { SMTPServer } = require('smtp-server');
  const dir = await mkdtemp(join(tmpdir(), 'bench-relay-'));

  /** 10 clients, one connection each, `total` messages of 20 KB; messages/s. */
  async function throughput(port, total) {
    const body = 'x'.repeat(76) + '\r\n';
    const text = body.repeat(Math.ceil(20_000 / body.length));
    const clients = Array.from({ length: 10 }, () => nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity }));
    let next = 0;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (next < total) {
          const i = next++;
          await client.sendMail({ from: DEMO.mailbox, to: DEMO.secondMailbox, subject: `bench ${i}`, text });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const client of clients) client.close();
    return total / seconds;
  }

  const simulator = await startSimulator();
  const simConfig = simulator.config({ transport: 'graph' });
  const rows = [];
  try {
    // ---- 1. throughput ------------------------------------------------------------------------
    if (runs('throughput')) {
      const total = Number(process.env.BENCH_RELAY_MESSAGES ?? 300);
      const bare = new SMTPServer({
        authOptional: true,
        disableReverseLookup: true,
        logger: false,
        onData(stream, _session, callback) {
          stream.resume();
          stream.on('end', () => callback());
        },
      });
      await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
      const config = parseConfig({ ...simConfig, outbox: { store: { type: 'file', dir: join(dir, 'throughput') } }, relay: { listen: [{ host: '127.0.0.1', port: 0 }], connectionsPerMinute: 100_000 } }).config;
      const outbox = await createOutbox(config);
      // Acceptance only: the workers are not started, so delivery does not share the CPU.
      const relay = await createRelay(config, { outbox, startOutbox: false });
      await throughput(bare.server.address().port, 50); // warm-up
      await throughput(relay.listeners[0].port, 50);
      const bareRate = await throughput(bare.server.address().port, total);
      const relayRate = await throughput(relay.listeners[0].port, total);
      await relay.close();
      await new Promise((resolve) => bare.close(resolve));
      rows.push({ figure: `accepted msg/s, 10 clients, 20 KB, file outbox (${total} msgs)`, value: relayRate, baseline: bareRate, baselineName: 'bare smtp-server, discarding', target: 'ratio >= 0.5' });
    }

    // ---- 3. latency (before the big message, with a fresh idle outbox) -------------------------
    if (runs('latency')) {
      const latConfig = parseConfig({ ...simConfig, outbox: { store: { type: 'file', dir: join(dir, 'latency') } }, relay: { listen: [{ host: '127.0.0.1', port: 0 }] } }).config;
      const direct = await createTransport(latConfig, { adapters: { graph: () => import('../packages/graph-adapter/dist/index.js') } });
      await direct.probe();
      const latOutbox = await createOutbox(latConfig, { transport: direct });
      const latRelay = await createRelay(latConfig, { outbox: latOutbox, closeOutbox: true });
      const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: latRelay.listeners[0].port, ignoreTLS: true });
      const relayed = [];
      const directMs = [];
      for (let i = 0; i < 12; i++) {
        const message = { from: DEMO.mailbox, to: DEMO.secondMailbox, subject: `latency ${i}`, text: 'a small alert' };
        const done = new Promise((resolve) => {
          const onDelivered = (event) => {
            latRelay.off('delivered', onDelivered);
            resolve(event.acceptToDeliveredMs);
          };
          latRelay.on('delivered', onDelivered);
        });
        await smtp.sendMail(message);
        relayed.push(await done);
        const started = performance.now();
        await direct.send({ to: [DEMO.secondMailbox], subject: message.subject, text: message.text });
        directMs.push(performance.now() - started);
      }
      // Attribution: the same outbox without SMTP in front (enqueue → delivered).
      const outboxOnly = [];
      for (let i = 0; i < 12; i++) {
        const started = performance.now();
        const done = new Promise((resolve) => {
          const onDelivered = () => {
            latOutbox.off('delivered', onDelivered);
            resolve(performance.now() - started);
          };
          latOutbox.on('delivered', onDelivered);
        });
        await latOutbox.enqueue({ to: [DEMO.secondMailbox], subject: `outbox only ${i}`, text: 'a small alert' });
        outboxOnly.push(await done);
      }
      smtp.close();
      await latRelay.close();
      rows.push({ figure: 'outbox alone: enqueue-to-delivered (ms, median of 12)', value: median(outboxOnly.slice(2)), baseline: median(directMs.slice(2)), baselineName: 'direct send() (ms)', lowerIsBetter: true });
      rows.push({ figure: 'accept-to-delivered latency, idle outbox (ms, median of 12)', value: median(relayed.slice(2)), baseline: median(directMs.slice(2)), baselineName: 'direct send() (ms)', lowerIsBetter: true, target: 'ratio <= 2' });
    }

    // ---- 2. memory of a 30 MB message ----------------------------------------------------------
    if (runs('memory')) {
      const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child'], {
        env: { ...process.env, BENCH_COORDINATES: JSON.stringify({ config: MEMORY_TRANSPORT === 'ews' ? simulator.config({ transport: 'ews' }) : simConfig, dir: join(dir, 'memory') }) },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = createInterface({ input: child.stdout });
      const iterator = lines[Symbol.asyncIterator]();
      const ready = JSON.parse((await iterator.next()).value);
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, statusField(child.pid, 'VmRSS') ?? 0)), 5);
      const attachment = Buffer.alloc(Math.round(BIG_MB * MB * 0.74), 7); // base64 makes it ~BIG_MB on the wire
      const big = nodemailer.createTransport({ host: '127.0.0.1', port: ready.port, ignoreTLS: true });
      const started = performance.now();
      const info = await big.sendMail({
        envelope: { from: DEMO.mailbox, to: ['big@fabrikam.example'] },
        from: DEMO.mailbox,
        to: 'big@fabrikam.example',
        subject: 'big',
        text: 'big',
        attachments: [{ filename: 'big.bin', content: attachment }],
      });
      big.close();
      const accepted = JSON.parse((await iterator.next()).value);
      const delivered = JSON.parse((await iterator.next()).value);
      clearInterval(sampler);
      const seconds = (performance.now() - started) / 1000;
      child.stdin.write('stop\n');
      await new Promise((resolve) => child.once('exit', resolve));
      const wireBytes = info.messageSize ?? attachment.length / 0.74;
      const peakBytes = Math.max(peak, delivered.hwm ?? 0);
      rows.push({
        figure: `peak RSS growth (MB), relaying a ${(wireBytes / MB).toFixed(0)} MB message (${seconds.toFixed(1)} s)`,
        value: (peakBytes - ready.rss) / MB,
        baseline: wireBytes / MB,
        baselineName: 'message size (MB)',
        lowerIsBetter: true,
        target: 'ratio < 2.5',
      });
      rows.push({ figure: 'of which: peak RSS growth (MB) until the 250 (SMTP + parse + durable enqueue)', value: (accepted.hwm - ready.rss) / MB, baseline: wireBytes / MB, baselineName: 'message size (MB)', lowerIsBetter: true });
      rows.push({ figure: 'peak RSS (MB) of that relay process', value: peakBytes / MB, baseline: ready.rss / MB, baselineName: 'same process idle (MB)', lowerIsBetter: true });
    }
  } finally {
    await simulator.close();
    await rm(dir, { recursive: true, force: true });
  }
  printResults('relay', rows);
  process.exit(0);
}
