import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import * as outboxPackage from '../src/index.js';
import { type OutboxTestBed, RECIPIENT, startOutboxTestBed } from './support/outbox-test-bed.js';

let bed: OutboxTestBed;
beforeEach(async () => {
  bed = await startOutboxTestBed();
});
afterEach(async () => {
  await bed.cleanup();
});

/** The README's example, run as written (config path and recipient pointed at the simulator). */
test('the README example runs: enqueue, start, status, close', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const example = /<!-- the example below is run by test\/readme-example\.test\.ts -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  const configPath = join(bed.dir, 'mailbridge.json');
  await writeFile(configPath, JSON.stringify(bed.config()));
  const body = example!
    .replace(/^import .*$/m, '')
    .replace("'./mailbridge.json'", JSON.stringify(configPath))
    .replace("'oncall@contoso.com'", JSON.stringify(RECIPIENT))
    .replace('await outbox.start();', "await outbox.start(); await new Promise((resolve) => outbox.on('delivered', resolve));");
  const logs: unknown[][] = [];
  const console = { log: (...args: unknown[]) => logs.push(args), error: (...args: unknown[]) => logs.push(args), warn: (...args: unknown[]) => logs.push(args) };
  const run = new Function('createOutbox', 'console', `return (async () => {${body}\nreturn { id, internetMessageId };})();`) as (
    create: typeof outboxPackage.createOutbox,
    c: typeof console,
  ) => Promise<{ id: string; internetMessageId: string }>;
  const { internetMessageId } = await run(outboxPackage.createOutbox, console);
  expect(bed.simulator.deliveries(internetMessageId).mailboxes.filter((m) => m.folder === 'inbox')).toHaveLength(1);
  expect(logs.find((line) => line[0] === 'delivered')).toBeDefined();
  expect(logs.at(-1)?.[0]).toMatchObject({ delivered24h: 1, queued: 0 });
});
