#!/usr/bin/env node
// What validating every EWS request and response against the official XSDs costs the simulator.
// 1. Per message: libxml2-wasm with the schema set compiled once (what the simulator does) against
//    xmllint-wasm (a new worker and a full parse of the 640 KB of schema per call), on Microsoft's
//    FindItem request sample wrapped in the simulator's SOAP envelope schema.
// 2. End to end: EWS FindItem requests per second through startSimulator with validateEws on
//    (request and response validated) against the same simulator with it off, 8 keep-alive
//    connections. Run after `pnpm build`.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { request } from './lib/https-request.mjs';
import { median, printResults } from './lib/report.mjs';

const simulatorDir = new URL('../packages/simulator/', import.meta.url);
const require = createRequire(new URL('package.json', simulatorDir));
const schemaDir = new URL('src/ews/schema/', simulatorDir);
const { XmlDocument, XsdValidator, XmlBufferInputProvider, xmlRegisterInputProvider } = await import(pathToFileURL(require.resolve('libxml2-wasm')).href);
const { validateXML } = require('xmllint-wasm');
const { startSimulator } = await import(new URL('dist/index.js', simulatorDir).href);

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const files = ['soap-envelope.xsd', 'messages.xsd', 'types.xsd', 'xml.xsd'];
const sample = readFileSync(new URL('../../shared/protocol/ews/samples/finditem.request.xml', import.meta.url));

// 1a. libxml2-wasm, compiled once.
const buffers = Object.fromEntries(files.map((file) => [`bench-schema:///${file}`, readFileSync(new URL(file, schemaDir))]));
xmlRegisterInputProvider(new XmlBufferInputProvider(buffers));
let started = performance.now();
const schemaDoc = XmlDocument.fromBuffer(buffers['bench-schema:///soap-envelope.xsd'], { url: 'bench-schema:///soap-envelope.xsd' });
const validator = XsdValidator.fromDoc(schemaDoc);
schemaDoc.dispose();
const compileMs = performance.now() - started;
const compiledRuns = [];
for (let round = 0; round < 5; round++) {
  started = performance.now();
  for (let i = 0; i < 200; i++) {
    const doc = XmlDocument.fromBuffer(sample);
    validator.validate(doc);
    doc.dispose();
  }
  compiledRuns.push((performance.now() - started) / 200);
}

// 1b. xmllint-wasm, as its API works: schema parsed on every call.
const preload = files.slice(1).map((file) => ({ fileName: file, contents: readFileSync(new URL(file, schemaDir), 'utf8') }));
const envelopeSchema = { fileName: files[0], contents: readFileSync(new URL(files[0], schemaDir), 'utf8') };
const xmllintRuns = [];
for (let i = 0; i < 5; i++) {
  started = performance.now();
  const result = await validateXML({ xml: [{ fileName: 'request.xml', contents: sample.toString('utf8') }], schema: [envelopeSchema], preload, initialMemoryPages: 512, maxMemoryPages: 4096 });
  if (!result.valid) throw new Error(`xmllint-wasm: ${result.rawOutput}`);
  xmllintRuns.push(performance.now() - started);
}

// 2. FindItem requests per second, validation on and off.
const day = 24 * 3600_000;
const seed = {
  tenants: [{ id: '11111111-2222-3333-4444-555555555555', domains: ['contoso.com'] }],
  apps: [
    {
      clientId: '66666666-7777-8888-9999-000000000001',
      tenantId: '11111111-2222-3333-4444-555555555555',
      secrets: [{ id: '0f0f0f0f-0000-0000-0000-000000000001', value: 'bench-secret', expiresAt: '2099-01-01T00:00:00Z' }],
      permissions: [{ resource: 'ews', role: 'full_access_as_app' }],
    },
  ],
  users: [
    {
      tenantId: '11111111-2222-3333-4444-555555555555',
      mail: 'alice@contoso.com',
      messages: Array.from({ length: 50 }, (_, i) => ({ from: 'bob@contoso.com', to: ['alice@contoso.com'], subject: `Message ${i}`, text: 'body', receivedAt: new Date(Date.now() - i * day).toISOString() })),
    },
  ],
};

const findItem =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">' +
  '<soap:Header><t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>alice@contoso.com</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>' +
  '<soap:Body><m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem></soap:Body></soap:Envelope>';

async function rps(validateEws) {
  const sim = await startSimulator({ seed, validateEws });
  const agent = new https.Agent({ ca: sim.caPem, keepAlive: true, maxSockets: 8 });
  try {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: seed.apps[0].clientId, client_secret: 'bench-secret', scope: 'https://outlook.office365.com/.default' }).toString();
    const tokenResponse = await request(agent, `${sim.url}/${seed.tenants[0].id}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const token = JSON.parse(tokenResponse.text).access_token;
    const options = { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/xml; charset=utf-8', 'x-anchormailbox': 'alice@contoso.com' }, body: findItem };
    await Promise.all(Array.from({ length: 64 }, () => request(agent, sim.ewsUrl, options)));
    let done = 0;
    let errors = 0;
    const begin = performance.now();
    const end = begin + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < end) {
          const { status } = await request(agent, sim.ewsUrl, options);
          if (status === 200) done++;
          else errors++;
        }
      }),
    );
    if (errors > 0) throw new Error(`${errors} FindItem requests failed`);
    return done / ((performance.now() - begin) / 1000);
  } finally {
    agent.destroy();
    await sim.close();
  }
}

// Alternated, twice each: the machine is shared and noisy, a single pair is not a comparison.
const on = [];
const off = [];
for (let round = 0; round < 2; round++) {
  on.push(await rps(true));
  off.push(await rps(false));
}
const withValidation = median(on);
const withoutValidation = median(off);

printResults('simulator-ews-validate', [
  { figure: 'XSD validation per message, ms (libxml2-wasm, compiled once)', value: median(compiledRuns), baseline: median(xmllintRuns), baselineName: 'xmllint-wasm per call', lowerIsBetter: true },
  { figure: 'one-time schema compile, ms (libxml2-wasm)', value: compileMs, baseline: median(xmllintRuns), baselineName: 'one xmllint-wasm call', lowerIsBetter: true },
  { figure: 'EWS FindItem req/s, request+response validated', value: withValidation, baseline: withoutValidation, baselineName: 'validateEws: false' },
]);
