#!/usr/bin/env node
// Peak memory while sending a 100 MB attachment through the Graph adapter (draft + upload session,
// read from disk in 3.75 MB ranges into one reused buffer). Each send runs in a fresh child process
// whose resident set is sampled from /proc (and its VmHWM read at the end); the baseline is the same
// child, idle, after its imports, token and first request. The simulator (which stores the
// attachment) runs in the parent, so its memory is not counted. Target: peak < 150 MB RSS. A second
// figure compares the growth for 150 MB (Graph's largest) with 15 MB: flat memory gives ≈ 1. A
// third separates the upload's own memory from V8's one-time compile of undici's HTTP parser.
// Run after `pnpm build`.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { statusField } from './lib/proc-status.mjs';

const SIZE_MB = Number(process.env.BENCH_ATTACHMENT_MB ?? 100);
const MB = 1024 * 1024;

if (process.argv.includes('--child')) {
  // ---- child: only the adapter and core live here -------------------------------------------
  const { graphServices } = await import('./lib/graph-support.mjs');
  const coordinates = JSON.parse(process.env.BENCH_COORDINATES);
  const { transport, http } = graphServices(coordinates);
  await transport.probe(); // token, TLS session, code paths warm
  global.gc?.();
  process.stdout.write(`${JSON.stringify({ phase: 'ready', rss: statusField(process.pid, 'VmRSS') })}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const started = Date.now();
  const result = await transport.send({
    to: [coordinates.recipient],
    subject: `memory ${SIZE_MB} MB`,
    text: 'large attachment',
    attachments: [{ filename: 'big.bin', content: { path: coordinates.file } }],
  });
  process.stdout.write(`${JSON.stringify({ phase: 'done', ms: Date.now() - started, hwm: statusField(process.pid, 'VmHWM'), rss: statusField(process.pid, 'VmRSS'), internetMessageId: result.internetMessageId })}\n`);
  await transport.close();
  await http.close();
  process.exit(0);
}

// ---- parent: simulator, files, sampling -------------------------------------------------------
const { startSimulator, DEMO } = await import('../packages/simulator/dist/index.js');
const { createTempDir, generateFile } = await import('../packages/core/dist/testing/index.js');
const { printResults } = await import('./lib/report.mjs');

/** Sends one attachment of `sizeMb` from a fresh child process; resolves to its idle and peak RSS and the send time. */
async function measure(sim, temp, sizeMb, v8Flags = []) {
  const file = await generateFile(temp.dir, `big-${sizeMb}.bin`, sizeMb * MB);
  const coordinates = { graphUrl: sim.graphUrl, caFile: sim.caFile, config: sim.config({ transport: 'graph' }), file: file.path, recipient: DEMO.secondMailbox };
  const child = spawn(process.execPath, [...v8Flags, '--expose-gc', fileURLToPath(import.meta.url), '--child'], {
    env: { ...process.env, BENCH_COORDINATES: JSON.stringify(coordinates), BENCH_ATTACHMENT_MB: String(sizeMb) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const messages = [];
  let sampler;
  let peakSampled = 0;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for await (const line of lines) {
    const message = JSON.parse(line);
    messages.push(message);
    if (message.phase === 'ready') {
      sampler = setInterval(() => {
        peakSampled = Math.max(peakSampled, statusField(child.pid, 'VmRSS') ?? 0);
      }, 5);
      child.stdin.write('go\n');
    }
    if (message.phase === 'done') break;
  }
  clearInterval(sampler);
  const code = await exited;
  const ready = messages.find((message) => message.phase === 'ready');
  const done = messages.find((message) => message.phase === 'done');
  if (code !== 0 || !done) throw new Error(`the child failed (exit ${code})`);
  const delivered = sim.deliveries(done.internetMessageId).mailboxes.filter((copy) => copy.folder === 'inbox').length;
  const stored = sim.messages(DEMO.secondMailbox, 'inbox').find((m) => m.internetMessageId === done.internetMessageId);
  if (delivered !== 1 || stored?.attachments[0]?.size !== file.size) throw new Error('the attachment did not arrive intact');
  await rm(file.path, { force: true });
  return { idle: ready.rss / MB, peak: Math.max(peakSampled, done.hwm ?? 0) / MB, seconds: done.ms / 1000 };
}

const sim = await startSimulator();
const temp = await createTempDir();
try {
  // The main figure, then the documented largest attachment against a small one: memory that grew
  // with the attachment would show as a ratio well above 1.
  const main = await measure(sim, temp, SIZE_MB);
  const largest = await measure(sim, temp, 150);
  const small = await measure(sim, temp, 15);
  // Most of the growth is V8 compiling undici's HTTP parser (llhttp, WebAssembly) with its
  // optimizing compiler once enough responses went through it, a one-time cost of any process that
  // makes requests. With --liftoff-only that compile does not happen: what remains is the upload's own.
  const own = await measure(sim, temp, SIZE_MB, ['--liftoff-only']);
  printResults('graph-attachment-memory', [
    {
      figure: `peak RSS (MB) sending a ${SIZE_MB} MB attachment (${main.seconds.toFixed(1)} s)`,
      value: main.peak,
      baseline: main.idle,
      baselineName: 'same process idle (MB)',
      lowerIsBetter: true,
      target: 'peak < 150 MB',
    },
    {
      figure: 'peak RSS growth over idle (MB), 150 MB attachment',
      value: largest.peak - largest.idle,
      baseline: small.peak - small.idle,
      baselineName: 'same, 15 MB attachment',
      lowerIsBetter: true,
      target: 'ratio ≈ 1 (flat)',
    },
    {
      figure: `peak RSS growth (MB), ${SIZE_MB} MB, node --liftoff-only`,
      value: own.peak - own.idle,
      baseline: main.peak - main.idle,
      baselineName: 'same, default V8 (MB)',
      lowerIsBetter: true,
    },
  ]);
} finally {
  await temp.remove();
  await sim.close();
}
