import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '@mailbridge/core/testing';
import { DEMO, demoSeed, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, startCli, tempDir, until } from './helpers.js';

// The CLI's logger: what the library packages log (HTTP retries, the outbox's retries) reaches
// stderr, redacted. Canaries: the configured client secret and the access token the simulator
// issued to the CLI (caught on its way to Graph by a recording front in this test).
const SECRET_CANARY = 'CANARY~logging-client-secret-5b7e21';

/**
 * An HTTPS front for the simulator's Graph that forwards every request and keeps the bearer tokens
 * it sees: the real tokens the CLI was issued, to look for in its output.
 */
async function startRecordingFront(simulator: Simulator, credentials: { key: string; cert: string }): Promise<{ url: string; tokens: Set<string>; server: Server }> {
  const tokens = new Set<string>();
  const target = new URL(simulator.graphUrl);
  const server = createServer(credentials, (incoming, outgoing) => {
    const bearer = /^Bearer (.+)$/.exec(incoming.headers.authorization ?? '')?.[1];
    if (bearer) tokens.add(bearer);
    const forwarded = request({ host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: { ...incoming.headers, host: target.host }, ca: simulator.caPem }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens, server };
}

describe('the CLI logger (outbox work, send)', () => {
  let simulator: Simulator;
  let pki: TestPki;
  let front: Awaited<ReturnType<typeof startRecordingFront>>;
  const dir = tempDir();
  let base: Record<string, any>;

  beforeAll(async () => {
    const seed = demoSeed();
    seed.apps[0]!.secrets = [{ id: DEMO.clientSecretId, value: SECRET_CANARY, expiresAt: DEMO.secretExpiresAt }];
    simulator = await startSimulator({ seed });
    pki = createTestPki(dir.path);
    const ca = pki.ca('front-ca');
    front = await startRecordingFront(simulator, pki.serverCertificate('front', join(dir.path, 'front-ca'), 'IP:127.0.0.1'));
    // One bundle that trusts the simulator (Entra) and the recording front (Graph).
    const bundle = join(dir.path, 'bundle.pem');
    writeFileSync(bundle, `${simulator.caPem.trim()}\n${readFileSync(ca, 'utf8').trim()}\n`);
    const config = simulator.config({ transport: 'graph' }) as Record<string, any>;
    base = {
      ...config,
      auth: { ...config.auth, clientSecret: { env: 'MB_TEST_SECRET' } },
      endpoints: { ...config.endpoints, graph: front.url },
      network: { ...config.network, caFile: bundle },
    };
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => {
      front?.server.closeAllConnections();
      front?.server.close(resolve);
    });
    await pki?.close();
    await simulator?.close();
    dir.cleanup();
  });

  const canariesAbsent = (...texts: string[]) => {
    expect(front.tokens.size, 'the front saw the CLI’s tokens').toBeGreaterThan(0);
    for (const text of texts) {
      expect(text).not.toContain(SECRET_CANARY);
      for (const token of front.tokens) expect(text).not.toContain(token);
    }
  };

  it('outbox work --verbose shows the HTTP retry of an injected 503 on stderr (dim time, level, message, key=value), and no secret or token', async () => {
    const file = dir.write('verbose.json', { ...base, outbox: { store: { type: 'file', dir: join(dir.path, 'spool-verbose') } } });
    const work = startCli(['outbox', 'work', '--verbose', '--config', file], { env: cliEnv({ MB_TEST_SECRET: SECRET_CANARY }) });
    try {
      await until(
        () => work.err().includes('Delivering from'),
        30_000,
        () => `the start line in:\n${work.err()}`,
      );
      simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 1, pathIncludes: 'sendMail', retryAfterSeconds: 0 });
      const queued = await runCli(['send', '--queue', '--to', DEMO.secondMailbox, '--subject', 'logging', '--text', 'x', '--config', file], { env: { MB_TEST_SECRET: SECRET_CANARY } });
      expect(queued.code, queued.stderr).toBe(0);
      await until(
        () => work.out().includes('delivered'),
        30_000,
        () => `the delivered line in:\n${work.out()}\n${work.err()}`,
      );
      work.child.kill('SIGTERM');
      expect(await work.exited).toEqual({ code: 0, signal: null });
    } finally {
      work.child.kill('SIGKILL');
    }
    const retry = work
      .err()
      .split('\n')
      .find((line) => line.includes('retrying after a transient failure'));
    expect(retry, work.err()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z debug +retrying after a transient failure .*\bstatus=503\b/);
    // Requests log at debug with --verbose; stdout keeps only the command's own lines.
    expect(work.err()).toMatch(/debug +http response .*status=202/);
    expect(work.out()).not.toContain('retrying');
    canariesAbsent(work.out(), work.err());
  }, 90_000);

  it('outbox work --json logs at info without --verbose: the outbox retry as a JSON line on stderr; stdout stays JSON lines', async () => {
    // One attempt per send: the HTTP layer does not retry, the outbox does (and logs it at info).
    const file = dir.write('json.json', { ...base, retry: { maxAttempts: 1 }, outbox: { store: { type: 'file', dir: join(dir.path, 'spool-json') } } });
    const work = startCli(['outbox', 'work', '--json', '--config', file], { env: cliEnv({ MB_TEST_SECRET: SECRET_CANARY }) });
    try {
      await until(
        () => work.out().includes('"event":"started"'),
        30_000,
        () => `the started line in:\n${work.out()}\n${work.err()}`,
      );
      simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 1, pathIncludes: 'sendMail', retryAfterSeconds: 0 });
      const queued = await runCli(['send', '--queue', '--to', DEMO.secondMailbox, '--subject', 'logging json', '--text', 'x', '--config', file, '--json'], { env: { MB_TEST_SECRET: SECRET_CANARY } });
      expect(queued.code, queued.stdout).toBe(0);
      await until(
        () => work.out().includes('"event":"delivered"'),
        30_000,
        () => `the delivered line in:\n${work.out()}\n${work.err()}`,
      );
      work.child.kill('SIGTERM');
      expect(await work.exited).toEqual({ code: 0, signal: null });
    } finally {
      work.child.kill('SIGKILL');
    }
    const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
    const stdoutEvents = lines(work.out()).map((line) => JSON.parse(line) as { event: string });
    expect(stdoutEvents.map((event) => event.event)).toEqual(['started', 'delivered', 'stopped']);
    const records = lines(work.err()).map((line) => JSON.parse(line) as { level: string; message: string; time: string; code?: string });
    const retried = records.find((record) => record.message === 'outbox send will be retried');
    expect(retried, work.err()).toMatchObject({ level: 'info', code: expect.any(String) });
    expect(Number.isNaN(Date.parse(retried!.time))).toBe(false);
    // info, not debug: no request lines without --verbose.
    expect(records.some((record) => record.level === 'debug')).toBe(false);
    canariesAbsent(work.out(), work.err());
  }, 90_000);

  it('send --verbose shows the retry; without --verbose a one-shot send logs nothing below warn', async () => {
    const file = dir.write('send.json', base);
    simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 1, pathIncludes: 'sendMail', retryAfterSeconds: 0 });
    const verbose = await runCli(['send', '--verbose', '--to', DEMO.secondMailbox, '--subject', 'logging send', '--text', 'x', '--config', file], { env: { MB_TEST_SECRET: SECRET_CANARY } });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/debug +retrying after a transient failure .*status=503/);
    simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 1, pathIncludes: 'sendMail', retryAfterSeconds: 0 });
    const quiet = await runCli(['send', '--json', '--to', DEMO.secondMailbox, '--subject', 'logging send', '--text', 'x', '--config', file], { env: { MB_TEST_SECRET: SECRET_CANARY } });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.json().ok).toBe(true);
    expect(quiet.stderr).toBe('');
    canariesAbsent(verbose.stdout, verbose.stderr, quiet.stdout, quiet.stderr);
  }, 60_000);
});
