// Shared set-up of the ews-*.mjs benchmarks: core's services and an EWS transport on a simulator
// running in its own process, with the SOAP bodies the adapter posts recordable (the raw baselines
// replay exactly those), and a bare undici client with the same CA.
import { createHttpClient, createRetryPolicy, createTokenProvider, parseConfig } from '../../packages/core/dist/index.js';
import { createEwsTransport } from '../../packages/ews-adapter/dist/index.js';
import { DEMO } from '../../packages/simulator/dist/index.js';
import { plainFetch } from './graph-support.mjs';

/** `sim` from startSimulatorProcess(). `record(task)` runs `task` and returns the bodies posted meanwhile. */
export function ewsServices(sim) {
  const ewsUrl = `${sim.graphUrl}/EWS/Exchange.asmx`;
  const { config } = parseConfig({ ...sim.config, transport: 'ews' }, { env: {} });
  const http = createHttpClient({ caFile: sim.caFile, timeoutMs: 120_000, env: {} });
  const retry = createRetryPolicy({ maxAttempts: 6, maxDelayMs: 60_000 });
  const tokenProvider = createTokenProvider(config, { http, retry });
  let recording;
  const recordingHttp = {
    userAgent: http.userAgent,
    close: () => http.close(),
    request: (url, init) => {
      recording?.push(init.body);
      return http.request(url, init);
    },
    fetch: (url, init) => {
      recording?.push(init.body);
      return http.fetch(url, init);
    },
  };
  const transport = createEwsTransport({ url: ewsUrl, mailbox: DEMO.mailbox, authentication: { kind: 'bearer', tokenProvider }, http: recordingHttp, retry });
  const raw = plainFetch(sim.caPem);
  return {
    ewsUrl,
    tokenProvider,
    transport,
    raw,
    async record(task) {
      recording = [];
      try {
        await task();
        return recording;
      } finally {
        recording = undefined;
      }
    },
    async close() {
      await transport.close();
      await http.close();
      await raw.close();
    },
  };
}
