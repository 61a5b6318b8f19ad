import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../src/types.js';
import { T } from './support/seeds.js';
import type { SimClient } from './support/sim-client.js';
import { startTestSimulator, stopTestSimulator } from './support/test-simulator.js';

// shared/ sits beside the repository (as CI lays it out), wherever that is.
const SAMPLES = fileURLToPath(new URL('../../../../shared/protocol/graph/samples', import.meta.url));

describe('Graph: JSON batching', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;

  beforeAll(async () => {
    ({ sim, client, token } = await startTestSimulator());
  });
  afterAll(() => stopTestSimulator({ sim, client }));

  it('runs the documented dependsOn request shape, answering per request with id, status, headers and body', async () => {
    const sample = JSON.parse(readFileSync(`${SAMPLES}/batch-request-dependsOn.json`, 'utf8'));
    // The documented urls are "..." placeholders: fill them with mail requests; 3 fails, so 4 (dependsOn 3... via 2) runs or not accordingly.
    sample.requests[0].url = `/users/${T.alice}/messages?$select=subject&$top=2`;
    sample.requests[1].url = `/users/${T.alice}/mailFolders/inbox`;
    sample.requests[2].url = `/users/${T.alice}/messages/AAMkAGnotthere0000AAA=`;
    sample.requests[3].url = `users/${T.alice}/mailFolders('archive')/messages?$select=subject`;
    const response = await client.send('POST', '/v1.0/$batch', sample, { token });
    expect(response.status).toBe(200);
    const { responses } = response.json();
    expect(responses.map((r: { id: string }) => r.id).sort()).toEqual(['1', '2', '3', '4']);
    const byId = Object.fromEntries(responses.map((r: { id: string }) => [r.id, r]));
    expect(byId['1']).toMatchObject({ status: 200, headers: { 'Content-Type': expect.stringMatching(/^application\/json/) } });
    expect(byId['1'].body.value).toHaveLength(2);
    expect(byId['2'].body).toMatchObject({ displayName: 'Inbox' });
    expect(byId['3']).toMatchObject({ status: 404, body: { error: { code: 'ErrorItemNotFound' } } });
    expect(byId['4'].status).toBe(200);
    expect(byId['4'].body.value.map((m: { subject: string }) => m.subject)).toEqual(['archived']);
    // 2 ran after 1, 4 after 2.
    const order = responses.map((r: { id: string }) => r.id);
    expect(order.indexOf('2')).toBeGreaterThan(order.indexOf('1'));
    expect(order.indexOf('4')).toBeGreaterThan(order.indexOf('2'));
  });

  it('answers 424 for a request whose dependency failed, and runs writes', async () => {
    const response = await client.send(
      'POST',
      '/v1.0/$batch',
      {
        requests: [
          { id: 'a', method: 'GET', url: `/users/nobody@${T.domain}/messages` },
          { id: 'b', method: 'GET', url: `/users/${T.alice}/messages`, dependsOn: ['a'] },
          {
            id: 'c',
            method: 'POST',
            url: `/users/${T.alice}/sendMail`,
            headers: { 'Content-Type': 'application/json' },
            body: { message: { subject: 'from a batch', toRecipients: [{ emailAddress: { address: T.bob } }] } },
          },
        ],
      },
      { token },
    );
    const byId = Object.fromEntries(response.json().responses.map((r: { id: string }) => [r.id, r]));
    expect(byId['a'].status).toBe(404);
    expect(byId['b'].status).toBe(424);
    expect(byId['c'].status).toBe(202);
    expect(sim.messages(T.bob, 'inbox').some((m) => m.subject === 'from a batch')).toBe(true);
  });

  it('refuses more than 20 requests, duplicate ids and unknown dependencies', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${T.alice}/messages` }));
    const tooMany = await client.send('POST', '/v1.0/$batch', { requests: many }, { token });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json().error.code).toBe('BadRequest');
    const twenty = await client.send('POST', '/v1.0/$batch', { requests: many.slice(0, 20) }, { token });
    expect(twenty.status).toBe(200);
    expect(twenty.json().responses).toHaveLength(20);
    const duplicate = await client.send('POST', '/v1.0/$batch', { requests: [many[0], many[0]] }, { token });
    expect(duplicate.status).toBe(400);
    const unknown = await client.send('POST', '/v1.0/$batch', { requests: [{ ...many[0], dependsOn: ['zzz'] }] }, { token });
    expect(unknown.status).toBe(400);
  });

  it('needs a valid token for the batch itself', async () => {
    const response = await client.send('POST', '/v1.0/$batch', { requests: [] });
    expect(response.status).toBe(401);
  });
});
