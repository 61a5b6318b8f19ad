#!/usr/bin/env node
// Requests per second the simulator serves for a cheap authenticated Graph GET
// (GET /v1.0/users/{mailbox}/mailFolders/inbox: bearer token verification, audience and role
// checks, throttling bookkeeping, JSON) at 16 and 32 concurrent keep-alive connections, against a
// bare node:https "hello" server measured in the same run with the same client. Client and servers
// share this process (and its one JS thread), as a test or benchmark embedding the simulator does.
// Throttling is raised for the run: Outlook's 4 concurrent requests per app and mailbox would
// answer 429 to this load by design. Run after `pnpm build`.
import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import { createRequire } from 'node:module';
import { request } from './lib/https-request.mjs';
import { median, printResults } from './lib/report.mjs';

const { startSimulator, DEMO } = await import('../packages/simulator/dist/index.js');
const forge = createRequire(new URL('../packages/simulator/package.json', import.meta.url))('node-forge');

/** Rounds of SECONDS each, alternating baseline and simulator; the medians are reported (noisy machines). */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,32').split(',').map(Number);

/** Runs `concurrency` request loops for `seconds` on `agent`; returns requests/second and the non-200 count. */
async function measure({ agent, url, headers, concurrency, seconds }) {
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const { status } = await request(agent, url, { headers });
        if (status === 200) done++;
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { rps: done / elapsed, errors };
}

/** A keep-alive agent with its connections open and the code paths warmed up. */
async function warmAgent({ url, headers, ca, concurrency }) {
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: concurrency });
  await Promise.all(Array.from({ length: concurrency * 8 }, () => request(agent, url, { headers })));
  return agent;
}

/** A self-signed certificate for the baseline server (same RSA-2048 / SHA-256 TLS cost). */
function bareCertificate() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 3600_000);
  cert.setSubject([{ name: 'commonName', value: 'bench' }]);
  cert.setIssuer([{ name: 'commonName', value: 'bench' }]);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

const sim = await startSimulator({ throttling: { concurrency: 100_000, requests: Number.MAX_SAFE_INTEGER } });
const bareTls = bareCertificate();
const bare = https.createServer({ ...bareTls, keepAlive: true }, (_req, res) => {
  const body = '{"hello":"world"}';
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));

const rows = [];
try {
  const tokenAgent = new https.Agent({ ca: sim.caPem });
  const form = new URLSearchParams({ client_id: DEMO.clientId, client_secret: DEMO.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' }).toString();
  const tokenResponse = await request(tokenAgent, `${sim.url}/${DEMO.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) },
    body: form,
  });
  if (tokenResponse.status !== 200) throw new Error(`token request failed: ${tokenResponse.status}`);
  const token = JSON.parse(tokenResponse.text).access_token;
  const simUrl = `${sim.url}/v1.0/users/${DEMO.mailbox}/mailFolders/inbox`;
  const bareUrl = `https://127.0.0.1:${bare.address().port}/hello`;

  const simHeaders = { authorization: `Bearer ${token}` };
  for (const concurrency of CONCURRENCY) {
    const bareAgent = await warmAgent({ url: bareUrl, ca: bareTls.cert, concurrency });
    const simAgent = await warmAgent({ url: simUrl, headers: simHeaders, ca: sim.caPem, concurrency });
    const bases = [];
    const sims = [];
    // Alternate short rounds so machine noise hits both alike; report the medians.
    for (let round = 0; round < ROUNDS; round++) {
      const base = await measure({ agent: bareAgent, url: bareUrl, concurrency, seconds: SECONDS });
      const simulated = await measure({ agent: simAgent, url: simUrl, headers: simHeaders, concurrency, seconds: SECONDS });
      if (simulated.errors > 0 || base.errors > 0) throw new Error(`non-200 answers: simulator ${simulated.errors}, baseline ${base.errors}`);
      bases.push(base.rps);
      sims.push(simulated.rps);
    }
    bareAgent.destroy();
    simAgent.destroy();
    rows.push({
      figure: `authenticated Graph GET, req/s @${concurrency} (median of ${ROUNDS})`,
      value: median(sims),
      baseline: median(bases),
      baselineName: `bare node:https hello @${concurrency}`,
      target: 'several thousand req/s',
    });
  }
} finally {
  await sim.close();
  bare.closeAllConnections();
  bare.close();
}
printResults('simulator-rps', rows);
