import { readFileSync } from 'node:fs';
import { createHttpClient, createRetryPolicy, createTokenProvider, type HttpClient, type MailbridgeConfig, type MailTransport, type RetryPolicy } from '@mailbridge/core';
import { type ConformanceHarness, simulatorHarness } from '@mailbridge/core/testing';
import { DEMO, demoSeed, type SeedUser, type Simulator, type SimulatorOptions, startSimulator } from '@mailbridge/simulator';
import { createEwsTransport, type EwsTransportOptions } from '../../src/index.js';

/** How the transport under test signs in: Exchange Online app-only OAuth, or Exchange Server Basic / NTLM. */
export type EwsAuthMode = 'oauth' | 'basic' | 'ntlm';

/** A simulator (EWS online or on-premises), core's services pointed at it, and an EWS transport on the demo mailbox. */
export interface EwsTestBed {
  simulator: Simulator;
  transport: MailTransport;
  http: HttpClient;
  retry: RetryPolicy;
  /** A new transport on the same simulator. */
  newTransport(overrides?: Partial<EwsTransportOptions> & { clientId?: string; secret?: string }): MailTransport;
  harness: ConformanceHarness;
  cleanup(): Promise<void>;
}

/** The demo mailbox's user as the demo seed has it (without its messages), to add messages at run time. */
function demoMailboxUser(): SeedUser {
  const { messages: _messages, ...user } = demoSeed().users!.find((candidate) => candidate.mail === DEMO.mailbox)!;
  return user;
}

/** Starts a simulator and builds an EWS transport on it the way core's createTransport does. */
export async function startEwsTestBed(mode: EwsAuthMode, options: { simulator?: SimulatorOptions; retry?: Parameters<typeof createRetryPolicy>[0]; transport?: Partial<EwsTransportOptions> } = {}): Promise<EwsTestBed> {
  const simulator = await startSimulator({ ewsMode: mode === 'oauth' ? 'online' : 'onprem', ...options.simulator });
  const http = createHttpClient({ caFile: simulator.caFile, timeoutMs: 60_000 });
  const retry = createRetryPolicy({ maxAttempts: 6, maxDelayMs: 20_000, baseDelayMs: 20, ...options.retry });
  const closers: Array<() => Promise<void>> = [];
  const newTransport: EwsTestBed['newTransport'] = (overrides = {}) => {
    const { clientId, secret, ...rest } = overrides;
    const config = simulator.config({ transport: 'ews', ...(clientId ? { clientId } : {}), ...(secret ? { secret } : {}) }) as unknown as MailbridgeConfig;
    const transport = createEwsTransport({
      url: simulator.ewsUrl,
      mailbox: DEMO.mailbox,
      authentication: mode === 'oauth' ? { kind: 'bearer', tokenProvider: createTokenProvider(config, { http, retry }) } : { kind: mode, username: DEMO.mailbox, password: DEMO.userPassword },
      http,
      retry,
      ...(mode === 'ntlm' ? { ntlmCaPem: readFileSync(simulator.caFile) } : {}),
      // Shorter than the default [0, 1000, 3000]: a send that did not go out is resent sooner.
      confirmDelaysMs: [0, 200, 500],
      ...options.transport,
      ...rest,
    });
    closers.push(() => transport.close());
    return transport;
  };
  const transport = newTransport();
  const harness = simulatorHarness(simulator, {
    transport,
    mailbox: DEMO.mailbox,
    recipient: DEMO.secondMailbox,
    mailboxUser: demoMailboxUser(),
    // The transport speaks EWS ids: the simulator's view gives both, the harness compares EWS ones.
    toHarnessMessage: (message) => ({ ...message, id: message.ewsId }),
    cleanup: () => cleanup(),
  });
  let cleaned = false;
  async function cleanup(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    for (const close of closers) await close().catch(() => undefined);
    await http.close();
    await simulator.close();
  }
  return { simulator, transport, http, retry, newTransport, harness, cleanup };
}

/** The EWS requests the simulator logged that do not validate against the XSDs (should be none). */
export function invalidEwsRequests(simulator: Simulator): Array<{ operation?: string; errors?: string[] }> {
  return simulator
    .requests()
    .filter((request) => request.api === 'ews' && request.schemaValid === false)
    .map((request) => ({ ...(request.ewsOperation ? { operation: request.ewsOperation } : {}), ...(request.schemaErrors ? { errors: request.schemaErrors.slice(0, 3) } : {}) }));
}
