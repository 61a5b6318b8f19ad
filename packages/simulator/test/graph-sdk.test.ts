import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../src/demo/demo-seed.js';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';

const run = promisify(execFile);

describe('Microsoft libraries against the simulator, unmodified', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('@azure/msal-node gets the token and @microsoft/microsoft-graph-client reads, pages, sends, uploads, batches and syncs, trusting only the generated CA', async () => {
    const script = fileURLToPath(new URL('./support/graph-sdk-run.mjs', import.meta.url));
    const args = JSON.stringify({ url: sim.url, tenant: DEMO.tenantId, clientId: DEMO.clientId, secret: DEMO.clientSecret, mailbox: DEMO.mailbox, to: DEMO.secondMailbox });
    // Trust comes from NODE_EXTRA_CA_CERTS only (never NODE_TLS_REJECT_UNAUTHORIZED).
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: sim.caFile };
    delete env['NODE_TLS_REJECT_UNAUTHORIZED'];
    const { stdout } = await run(process.execPath, [script, args], { env, timeout: 60_000 });
    const out = JSON.parse(stdout);

    expect(out.firstPage).toEqual({ count: 2, hasNext: true });
    expect(out.iterated).toHaveLength(3);
    expect(out.upload.location).toMatch(/\/Attachments\('.+'\)$/);
    expect(out.error).toMatchObject({ statusCode: 404, code: 'ErrorInvalidUser' });
    expect(out.batch).toEqual([
      { id: '1', status: 200 },
      { id: '2', status: 200 },
    ]);
    expect(out.delta.hasDeltaLink).toBe(true);
    expect(out.delta.count).toBe(3);

    const received = sim.messages(DEMO.secondMailbox, 'inbox');
    expect(received.map((m) => m.subject).sort()).toEqual(['sdk large attachment', 'sdk send']);
    expect(received.find((m) => m.subject === 'sdk large attachment')!.attachments).toEqual([{ name: 'large.bin', size: 5 * 1024 * 1024 + 17, contentType: 'application/octet-stream', isInline: false }]);
    // The SDK never sent its Graph token to the upload host.
    const uploads = sim.requests().filter((r) => r.api === 'upload');
    expect(uploads.length).toBe(3);
    expect(uploads.every((r) => r.headers['authorization'] === undefined)).toBe(true);
    // msal-node cached the token: the provider was asked per request, Entra was asked once.
    expect(sim.requests().filter((r) => r.api === 'entra' && r.url.includes('/oauth2/v2.0/token'))).toHaveLength(1);
  });
});
