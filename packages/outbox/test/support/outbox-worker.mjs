// A delivery worker in its own process, for the crash and fleet tests: runs the built package
// (`pnpm build` first) on a config file until SIGTERM/SIGINT, reporting each outcome on stdout.
import { createOutbox } from '../../dist/index.js';

const [configPath, leaseMs, limitsJson] = process.argv.slice(2);
const outbox = await createOutbox(configPath, {
  leaseMs: Number(leaseMs || 30_000),
  pollIntervalMs: 20,
  ...(limitsJson ? { limits: JSON.parse(limitsJson) } : {}),
});
outbox.on('delivered', (event) => process.stdout.write(`delivered ${event.id} ${event.recovered ? 'recovered' : 'sent'}\n`));
outbox.on('failed', (event) => process.stdout.write(`failed ${event.id} ${event.error.code}\n`));
outbox.on('held', (event) => process.stdout.write(`held ${event.id}\n`));
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await outbox.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await outbox.start();
process.stdout.write('started\n');

// With OUTBOX_WORKER_ENQUEUE={from,count,tag,to}: this process also enqueues, one message at a time
// with short pauses (so its own workers are often idle and take the message over at once), and
// prints `enqueued N MESSAGE-ID` once each enqueue has resolved (the message is accepted).
if (process.env.OUTBOX_WORKER_ENQUEUE) {
  const { from, count, tag, to } = JSON.parse(process.env.OUTBOX_WORKER_ENQUEUE);
  const [, domain] = outbox.mailbox.split('@');
  for (let i = from; i < from + count && !stopping; i++) {
    const internetMessageId = `<${tag}-${i}@${domain}>`;
    await outbox.enqueue({ to: [to], subject: `${tag} ${i}`, text: `message ${i}`, internetMessageId });
    process.stdout.write(`enqueued ${i} ${internetMessageId}\n`);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 30)));
  }
}
