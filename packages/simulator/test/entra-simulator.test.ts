/**
 * The Entra module as mounted by startSimulator: msal-node gets tokens from the running simulator
 * using only its CA file, the simulator's resources accept them, and the token-outage and
 * clock-skew faults reach the token endpoint.
 */

import { readFileSync } from 'node:fs';
import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../src/demo/demo-seed.js';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { claimsOf, httpsCall, msalNetwork } from './support/entra-harness.js';

let sim: Simulator;
let ca: string;

beforeAll(async () => {
  sim = await startSimulator();
  ca = readFileSync(sim.caFile, 'utf8');
});
afterAll(async () => {
  await sim.close();
});

const host = () => new URL(sim.authorityHost).host;

describe('Entra inside startSimulator', () => {
  it('client credentials for the demo app: a Graph token the simulated Graph accepts', async () => {
    const app = new ConfidentialClientApplication({
      auth: { clientId: DEMO.clientId, clientSecret: DEMO.clientSecret, authority: `${sim.authorityHost}/${DEMO.domain}`, knownAuthorities: [host()] },
      system: { networkClient: msalNetwork(ca) },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(claimsOf(result!.accessToken)).toMatchObject({ tid: DEMO.tenantId, appid: DEMO.clientId, roles: expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite']) });
    const graph = await httpsCall(`${sim.graphUrl}/v1.0/users/${DEMO.mailbox}/mailFolders/inbox/messages?$top=1`, ca, { headers: { authorization: `Bearer ${result!.accessToken}` } });
    expect(graph.status).toBe(200);
    // The request log keeps the token endpoint call but never the secret or the token.
    const logged = sim.requests().filter((r) => r.api === 'entra');
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(sim.requests())).not.toContain(DEMO.clientSecret);
    expect(JSON.stringify(sim.requests())).not.toContain(result!.accessToken);
  });

  it('device code for the demo public client, approved through the simulator', async () => {
    const app = new PublicClientApplication({
      auth: { clientId: DEMO.publicClientId, authority: `${sim.authorityHost}/${DEMO.tenantId}`, knownAuthorities: [host()] },
      system: { networkClient: msalNetwork(ca) },
    });
    const result = await app.acquireTokenByDeviceCode({
      scopes: ['https://graph.microsoft.com/Mail.Send'],
      deviceCodeCallback: (r) => sim.approveDeviceCode(r.userCode, DEMO.mailbox),
    });
    expect(result?.account?.username).toBe(DEMO.mailbox);
    expect(claimsOf(result!.accessToken)).toMatchObject({ scp: 'Mail.Send openid profile', upn: DEMO.mailbox, tid: DEMO.tenantId });
  });

  it('token-outage and clock-skew faults reach the token endpoint', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.clientId, client_secret: DEMO.clientSecret, scope: 'https://graph.microsoft.com/.default' }).toString();
    const post = () => httpsCall(`${sim.url}/${DEMO.tenantId}/oauth2/v2.0/token`, ca, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const undo = sim.inject({ kind: 'token-outage', count: 1 });
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(200);
    undo();
    const skew = sim.inject({ kind: 'clock-skew', ms: 3600_000 });
    try {
      const skewed = claimsOf((await post()).json.access_token);
      expect(skewed.iat * 1000).toBeGreaterThan(Date.now() + 3000_000);
    } finally {
      skew();
    }
  });
});
