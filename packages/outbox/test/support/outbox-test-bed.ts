import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailbridgeConfigInput } from '@mailbridge/core';
import { DEMO, type Simulator, type SimulatorOptions, startSimulator } from '@mailbridge/simulator';

/** A simulator, a spool folder, and a config of both (Graph or EWS), for outbox tests. */
export interface OutboxTestBed {
  simulator: Simulator;
  dir: string;
  config(overrides?: { transport?: 'graph' | 'ews'; outbox?: Record<string, unknown> }): MailbridgeConfigInput;
  cleanup(): Promise<void>;
}

export const SENDER = DEMO.mailbox;
export const RECIPIENT = DEMO.secondMailbox;

export async function startOutboxTestBed(options: { simulator?: SimulatorOptions } = {}): Promise<OutboxTestBed> {
  const simulator = await startSimulator(options.simulator);
  const dir = await mkdtemp(join(tmpdir(), 'mailbridge-outbox-test-'));
  return {
    simulator,
    dir,
    config(overrides = {}) {
      const base = simulator.config({ transport: overrides.transport ?? 'graph' }) as MailbridgeConfigInput & Record<string, unknown>;
      return {
        ...base,
        retry: { maxAttempts: 3, maxDelayMs: 2_000 },
        outbox: { store: { type: 'file', dir: join(dir, 'spool') }, ...overrides.outbox },
      } as MailbridgeConfigInput;
    },
    async cleanup() {
      await simulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `probe` returns true, polling; rejects after `timeoutMs`. */
export async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
