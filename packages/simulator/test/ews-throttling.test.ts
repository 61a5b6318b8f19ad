import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_EWS_THROTTLING, EwsThrottle } from '../src/ews/ews-throttle.js';
import { NS, parseXml, type XNode } from '../src/ews/xml/xml-node.js';
import { ALICE, attrs, BOB, type EwsHarness, envelope, impersonate, startEwsHarness, texts } from './support/ews-harness.js';

/**
 * EWS throttling as Exchange Online applies it: EWSMaxConcurrency (ErrorExceededConnectionCount) and
 * the budget (ErrorServerBusy with BackOffMilliseconds), produced by the model, not by injected faults.
 */

const GET_INBOX = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>';
const SAMPLE = new URL('../../../../shared/protocol/ews/samples/errorserverbusy-soapfault.error-response.xml', import.meta.url);

describe('EwsThrottle (the model, on a clock of its own)', () => {
  it('defaults to what Microsoft documents for Exchange Online (27 concurrent) and the Exchange 2013+ budget', () => {
    expect(DEFAULT_EWS_THROTTLING).toEqual({ maxConcurrency: 27, maxBurstMs: 300_000, rechargeRateMsPerHour: 900_000, cutoffBalanceMs: 3_000_000 });
  });

  it('refuses the request over maxConcurrency while the others carry on, and admits again once one is done', () => {
    const throttle = new EwsThrottle({ ...DEFAULT_EWS_THROTTLING, maxConcurrency: 2 }, () => 0);
    const first = throttle.enter('app|alice');
    const second = throttle.enter('app|alice');
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(throttle.enter('app|alice')).toEqual({ ok: false, reason: 'concurrency', limit: 2 });
    // Another budget owner (the same app on another mailbox) is not affected.
    expect(throttle.enter('app|bob').ok).toBe(true);
    if (first.ok) first.done(1);
    expect(throttle.enter('app|alice').ok).toBe(true);
  });

  it('blocks past the cutoff until the balance has recharged to zero, with that wait as the back-off', () => {
    let now = 0;
    // 1 ms of budget per second; each request costs 1,000 ms.
    const throttle = new EwsThrottle({ maxConcurrency: 27, maxBurstMs: 1_000, rechargeRateMsPerHour: 3_600, cutoffBalanceMs: 1_500, chargePerRequestMs: 1_000 }, () => now);
    const run = () => {
      const admission = throttle.enter('owner');
      if (admission.ok) admission.done(5);
      return admission;
    };
    expect(run().ok).toBe(true); // 1,000 → 0
    expect(run().ok).toBe(true); // 0 → -1,000 (below zero, above the cutoff)
    expect(run().ok).toBe(true); // -1,000 → -2,000
    expect(run()).toEqual({ ok: false, reason: 'budget', backOffMs: 2_000_000 });
    now += 1_000_000; // recharged 1,000 ms: -1,000, still not back to zero but above the cutoff
    expect(throttle.balance('owner')).toBe(-1_000);
    expect(run().ok).toBe(true);
    now += 10_000_000;
    expect(throttle.balance('owner')).toBe(1_000); // recharges up to the burst, no further
  });
});

describe('EWS throttling over HTTPS', () => {
  let sim: EwsHarness | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('EWSMaxConcurrency: the request over the limit gets ErrorExceededConnectionCount; another impersonated mailbox has its own budget', async () => {
    sim = await startEwsHarness({ throttling: { maxConcurrency: 2 } });
    const token = await sim.appToken();
    const as = (mailbox: string) => sim!.soap(envelope(GET_INBOX, impersonate(mailbox)), { authorization: `Bearer ${token}`, 'x-anchormailbox': mailbox });
    // A slow server: each of the next requests holds its connection for 400 ms.
    sim.faults.add({ kind: 'latency', ms: 400, api: 'ews', count: 4 });
    const answers = await Promise.all([as(ALICE), as(ALICE), as(ALICE), as(BOB)]);
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    const refused = answers.find((answer) => answer.status === 500)!;
    expect(answers.indexOf(refused)).toBeLessThan(3);
    expect(texts(refused.body, 'faultcode')).toEqual(['a:ErrorExceededConnectionCount']);
    expect(texts(refused.body, 'ResponseCode')).toEqual(['ErrorExceededConnectionCount']);
    expect(texts(refused.body, 'faultstring')[0]).toBe('You have exceeded the available concurrent connections for your account.  Try again once your other requests have completed.');
    expect(attrs(refused.body, 'Value', 'Name')).toEqual(['Policy', 'MaxConcurrencyLimit', 'ErrorMessage']);
    expect(texts(refused.body, 'Value').slice(0, 2)).toEqual(['MaxConcurrency', '2']);
    // The connections that were admitted carried on; once they are done, Alice is served again.
    expect((await as(ALICE)).status).toBe(200);
    const refusedEntry = sim.log.list().find((entry) => entry.status === 500)!;
    expect(refusedEntry.notes).toContain('throttled: EWSMaxConcurrency 2');
  });

  it('the budget: past EwsCutoffBalance every request gets ErrorServerBusy with BackOffMilliseconds (as the documented fault) until it has recharged', async () => {
    // 1 ms of budget per ms of time; each request costs 1,500 ms; blocked at -500 (a margin of a second for a slow machine).
    sim = await startEwsHarness({ throttling: { maxBurstMs: 1_500, rechargeRateMsPerHour: 3_600_000, cutoffBalanceMs: 500, chargePerRequestMs: 1_500 } });
    const headers = { authorization: `Bearer ${await sim.appToken()}`, 'x-anchormailbox': ALICE };
    const get = () => sim!.soap(envelope(GET_INBOX, impersonate(ALICE)), headers);
    expect((await get()).status).toBe(200); // 1,500 → 0
    expect((await get()).status).toBe(200); // about 0 → about -1,500
    const busy = await get();
    expect(busy.status).toBe(500);
    expect(texts(busy.body, 'faultcode')).toEqual(['a:ErrorServerBusy']);
    const backOff = Number(texts(busy.body, 'Value')[0]);
    expect(attrs(busy.body, 'Value', 'Name')).toEqual(['BackOffMilliseconds']);
    expect(backOff).toBeGreaterThan(500);
    expect(backOff).toBeLessThanOrEqual(1_500);
    // The same shape as Microsoft's ErrorServerBusy capture.
    const shape = (node: XNode): string => `${node.name}(${node.children.map(shape).join(',')})`;
    expect(shape(parseXml(busy.body))).toBe(shape(parseXml(readFileSync(SAMPLE, 'utf8'))));
    // Blocked for every request of this owner, whatever the operation...
    const again = await sim.soap(
      envelope('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>', impersonate(ALICE)),
      headers,
    );
    expect(texts(again.body, 'faultcode')).toEqual(['a:ErrorServerBusy']);
    // ...but not for the same app on another mailbox (a budget of its own per impersonated mailbox).
    const bob = await sim.soap(envelope(GET_INBOX, impersonate(BOB)), { ...headers, 'x-anchormailbox': BOB });
    expect(bob.status).toBe(200);
    // After the back-off the budget is back to zero and the request is served.
    await new Promise((resolve) => setTimeout(resolve, backOff + 20));
    const served = await get();
    expect(served.status).toBe(200);
    expect(parseXml(served.body).children.find((c) => c.ns === NS.soap && c.name === 'Body')).toBeDefined();
    expect(sim.faults.list()).toEqual([]);
  });
});
