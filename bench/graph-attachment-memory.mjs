#!/usr/bin/env node
// Peak memory while sending a 100 MB attachment through the Graph adapter (draft + upload session,
// streamed from disk in 3.75 MB ranges). The send runs in a child process whose resident set is
// sampled from /proc (and its VmHWM read at the end); the baseline is the same child, idle, after
// its imports, token and first request. The simulator (which stores the 100 MB) runs in the parent,
// so its memory is not counted. Target: peak < 150 MB RSS. Run after `pnpm build`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SIZE_MB = Number(process.env.BENCH_ATTACHMENT_MB ?? 100);
const MB = 1024 * 1024;

function statusField(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

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
  process.stdout.write(
    `${JSON.stringify({ phase: 'done', ms: Date.now() - started, hwm: statusField(process.pid, 'VmHWM'), rss: statusField(process.pid, 'VmRSS'), internetMessageId: result.internetMessageId })}\n`,
  );
  await transport.close();
  await http.close();
  process.exit(0);
}

// ---- parent: simulator, file, sampling ---------------------------------------------------------
const { startSimulator, DEMO } = await import('../packages/simulator/dist/index.js');
const { createTempDir, generateFile } = await import('../packages/core/dist/testing/index.js');
const { printResults } = await import('./lib/report.mjs');

const sim = await startSimulator();
const temp = await createTempDir();
try {
  const file = await generateFile(temp.dir, 'big.bin', SIZE_MB * MB);
  const coordinates = { graphUrl: sim.graphUrl, caFile: sim.caFile, config: sim.config({ transport: 'graph' }), file: file.path, recipient: DEMO.secondMailbox };
  const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child'], {
    env: { ...process.env, BENCH_COORDINATES: JSON.stringify(coordinates) },
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
  const peak = Math.max(peakSampled, done.hwm ?? 0);
  printResults('graph-attachment-memory', [
    {
      figure: `peak RSS (MB) sending a ${SIZE_MB} MB attachment (${(done.ms / 1000).toFixed(1)} s)`,
      value: peak / MB,
      baseline: ready.rss / MB,
      baselineName: 'same process idle (MB)',
      lowerIsBetter: true,
      target: 'peak < 150 MB',
    },
  ]);
} finally {
  await temp.remove();
  await sim.close();
}
