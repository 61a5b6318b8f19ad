import { startSimulator } from '../../src/simulator.js';
import type { Simulator } from '../../src/types.js';
import { T, testSeed } from './seeds.js';
import { SimClient } from './sim-client.js';

/** What most Graph tests start from: a simulator on the test seed, a client, and the full app's app-only token. */
export interface TestSimulator {
  sim: Simulator;
  client: SimClient;
  token: string;
}

export async function startTestSimulator(): Promise<TestSimulator> {
  const sim = await startSimulator({ seed: testSeed() });
  const client = new SimClient(sim);
  const token = await client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret });
  return { sim, client, token };
}

/** Closes what {@link startTestSimulator} opened (whatever of it was opened). */
export async function stopTestSimulator(bed: Partial<TestSimulator>): Promise<void> {
  bed.client?.close();
  await bed.sim?.close();
}
