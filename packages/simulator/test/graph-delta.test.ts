import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedMessage, Simulator } from '../src/types.js';
import { T } from './support/seeds.js';
import type { SimClient } from './support/sim-client.js';
import { startTestSimulator, stopTestSimulator } from './support/test-simulator.js';

type DeltaItem = { id: string; subject?: string; isRead?: boolean; '@removed'?: { reason: string }; '@odata.type'?: string };

describe('Graph: delta and paging', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;
  const bob = `/v1.0/users/${T.bob}`;

  beforeAll(async () => {
    ({ sim, client, token } = await startTestSimulator());
    const messages: SeedMessage[] = Array.from({ length: 5 }, (_, i) => ({
      from: `sender${i}@contoso.example`,
      to: [T.bob],
      subject: `delta ${i}`,
      text: `body ${i}`,
      receivedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    }));
    sim.seed({ users: [{ tenantId: T.tenant, mail: T.bob, displayName: 'Bob Example', messages }] });
  });
  afterAll(() => stopTestSimulator({ sim, client }));

  /** Follows nextLinks to the deltaLink (bounded), returning all items and the deltaLink. */
  async function round(url: string, pageSize: number): Promise<{ items: DeltaItem[]; deltaLink: string; pages: number }> {
    const items: DeltaItem[] = [];
    let next: string | undefined = url;
    for (let pages = 1; pages <= 100; pages++) {
      const response = await client.get(next!, { token, headers: { prefer: `odata.maxpagesize=${pageSize}` } });
      expect(response.status).toBe(200);
      expect(response.headers['preference-applied']).toBe(`odata.maxpagesize=${pageSize}`);
      const body = response.json();
      expect(body['@odata.context']).toMatch(/\$metadata#Collection\(message\)$/);
      expect(body.value.length).toBeLessThanOrEqual(pageSize);
      items.push(...body.value);
      if (body['@odata.deltaLink']) {
        expect(body['@odata.nextLink']).toBeUndefined();
        return { items, deltaLink: body['@odata.deltaLink'], pages };
      }
      next = body['@odata.nextLink'];
      expect(next).toMatch(/\$skiptoken=/);
    }
    throw new Error('delta did not end');
  }

  it('syncs a folder in pages, then reports updates, new messages and @removed entries', async () => {
    const first = await round(`${bob}/mailFolders('inbox')/messages/delta?$select=subject,sender,isRead`, 2);
    expect(first.pages).toBe(3);
    expect(first.items.map((m) => m.subject).sort()).toEqual(['delta 0', 'delta 1', 'delta 2', 'delta 3', 'delta 4']);
    for (const item of first.items) {
      expect(item['@odata.type']).toBe('#microsoft.graph.message');
      expect(Object.keys(item).sort()).toEqual(['@odata.etag', '@odata.type', 'id', 'isRead', 'sender', 'subject']);
    }
    expect(first.deltaLink).toMatch(new RegExp(`^${sim.url}/v1\\.0/.*/messages/delta\\?\\$deltatoken=`));

    // Nothing changed: an empty round.
    const idle = await round(first.deltaLink, 2);
    expect(idle.items).toEqual([]);

    const byId = new Map(first.items.map((m) => [m.subject, m.id]));
    await client.send('PATCH', `${bob}/messages/${byId.get('delta 0')}`, { isRead: true }, { token });
    const moved = (await client.send('POST', `${bob}/messages/${byId.get('delta 1')}/move`, { destinationId: 'archive' }, { token })).json();
    await client.request('DELETE', `${bob}/messages/${byId.get('delta 2')}`, { token });
    await client.send('POST', `/v1.0/users/${T.alice}/sendMail`, { message: { subject: 'delta new', toRecipients: [{ emailAddress: { address: T.bob } }] } }, { token });
    // Created and deleted between two rounds: never reported.
    await client.send('POST', `/v1.0/users/${T.alice}/sendMail`, { message: { subject: 'delta ephemeral', toRecipients: [{ emailAddress: { address: T.bob } }] } }, { token });
    const ephemeral = sim.messages(T.bob, 'inbox').find((m) => m.subject === 'delta ephemeral')!;
    await client.request('DELETE', `${bob}/messages/${ephemeral.id}`, { token });

    const second = await round(idle.deltaLink, 2);
    const removed = second.items.filter((m) => m['@removed']);
    expect(removed.map((m) => m.id).sort()).toEqual([byId.get('delta 1'), byId.get('delta 2')].sort());
    for (const item of removed) expect(item).toEqual({ '@odata.type': '#microsoft.graph.message', id: item.id, '@removed': { reason: 'deleted' } });
    const present = second.items.filter((m) => !m['@removed']);
    expect(present.map((m) => m.subject).sort()).toEqual(['delta 0', 'delta new']);
    expect(present.find((m) => m.subject === 'delta 0')?.isRead).toBe(true);
    expect(present.find((m) => m.subject === 'delta new')?.isRead).toBe(false);

    // The archive folder's own delta sees the moved message under its new id.
    const archive = await round(`${bob}/mailFolders/archive/messages/delta?$select=subject`, 10);
    expect(archive.items.map((m) => m.id)).toContain(moved.id);

    const third = await round(second.deltaLink, 2);
    expect(third.items).toEqual([]);
  });

  it('keeps a round consistent when a message changes between its pages', async () => {
    const page1 = await client.get(`${bob}/mailFolders/inbox/messages/delta?$select=subject`, { token, headers: { prefer: 'odata.maxpagesize=1' } });
    const firstItem = page1.json().value[0];
    const all = sim.messages(T.bob, 'inbox');
    // Change a message that was not returned yet, and the one that was, in the middle of the round.
    const other = all.find((m) => m.id !== firstItem.id)!;
    await client.send('PATCH', `${bob}/messages/${other.id}`, { isRead: !other.isRead }, { token });
    await client.send('PATCH', `${bob}/messages/${firstItem.id}`, { categories: ['x'] }, { token });
    const rest = await round(page1.json()['@odata.nextLink'], 1);
    const seen = new Set([firstItem.id, ...rest.items.map((m) => m.id)]);
    // Whatever changed mid-round is reported at the latest in the next round; nothing is lost.
    const next = await round(rest.deltaLink, 50);
    for (const message of sim.messages(T.bob, 'inbox')) expect(seen.has(message.id) || next.items.some((m) => m.id === message.id)).toBe(true);
    expect(next.items.map((m) => m.id)).toEqual(expect.arrayContaining([other.id, firstItem.id]));
  });

  it('rejects a forged delta token', async () => {
    const response = await client.get(`${bob}/mailFolders/inbox/messages/delta?$deltatoken=garbage`, { token });
    expect(response.status).toBe(400);
  });

  it('pages through 10,000 messages with $top=1000 and nextLink, and delta-syncs them', async () => {
    const mailbox = `bulk@${T.domain}`;
    const base = Date.UTC(2025, 0, 1);
    const messages: SeedMessage[] = Array.from({ length: 10_000 }, (_, i) => ({
      from: 'bulk@contoso.example',
      to: [mailbox],
      subject: `bulk ${i}`,
      text: 'x',
      isRead: i % 2 === 0,
      receivedAt: new Date(base + i * 60_000).toISOString(),
    }));
    sim.seed({ users: [{ tenantId: T.tenant, mail: mailbox, messages }] });

    const ids = new Set<string>();
    let url: string | undefined = `/v1.0/users/${mailbox}/mailFolders/inbox/messages?$top=1000&$select=subject,receivedDateTime`;
    let pages = 0;
    let previous = '9999';
    while (url && pages < 20) {
      const body: Record<string, any> = (await client.get(url, { token })).json();
      for (const message of body.value) {
        ids.add(message.id);
        expect(message.receivedDateTime <= previous).toBe(true);
        previous = message.receivedDateTime;
      }
      url = body['@odata.nextLink'];
      pages++;
    }
    expect(pages).toBe(10);
    expect(ids.size).toBe(10_000);

    const unread = (await client.get(`/v1.0/users/${mailbox}/mailFolders/inbox/messages?$filter=isRead eq false&$top=1000&$skip=4500&$select=id`, { token })).json();
    expect(unread.value).toHaveLength(500);
    expect(unread['@odata.nextLink']).toBeUndefined();

    const delta = await round(`/v1.0/users/${mailbox}/mailFolders/inbox/messages/delta?$select=subject`, 1000);
    expect(delta.pages).toBe(10);
    expect(new Set(delta.items.map((m) => m.id)).size).toBe(10_000);
  });
});
