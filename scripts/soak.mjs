#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
/**
 * Fault soak: thousands of sends over both transports (Graph and EWS, built by core's
 * createTransport) against one simulator on loopback, while the simulator injects 429/503 bursts,
 * ErrorServerBusy, connection resets before and after a request took effect, and token endpoint
 * outages, interleaved over the run. At the end the simulator's store is asked, message by message,
 * how many copies arrived: every message must be delivered exactly once.
 *
 * Usage: node scripts/soak.mjs [--short] [--json]   (run `pnpm build` first; `pnpm soak` does)
 * Env:   SOAK_SENDS (total sends; default 4000, --short 400), SOAK_CONCURRENCY (default 16),
 *        SOAK_MAX_MS (time bound for starting sends; default 10 min, --short 90 s).
 * Ends with the line `soak: N passed, M failed` and exits 1 on any loss, duplicate or error.
 */
import { performance } from 'node:perf_hooks';
import { createRetryPolicy, createTransport, MailbridgeError } from '../packages/core/dist/index.js';
import { DEMO, startSimulator } from '../packages/simulator/dist/index.js';

const args = new Set(process.argv.slice(2));
const short = args.has('--short');
const totalSends = positiveInt(process.env.SOAK_SENDS, short ? 400 : 4000, 'SOAK_SENDS');
const concurrency = positiveInt(process.env.SOAK_CONCURRENCY, 16, 'SOAK_CONCURRENCY');
const maxMs = positiveInt(process.env.SOAK_MAX_MS, short ? 90_000 : 600_000, 'SOAK_MAX_MS');
/** No single send may take longer than this, whatever the retries: a hang is a failure, not a wait. */
const SEND_TIMEOUT_MS = 90_000;

function positiveInt(raw, fallback, name) {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`soak: ${name} must be a positive integer (got ${JSON.stringify(raw)})`);
    process.exit(2);
  }
  return value;
}

/**
 * The faults, in the order they are injected (round robin, one every few sends). Counts are small so
 * that every burst stays inside the retry budget: the soak proves correctness under faults, not that
 * a budget runs out.
 */
const FAULTS = [
  { label: 'graph 429 burst', spec: { kind: 'status', status: 429, api: 'graph', count: 3, retryAfterSeconds: 1, pathIncludes: 'sendMail' } },
  { label: 'ews ErrorServerBusy burst', spec: { kind: 'ews-server-busy', count: 3, backOffMs: 200 } },
  { label: 'graph reset-before', spec: { kind: 'reset-before', api: 'graph', count: 2, pathIncludes: 'sendMail' } },
  { label: 'ews 503 burst', spec: { kind: 'status', status: 503, api: 'ews', count: 3, retryAfterSeconds: 1 } },
  { label: 'graph reset-after', spec: { kind: 'reset-after', api: 'graph', count: 2, pathIncludes: 'sendMail' } },
  { label: 'ews reset-before', spec: { kind: 'reset-before', api: 'ews', count: 2 } },
  { label: 'graph 503 burst', spec: { kind: 'status', status: 503, api: 'graph', count: 3, retryAfterSeconds: 1, pathIncludes: 'sendMail' } },
  { label: 'ews reset-after', spec: { kind: 'reset-after', api: 'ews', count: 2 } },
  { label: 'token endpoint outage', spec: { kind: 'token-outage', count: 2 } },
  { label: 'ews 429 burst', spec: { kind: 'status', status: 429, api: 'ews', count: 2, retryAfterSeconds: 1 } },
  // A send cut off after it took effect while the Sent Items check that should settle it fails too:
  // the send must end in SEND_UNCONFIRMED, and resending it (same Message-ID) must not deliver twice.
  {
    label: 'graph reset-after, Sent Items check down',
    specs: [
      { kind: 'reset-after', api: 'graph', count: 1, pathIncludes: 'sendMail' },
      { kind: 'status', status: 503, api: 'graph', count: 8, retryAfterSeconds: 0, pathIncludes: 'sentitems' },
    ],
  },
  {
    label: 'ews reset-after, Sent Items check down',
    specs: [
      { kind: 'reset-after', api: 'ews', count: 1 },
      { kind: 'ews-error', responseCode: 'ErrorInternalServerError', operation: 'FindItem', count: 3 },
    ],
  },
];
/** One fault every this many sends: about 25 rounds of the whole list over a run, at least one. */
const faultEvery = Math.max(4, Math.floor(totalSends / (FAULTS.length * 25)));

const retries = new Map();
const retryLogger = {
  debug(message, fields) {
    if (message !== 'retrying after a transient failure') return;
    const key = `${fields?.code ?? 'unknown'}${fields?.status ? ` ${fields.status}` : ''}`;
    retries.set(key, (retries.get(key) ?? 0) + 1);
  },
  info() {},
  warn() {},
  error() {},
};

const sim = await startSimulator({
  // The soak measures fault handling, not Graph's per-mailbox throttling (tested elsewhere).
  throttling: { concurrency: 1000, requests: 100_000_000 },
});
// Short-lived tokens make both token providers renew during the run, so token outages bite.
sim.setAccessTokenLifetime(10);

const retry = createRetryPolicy({ maxAttempts: 8, maxDelayMs: 30_000, baseDelayMs: 50, maxSingleDelayMs: 2_000, logger: retryLogger });
const adapters = {
  graph: () => import('../packages/graph-adapter/dist/index.js'),
  ews: () => import('../packages/ews-adapter/dist/index.js'),
};
const transports = {
  graph: await createTransport(sim.config({ transport: 'graph' }), { adapters, retry, env: {} }),
  ews: await createTransport(sim.config({ transport: 'ews' }), { adapters, retry, env: {} }),
};

const runId = randomUUID().slice(0, 8);
/** @type {Array<{ id: string, transport: string, ok: boolean, code?: string, message?: string }>} */
const outcomes = [];
const injected = new Map();
let nextFault = 0;
let started = 0;
let stoppedByTime = false;
/** Sends that first ended in SEND_UNCONFIRMED (then resent with the same Message-ID). */
let unconfirmed = 0;
const t0 = performance.now();

function injectNext() {
  const fault = FAULTS[nextFault % FAULTS.length];
  nextFault++;
  for (const spec of fault.specs ?? [fault.spec]) sim.inject(spec);
  injected.set(fault.label, (injected.get(fault.label) ?? 0) + 1);
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new MailbridgeError({ code: 'NETWORK_TIMEOUT', message: `soak: a send did not settle within ${ms} ms`, hint: 'A hang: investigate.' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function worker() {
  for (;;) {
    if (started >= totalSends) return;
    if (performance.now() - t0 > maxMs) {
      stoppedByTime = true;
      return;
    }
    const index = started++;
    if (index % faultEvery === 0) injectNext();
    const transportName = index % 2 === 0 ? 'graph' : 'ews';
    const id = `<soak-${runId}-${index}@${DEMO.domain}>`;
    const message = { to: [DEMO.secondMailbox], subject: `soak ${index}`, text: `soak message ${index} over ${transportName}`, internetMessageId: id };
    try {
      try {
        await withTimeout(transports[transportName].send(message), SEND_TIMEOUT_MS);
      } catch (error) {
        if (!MailbridgeError.isInstance(error) || error.code !== 'SEND_UNCONFIRMED') throw error;
        // What a caller does with SEND_UNCONFIRMED: send the same message again (same Message-ID),
        // which looks in Sent Items first; a little later, as the check's outage may last.
        unconfirmed++;
        let resent = false;
        for (let attempt = 0; attempt < 8 && !resent; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 300 * (attempt + 1)));
          try {
            await withTimeout(transports[transportName].send(message), SEND_TIMEOUT_MS);
            resent = true;
          } catch (again) {
            if (!MailbridgeError.isInstance(again) || again.code !== 'SEND_UNCONFIRMED' || attempt === 7) throw again;
          }
        }
      }
      outcomes.push({ id, transport: transportName, ok: true });
    } catch (error) {
      const code = MailbridgeError.isInstance(error) ? error.code : 'NOT_A_MAILBRIDGE_ERROR';
      outcomes.push({ id, transport: transportName, ok: false, code, message: String(error?.message ?? error).slice(0, 300) });
    }
  }
}

let progressTimer;
if (process.stderr.isTTY) {
  progressTimer = setInterval(() => process.stderr.write(`\rsoak: ${outcomes.length}/${totalSends} settled`), 500);
}
await Promise.all(Array.from({ length: concurrency }, () => worker()));
if (progressTimer) {
  clearInterval(progressTimer);
  process.stderr.write('\n');
}
const durationMs = performance.now() - t0;
sim.clearFaults();

// What the simulator saw: statuses it answered and connections it dropped (status 0).
const statusCounts = new Map();
for (const request of sim.requests()) {
  const key = `${request.api} ${request.status}`;
  statusCounts.set(key, (statusCounts.get(key) ?? 0) + 1);
}

/** Copies of a message in the recipient's Inbox: the simulator's ground truth. */
function inboxCopies(id) {
  return sim.deliveries(id).mailboxes.filter((copy) => copy.mailbox.toLowerCase() === DEMO.secondMailbox && copy.folder === 'inbox').length;
}

// Self-test of the checker, so a soak that reports no duplicates is known to be able to see one:
// a message sent twice on purpose (same Internet Message-ID, no faults) must count as a duplicate,
// and an id that was never sent as lost.
const canaryId = `<soak-${runId}-canary@${DEMO.domain}>`;
for (let copy = 0; copy < 2; copy++) {
  await transports.graph.send({ to: [DEMO.secondMailbox], subject: 'soak checker canary', text: 'sent twice on purpose', internetMessageId: canaryId });
}
const checkerWorks = inboxCopies(canaryId) === 2 && inboxCopies(`<soak-${runId}-never-sent@${DEMO.domain}>`) === 0;

let deliveredOnce = 0;
let duplicates = 0;
let lost = 0;
let erroredNotDelivered = 0;
let erroredButDeliveredOnce = 0;
const problems = [];
const errorCodes = new Map();
for (const outcome of outcomes) {
  const copies = inboxCopies(outcome.id);
  if (!outcome.ok) errorCodes.set(outcome.code, (errorCodes.get(outcome.code) ?? 0) + 1);
  if (copies > 1) {
    duplicates++;
    problems.push(`${outcome.id} (${outcome.transport}) delivered ${copies} times${outcome.ok ? '' : ` [send failed: ${outcome.code}]`}`);
  } else if (copies === 1) {
    deliveredOnce++;
    if (!outcome.ok) {
      erroredButDeliveredOnce++;
      problems.push(`${outcome.id} (${outcome.transport}) send failed with ${outcome.code} but was delivered exactly once: ${outcome.message}`);
    }
  } else if (outcome.ok) {
    lost++;
    problems.push(`${outcome.id} (${outcome.transport}) send reported success but was never delivered (silent loss)`);
  } else {
    erroredNotDelivered++;
    problems.push(`${outcome.id} (${outcome.transport}) failed with ${outcome.code} and was not delivered: ${outcome.message}`);
  }
}

await transports.graph.close();
await transports.ews.close();
await sim.close();

const passed = deliveredOnce;
const failed = duplicates + lost + erroredNotDelivered;
const sorted = (map) => Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1]));
const report = {
  mode: short ? 'short' : 'full',
  requested: totalSends,
  sent: outcomes.length,
  byTransport: { graph: outcomes.filter((o) => o.transport === 'graph').length, ews: outcomes.filter((o) => o.transport === 'ews').length },
  concurrency,
  deliveredExactlyOnce: deliveredOnce,
  duplicates,
  lostSilently: lost,
  erroredNotDelivered,
  erroredButDeliveredOnce,
  sendUnconfirmedThenResent: unconfirmed,
  errorCodes: sorted(errorCodes),
  faultsInjected: sorted(injected),
  faultsInjectedTotal: nextFault,
  simulatorAnswers: sorted(statusCounts),
  retriesObserved: sorted(retries),
  retriesObservedTotal: [...retries.values()].reduce((a, b) => a + b, 0),
  durationSeconds: Math.round(durationMs / 100) / 10,
  sendsPerSecond: Math.round((outcomes.length / (durationMs / 1000)) * 10) / 10,
  stoppedByTimeBound: stoppedByTime,
  checkerSelfTest: checkerWorks ? 'passed' : 'FAILED',
};

if (args.has('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const line = (label, value) => console.log(`  ${label.padEnd(28)} ${value}`);
  console.log(`mailbridge fault soak (${report.mode}): ${report.sent} sends over graph + ews, concurrency ${concurrency}`);
  line('sent', `${report.sent} of ${totalSends} (graph ${report.byTransport.graph}, ews ${report.byTransport.ews})`);
  line('delivered exactly once', deliveredOnce);
  line('duplicates', duplicates);
  line('lost (silent)', lost);
  line('errored, not delivered', erroredNotDelivered);
  line('errored, delivered once', erroredButDeliveredOnce);
  line('SEND_UNCONFIRMED, resent', unconfirmed);
  line('faults injected', `${nextFault} (one every ${faultEvery} sends)`);
  for (const [label, count] of Object.entries(report.faultsInjected)) line(`  ${label}`, count);
  line('simulator answers', '');
  for (const [key, count] of Object.entries(report.simulatorAnswers)) line(`  ${key === 'x' ? key : key.replace(/ 0$/, ' reset (0)')}`, count);
  line('retries observed', report.retriesObservedTotal);
  for (const [key, count] of Object.entries(report.retriesObserved)) line(`  ${key}`, count);
  if (errorCodes.size > 0) {
    line('send errors', '');
    for (const [key, count] of Object.entries(report.errorCodes)) line(`  ${key}`, count);
  }
  line('duration', `${report.durationSeconds} s`);
  line('sends/s', report.sendsPerSecond);
  line('checker self-test', checkerWorks ? 'passed (a message sent twice on purpose is seen twice)' : 'FAILED: the delivery count cannot be trusted');
  if (stoppedByTime) console.log(`  note: stopped starting sends after the ${maxMs} ms time bound (SOAK_MAX_MS)`);
  for (const problem of problems.slice(0, 20)) console.log(`  ! ${problem}`);
  if (problems.length > 20) console.log(`  ! … and ${problems.length - 20} more`);
}
console.log(`soak: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || outcomes.length === 0 || !checkerWorks ? 1 : 0;
