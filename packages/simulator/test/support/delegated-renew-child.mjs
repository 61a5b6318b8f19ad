// A separate process that renews a delegated token `rounds` times from a shared token cache
// (run twice at once by delegated-sign-in.test.ts). Prints only counts, never a token.
import { readFileSync } from 'node:fs';
import { createHttpClient, createTokenProvider, parseConfig } from '@mailbridge/core';

const [configFile, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText);
const { config } = parseConfig(JSON.parse(readFileSync(configFile, 'utf8')), { env: {} });
const http = createHttpClient({ caFile: config.network.caFile, timeoutMs: 10_000, env: {} });
const tokens = createTokenProvider(config, { http });
const seen = new Set();
let renewed = 0;
try {
  for (let i = 0; i < rounds; i++) {
    const token = await tokens.getToken(i % 2 === 0 ? 'graph' : 'ews', { forceRefresh: true });
    seen.add(token.token);
    renewed += 1;
  }
  process.stdout.write(JSON.stringify({ ok: true, renewed, distinct: seen.size }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, renewed, code: error?.code, message: error?.message }));
  process.exitCode = 1;
} finally {
  await http.close();
}
