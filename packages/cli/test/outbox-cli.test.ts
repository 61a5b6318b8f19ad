import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';

describe('mailbridge send --queue and mailbridge outbox', () => {
  let sim: Simulator;
  let dir: ReturnType<typeof tempDir>;
  let configPath: string;
  beforeAll(async () => {
    sim = await startSimulator();
    dir = tempDir();
    configPath = dir.write('mailbridge.json', { ...sim.config({ transport: 'graph' }), outbox: { store: { type: 'file', dir: 'spool' } } });
  });
  afterAll(async () => {
    await sim.close();
    dir.cleanup();
  });
  const cli = (...args: string[]) => runCli(['--config', configPath, ...args]);

  it('queues durably, lists, shows, delivers with `outbox work` until SIGTERM (exit 0), and reports', { timeout: 180_000 }, async () => {
    const queued = await cli('send', '--queue', '--to', DEMO.secondMailbox, '--subject', 'queued alarm', '--text', 'disk full', '--importance', 'high', '--json');
    expect(queued.code).toBe(0);
    const { id, internetMessageId } = queued.json<{ ok: boolean; queued: boolean; id: string; internetMessageId: string }>();
    expect(queued.json()).toMatchObject({ ok: true, queued: true, store: 'file', mailbox: DEMO.mailbox });
    // Nothing sent yet: it waits in the spool.
    expect(sim.deliveries(internetMessageId).mailboxes).toEqual([]);

    const status = await cli('outbox', 'status', '--json');
    expect(status.json()).toMatchObject({ ok: true, store: 'file', queued: 1, inFlight: 0, failed: 0 });
    const list = await cli('outbox', 'list', '--state', 'queued', '--json');
    expect(list.json().messages).toEqual([expect.objectContaining({ id, state: 'queued', subject: 'queued alarm', importance: 'high' })]);
    const human = await cli('outbox', 'list');
    expect(human.stdout).toContain(id);

    // The worker: runs until SIGTERM, then exits 0 after the send in flight.
    const worker = spawn(process.execPath, [BIN, '--config', configPath, 'outbox', 'work', '--json'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    worker.stdout.on('data', (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    const until = Date.now() + 60_000;
    while (!out.includes('"event":"delivered"') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    const events = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; id?: string });
    expect(events.map((e) => e.event)).toEqual(['started', 'delivered', 'stopped']);
    expect(events[1]).toMatchObject({ id, internetMessageId });
    expect(sim.deliveries(internetMessageId).mailboxes.filter((m) => m.folder === 'inbox')).toHaveLength(1);

    const show = await cli('outbox', 'show', id, '--json');
    expect(show.json()).toMatchObject({ ok: true, message: { id, state: 'delivered', attempts: 1 } });
    const after = await cli('outbox', 'status');
    expect(after.stdout).toMatch(/delivered \(24 h\)\s+1/);
  });

  it('refuses bad input at once (exit 2), and unknown ids with OUTBOX_NOT_FOUND (exit 1)', { timeout: 120_000 }, async () => {
    const bad = await cli('send', '--queue', '--to', 'not-an-address', '--subject', 'x', '--text', 'x', '--json');
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    for (const command of ['show', 'retry', 'drop']) {
      const missing = await cli('outbox', command, 'nope', '--json');
      expect(missing.code).toBe(1);
      expect(missing.json()).toMatchObject({ ok: false, error: { code: 'OUTBOX_NOT_FOUND' } });
    }
    const state = await cli('outbox', 'list', '--state', 'lost', '--json');
    expect(state.code).toBe(2);
  });

  it('doctor reports the outbox (store, backlog, held, failed, budget)', async () => {
    const doctor = await cli('doctor', '--json');
    const check = doctor.json().checks.find((c: { id: string }) => c.id === 'outbox');
    expect(check).toMatchObject({ status: 'pass' });
    expect(check.message).toMatch(/file outbox is reachable: 0 queued.*1 delivered in 24 h/);
  });

  it('doctor fails the outbox check when the store cannot be reached', async () => {
    const broken = dir.write('broken.json', { ...sim.config({ transport: 'graph' }), outbox: { store: { type: 'file', dir: join(configPath, 'not-a-folder') } } });
    const doctor = await runCli(['--config', broken, 'doctor', '--json']);
    const check = doctor.json().checks.find((c: { id: string }) => c.id === 'outbox');
    expect(check).toMatchObject({ status: 'fail', code: 'OUTBOX_STORE_UNAVAILABLE' });
    expect(doctor.code).toBe(1);
  });
});
