#!/usr/bin/env node
// Delegated (device-code) tokens and the file token cache, against the simulator:
// 1. a new process's first getToken() served from the kept file (no network) vs a silent renewal
//    over the network (refresh grant + locked, atomic, fsync'ed write);
// 2. the cost of persistence on a renewal: msal-node's PublicClientApplication with our
//    FileTokenCachePlugin vs the same with msal's in-memory cache only;
// 3. 50 concurrent callers after the access token expired: token requests made (shared in-flight).
// Run after `pnpm build`. `--json` prints one JSON line (see bench/lib/report.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, createTokenProvider, FileTokenCachePlugin, parseConfig } from '../packages/core/dist/index.js';
import { PublicClientApplication } from '../packages/core/node_modules/@azure/msal-node/dist/index.mjs';
import { DEMO, startSimulator } from '../packages/simulator/dist/index.js';
import { median, printResults } from './lib/report.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const folder = mkdtempSync(join(tmpdir(), 'mailbridge-bench-delegated-'));
const sim = await startSimulator({ deviceCodeIntervalSeconds: 1 });
const http = createHttpClient({ caFile: sim.caFile, timeoutMs: 30_000, env: {} });
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
try {
  const tokenCache = join(folder, 'cache.json');
  const { config } = parseConfig(
    {
      transport: 'graph',
      mailbox: DEMO.mailbox,
      auth: { flow: 'device-code', tenant: DEMO.tenantId, clientId: DEMO.publicClientId, tokenCache },
      endpoints: { authorityHost: sim.authorityHost, graph: sim.graphUrl, ews: sim.ewsUrl },
      network: { caFile: sim.caFile },
    },
    { env: {} },
  );
  const provider = () => createTokenProvider(config, { http });
  await provider().signIn({ onDeviceCode: (info) => sim.approveDeviceCode(info.userCode, DEMO.mailbox) });

  // 1. fresh provider from the file vs forced silent renewal
  const fromFile = [];
  const renewal = [];
  for (let i = 0; i < RUNS; i++) {
    let start = process.hrtime.bigint();
    await provider().getToken('graph');
    fromFile.push(ms(start));
    const p = provider();
    start = process.hrtime.bigint();
    await p.getToken('graph', { forceRefresh: true });
    renewal.push(ms(start));
  }

  // 2. persistence overhead of one renewal: msal with our file plugin vs in-memory only
  const authority = `${sim.authorityHost}/${DEMO.tenantId}`;
  const host = new URL(sim.authorityHost).host;
  const network = {
    sendGetRequestAsync: async (url, options) => {
      const r = await http.fetch(url, { headers: options?.headers ?? {} });
      return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.json() };
    },
    sendPostRequestAsync: async (url, options) => {
      const r = await http.fetch(url, { method: 'POST', headers: options?.headers ?? {}, body: options?.body ?? '' });
      return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.json() };
    },
  };
  const pca = (plugin) => new PublicClientApplication({ auth: { clientId: DEMO.publicClientId, authority, knownAuthorities: [host] }, ...(plugin ? { cache: { cachePlugin: plugin } } : {}), system: { networkClient: network } });
  const scopes = ['https://graph.microsoft.com/Mail.Send', 'offline_access'];
  const signInWith = async (app) => {
    const result = await app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (r) => sim.approveDeviceCode(r.userCode, DEMO.mailbox) });
    return result.account;
  };
  const withFile = pca(new FileTokenCachePlugin(join(folder, 'raw-cache.json')));
  const inMemory = pca(undefined);
  const fileAccount = await signInWith(withFile);
  const memoryAccount = await signInWith(inMemory);
  const fileTimes = [];
  const memoryTimes = [];
  for (let i = 0; i < RUNS; i++) {
    let start = process.hrtime.bigint();
    await withFile.acquireTokenSilent({ account: fileAccount, scopes, forceRefresh: true });
    fileTimes.push(ms(start));
    start = process.hrtime.bigint();
    await inMemory.acquireTokenSilent({ account: memoryAccount, scopes, forceRefresh: true });
    memoryTimes.push(ms(start));
  }

  // 3. 50 concurrent callers after expiry share one renewal
  sim.setAccessTokenLifetime(1);
  const shared = provider();
  await shared.getToken('graph', { forceRefresh: true });
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  sim.clearRequests();
  await Promise.all(Array.from({ length: 50 }, () => shared.getToken('graph')));
  const requests = sim.requests().filter((r) => r.api === 'entra' && r.url.includes('/oauth2/v2.0/token')).length;

  printResults('delegated-token-cache', [
    { figure: 'new process, token from the kept file (ms)', value: median(fromFile), baseline: median(renewal), baselineName: 'silent renewal over network (ms)', lowerIsBetter: true },
    { figure: 'renewal with the file cache plugin (ms)', value: median(fileTimes), baseline: median(memoryTimes), baselineName: 'renewal, msal in-memory (ms)', lowerIsBetter: true },
    { figure: 'token requests, 50 callers after expiry', value: requests, baseline: 50, baselineName: 'callers', lowerIsBetter: true, target: '1' },
  ]);
} finally {
  await http.close();
  await sim.close();
  rmSync(folder, { recursive: true, force: true });
}
