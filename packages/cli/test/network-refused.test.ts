import { createServer } from 'node:net';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

// Issue 15, item 15: a refused connection sometimes said only "fetch failed". Every path — the token
// endpoint (msal's network module), Graph, EWS, doctor — names the cause with a stable code and a
// hint that says where nothing listens. Configs point at a loopback port with nothing listening.

let sim: Simulator;
let deadPort: number;
const dir = tempDir();
const env = { SANDBOX_SECRET: DEMO.clientSecret };

/** A loopback port that was free a moment ago: nothing listens there. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  sim = await startSimulator();
  deadPort = await closedPort();
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});

type Transport = 'graph' | 'ews';

/** The sandbox app's config with some endpoints moved to `origin`; one attempt per request, so failures come fast. */
function configWith(transport: Transport, name: string, endpoints: { authority?: string; service?: string }): string {
  const config = structuredClone(sim.config({ transport, secretEnv: 'SANDBOX_SECRET' })) as any;
  config.auth.secretExpiresAt = '2099-01-01';
  config.retry = { maxAttempts: 1 };
  if (endpoints.authority) config.endpoints.authorityHost = endpoints.authority;
  if (endpoints.service) {
    config.endpoints.graph = endpoints.service;
    config.endpoints.ews = `${endpoints.service}/EWS/Exchange.asmx`;
  }
  return dir.write(`${name}-${transport}.json`, config);
}

function expectRefusedExplained(error: { code: string; message: string; hint: string }, port: number): void {
  expect(error.code).toBe('NETWORK_ERROR');
  expect(error.message).toMatch(/ECONNREFUSED/);
  expect(error.message).not.toMatch(/fetch failed/);
  expect(error.hint).toContain(`Nothing accepts connections at 127.0.0.1:${port}`);
}

const send = ['send', '--to', DEMO.mailbox, '--subject', 'refused', '--text', 'nobody listens'];

describe.each(['graph', 'ews'] as const)('a refused connection (%s)', (transport) => {
  it('at the token endpoint: token, send and doctor name the cause and where nothing listens', { timeout: 120_000 }, async () => {
    const config = configWith(transport, 'token-refused', { authority: `https://127.0.0.1:${deadPort}` });
    for (const args of [['token'], send]) {
      const run = await runCli(['--json', '--config', config, ...args], { env });
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expectRefusedExplained(run.json().error, deadPort);
    }
    const human = await runCli(['--config', config, 'token'], { env });
    expect(human.stderr).not.toMatch(/fetch failed/);
    expect(human.stderr).toMatch(/error \[NETWORK_ERROR\].*ECONNREFUSED/);

    const doctor = await runCli(['--json', '--config', config, 'doctor'], { env });
    expect(doctor.code).toBe(1);
    const authority = doctor.json().checks.find((check: { id: string }) => check.id === 'authority');
    expect(authority).toMatchObject({ status: 'fail', code: 'NETWORK_ERROR' });
    expect(authority.message).toMatch(/ECONNREFUSED/);
    expect(authority.hint).toContain(`Nothing accepts connections at 127.0.0.1:${deadPort}`);
  });

  it(`at the ${transport === 'graph' ? 'Graph' : 'EWS'} endpoint: send and doctor's mailbox check say so`, { timeout: 120_000 }, async () => {
    const config = configWith(transport, 'service-refused', { service: `https://127.0.0.1:${deadPort}` });
    const sent = await runCli(['--json', '--config', config, ...send], { env });
    expect(sent.code, sent.stdout + sent.stderr).toBe(1);
    expectRefusedExplained(sent.json().error, deadPort);

    const doctor = await runCli(['--json', '--config', config, 'doctor'], { env });
    expect(doctor.code).toBe(1);
    const mailbox = doctor.json().checks.find((check: { id: string }) => check.id === 'mailbox');
    expect(mailbox).toMatchObject({ status: 'fail', code: 'NETWORK_ERROR' });
    expect(mailbox.hint).toContain(`Nothing accepts connections at 127.0.0.1:${deadPort}`);
    expect(JSON.stringify(doctor.json())).not.toMatch(/fetch failed/);
  });
});

describe('a port that fetch never connects to', () => {
  // Port 6000 (X11) is on the Fetch standard's blocklist: undici refuses it with only "bad port".
  it('is named, instead of "fetch failed"', { timeout: 60_000 }, async () => {
    const config = configWith('graph', 'bad-port', { authority: 'https://127.0.0.1:6000' });
    const run = await runCli(['--json', '--config', config, 'token'], { env });
    expect(run.code).toBe(1);
    const error = run.json().error;
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/port 6000 is on the Fetch standard's list of blocked ports/);
    expect(error.message).not.toMatch(/fetch failed/);
    expect(error.hint).toMatch(/another port/);
  });
});
