import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator.js';
import type { Simulator, SimulatorOptions } from '../src/types.js';
import { T, testSeed } from './support/seeds.js';
import { SimClient } from './support/sim-client.js';

describe("Graph: Exchange Online's sending limits per mailbox", () => {
  let sim: Simulator | undefined;
  let client: SimClient | undefined;
  let clock = 1_900_000_000_000;

  afterEach(async () => {
    client?.close();
    await sim?.close();
  });

  async function start(limits: SimulatorOptions['sendingLimits']) {
    sim = await startSimulator({ seed: testSeed(), ...(limits !== undefined ? { sendingLimits: limits } : {}) });
    client = new SimClient(sim);
    return client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret });
  }
  const sendMail = (token: string, to: string[]) =>
    client!.send('POST', `/v1.0/users/${T.alice}/sendMail`, { message: { subject: 'limit', body: { contentType: 'Text', content: 'x' }, toRecipients: to.map((address) => ({ emailAddress: { address } })) } }, { token });

  it('admits the message rate per window, then answers 429 with Retry-After (throttled, not blocked)', async () => {
    const token = await start({ messages: 3, windowMs: 60_000, now: () => clock });
    for (let i = 0; i < 3; i++) expect((await sendMail(token, [T.bob])).status).toBe(202);
    const refused = await sendMail(token, [T.bob]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBe(60);
    clock += 60_001;
    expect((await sendMail(token, [T.bob])).status).toBe(202);
    expect(sim!.sendingLimitStats(T.alice)).toMatchObject({ sent: 4, maxInWindow: 3, rateRefusals: 1, quotaRefusals: 0 });
    // Nothing was left behind by the refused call.
    expect(sim!.messages(T.alice, 'drafts')).toHaveLength(0);
  });

  it('refuses the message that would exceed the rolling recipient budget with ErrorSubmissionQuotaExceeded, blocks the mailbox, and sends the 5.1.90 NDR', async () => {
    const token = await start({ recipientsPerDay: 5, messages: 100, now: () => clock });
    expect((await sendMail(token, [T.bob, T.bob, T.bob])).status).toBe(202);
    const refused = await sendMail(token, [T.bob, T.bob, T.bob]);
    expect(refused.status).toBe(403);
    expect(refused.json().error.code).toBe('ErrorSubmissionQuotaExceeded');
    const ndr = sim!.messages(T.alice, 'inbox').find((m) => m.subject === 'Undeliverable: limit');
    expect(ndr?.bodyText).toContain('5.1.90');
    // Blocked: even one recipient is refused now, until the first send leaves the 24 hours.
    clock += 60_000;
    expect((await sendMail(token, [T.bob])).status).toBe(403);
    clock += 24 * 60 * 60_000;
    expect((await sendMail(token, [T.bob])).status).toBe(202);
    expect(sim!.sendingLimitStats(T.alice)).toMatchObject({ sent: 2, quotaRefusals: 2, recipients24h: 1 });
  });

  it('is off unless asked for (load tests), and `true` means the real defaults', async () => {
    const token = await start(undefined);
    for (let i = 0; i < 35; i++) expect((await sendMail(token, [T.bob])).status).toBe(202);
    await sim!.close();
    client!.close();
    const defaults = await start(true);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await sendMail(defaults, [T.bob])).status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(30);
    expect(statuses.at(-1)).toBe(429);
  });
});
