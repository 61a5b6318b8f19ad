// One relay in its own process, for the fleet test: the built package (`pnpm build` first) on a
// config file, with its own delivery workers on the config's outbox, until SIGTERM. It reports
// `listening PORT`, then one line per accepted, delivered and failed message on stdout.
import { loadConfig } from '@mailbridge/core';
import { createOutbox } from '@mailbridge/outbox';
import { createRelay } from '../../dist/index.js';

const [configPath, limitsJson] = process.argv.slice(2);
const write = (line) => process.stdout.write(`${line}\n`);
const loaded = await loadConfig({ path: configPath });
const outbox = await createOutbox(loaded, { pollIntervalMs: 20, ...(limitsJson ? { limits: JSON.parse(limitsJson) } : {}) });
const relay = await createRelay(loaded.config, { outbox });
relay.on('accepted', (event) => write(`accepted ${event.id} ${event.internetMessageId}`));
relay.on('delivered', (event) => write(`delivered ${event.id} ${event.internetMessageId}`));
relay.on('failed', (event) => write(`failed ${event.id} ${event.error.code}`));
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await relay.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
write(`listening ${relay.listeners[0].port}`);
