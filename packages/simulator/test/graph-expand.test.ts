import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../src/types.js';
import { T } from './support/seeds.js';
import type { SimClient } from './support/sim-client.js';
import { startTestSimulator, stopTestSimulator } from './support/test-simulator.js';

/** Graph's `$expand=attachments` (and its nested `$select`) on messages, as Graph documents it. */
describe('Graph: $expand=attachments', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;
  const alice = `/v1.0/users/${T.alice}`;

  beforeAll(async () => {
    ({ sim, client, token } = await startTestSimulator());
  });
  afterAll(() => stopTestSimulator({ sim, client }));

  it('lists a page of messages with each one’s attachment metadata, in one request', async () => {
    sim.clearRequests();
    const response = await client.get(`${alice}/mailFolders/inbox/messages?$select=subject,hasAttachments&$expand=attachments($select=id,name,size,contentType,isInline)`, { token });
    expect(response.status).toBe(200);
    const messages = response.json().value as Array<Record<string, unknown>>;
    expect(messages.map((m) => m['subject'])).toEqual(['third', 'second', 'first']);
    const third = messages[0]!;
    expect(third['attachments@odata.context']).toMatch(/\$metadata#users\('[0-9a-f-]+'\)\/messages\('[^']+'\)\/attachments\(id,name,size,contentType,isInline\)$/);
    expect(third['attachments']).toEqual([
      {
        '@odata.type': '#microsoft.graph.fileAttachment',
        '@odata.mediaContentType': 'text/plain',
        id: expect.any(String),
        name: 'a.txt',
        contentType: 'text/plain',
        size: 5,
        isInline: false,
      },
    ]);
    // The expanded collection follows the message's own (selected) properties, in Graph's order.
    expect(Object.keys(third)).toEqual(['@odata.etag', 'id', 'hasAttachments', 'subject', 'attachments@odata.context', 'attachments']);
    // A message without attachments has an empty collection.
    expect(messages[1]!['attachments']).toEqual([]);
    expect(sim.requests().filter((request) => request.api === 'graph')).toHaveLength(1);
  });

  it('without a nested $select, file attachments come whole (contentBytes included)', async () => {
    const response = await client.get(`${alice}/mailFolders/inbox/messages?$top=1&$expand=attachments`, { token });
    const [third] = response.json().value;
    expect(third.subject).toBe('third');
    expect(third.attachments[0]).toMatchObject({ name: 'a.txt', contentBytes: Buffer.from('hello').toString('base64'), contentId: null, lastModifiedDateTime: expect.any(String) });
    expect(third['attachments@odata.context']).toMatch(/\/attachments$/);
  });

  it('on a single message too, and fileAttachment properties need the type cast', async () => {
    const list = await client.get(`${alice}/mailFolders/inbox/messages?$top=1&$select=subject`, { token });
    const id = list.json().value[0].id as string;
    const one = await client.get(`${alice}/messages/${id}?$select=subject&$expand=attachments($select=name,microsoft.graph.fileAttachment/contentId)`, { token });
    expect(one.status).toBe(200);
    expect(one.json().attachments).toEqual([{ '@odata.type': '#microsoft.graph.fileAttachment', '@odata.mediaContentType': 'text/plain', id: expect.any(String), name: 'a.txt', contentId: null }]);

    const uncast = await client.get(`${alice}/messages/${id}?$expand=attachments($select=name,contentId)`, { token });
    expect(uncast.status).toBe(400);
    expect(uncast.json().error).toMatchObject({ code: 'RequestBroker--ParseUri', message: "Could not find a property named 'contentId' on type 'microsoft.graph.attachment'." });
    // The same rule on the attachments collection itself.
    const listed = await client.get(`${alice}/messages/${id}/attachments?$select=name,microsoft.graph.fileAttachment/contentId`, { token });
    expect(listed.json().value).toEqual([{ '@odata.type': '#microsoft.graph.fileAttachment', '@odata.mediaContentType': 'text/plain', id: expect.any(String), name: 'a.txt', contentId: null }]);
    const listedUncast = await client.get(`${alice}/messages/${id}/attachments?$select=name,contentId`, { token });
    expect(listedUncast.status).toBe(400);
  });

  it('an unknown navigation property or a malformed $expand is a 400, as Graph answers it', async () => {
    const unknown = await client.get(`${alice}/messages?$expand=attachmentz`, { token });
    expect(unknown.status).toBe(400);
    expect(unknown.json().error.message).toBe("Could not find a property named 'attachmentz' on type 'microsoft.graph.message'.");
    const unbalanced = await client.get(`${alice}/messages?$expand=attachments($select=name`, { token });
    expect(unbalanced.status).toBe(400);
    // Known navigation properties the simulator keeps nothing in add nothing.
    const extensions = await client.get(`${alice}/messages?$top=1&$select=subject&$expand=extensions`, { token });
    expect(extensions.status).toBe(200);
    expect(Object.keys(extensions.json().value[0])).toEqual(['@odata.etag', 'id', 'subject']);
  });

  it('works inside $batch as on its own', async () => {
    const response = await client.send('POST', '/v1.0/$batch', { requests: [{ id: '1', method: 'GET', url: `/users/${T.alice}/mailFolders/inbox/messages?$top=1&$select=subject&$expand=attachments($select=name)` }] }, { token });
    const [answer] = response.json().responses;
    expect(answer.status).toBe(200);
    expect(answer.body.value[0].attachments).toEqual([expect.objectContaining({ name: 'a.txt' })]);
  });
});
