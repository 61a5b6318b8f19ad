import { createHttpClient, createRetryPolicy, createTokenProvider, type HttpClient, type MailbridgeConfig, type RetryPolicy, type TokenProvider } from '@mailbridge/core';
import { type ConformanceHarness, simulatorHarness } from '@mailbridge/core/testing';
import { DEMO, demoSeed, type SeedUser, type Simulator, type SimulatorOptions, startSimulator } from '@mailbridge/simulator';
import { createGraphTransport, type GraphTransport, type GraphTransportOptions } from '../../src/index.js';

/** A simulator, core's services pointed at it, and a Graph transport on the demo mailbox. */
export interface GraphTestBed {
  simulator: Simulator;
  transport: GraphTransport;
  http: HttpClient;
  tokenProvider: TokenProvider;
  retry: RetryPolicy;
  /** A new transport on the same simulator (another mailbox, client or options). */
  newTransport(options?: Partial<GraphTransportOptions> & { clientId?: string; secret?: string }): GraphTransport;
  /** The harness the core conformance suite runs on. */
  harness: ConformanceHarness;
  cleanup(): Promise<void>;
}

/** The demo mailbox's user as the demo seed has it (without its messages), to add messages at run time. */
function demoMailboxUser(): SeedUser {
  const { messages: _messages, ...user } = demoSeed().users!.find((candidate) => candidate.mail === DEMO.mailbox)!;
  return user;
}

/** Starts a simulator (demo seed unless given) and builds a Graph transport on it the way core does. */
export async function startGraphTestBed(options: { simulator?: SimulatorOptions; retry?: Parameters<typeof createRetryPolicy>[0]; transport?: Partial<GraphTransportOptions> } = {}): Promise<GraphTestBed> {
  const simulator = await startSimulator(options.simulator);
  const http = createHttpClient({ caFile: simulator.caFile, timeoutMs: 60_000 });
  const retry = createRetryPolicy({ maxAttempts: 6, maxDelayMs: 20_000, baseDelayMs: 20, ...options.retry });
  const closers: Array<() => Promise<void>> = [];
  const providers = new Map<string, TokenProvider>();
  const tokenProviderFor = (clientId?: string, secret?: string): TokenProvider => {
    const key = `${clientId ?? ''}|${secret ?? ''}`;
    let provider = providers.get(key);
    if (!provider) {
      const config = simulator.config({ transport: 'graph', ...(clientId ? { clientId } : {}), ...(secret ? { secret } : {}) }) as unknown as MailbridgeConfig;
      provider = createTokenProvider(config, { http, retry });
      providers.set(key, provider);
    }
    return provider;
  };
  const tokenProvider = tokenProviderFor();
  const newTransport: GraphTestBed['newTransport'] = (overrides = {}) => {
    const { clientId, secret, ...rest } = overrides;
    const transport = createGraphTransport({
      mailbox: DEMO.mailbox,
      graphEndpoint: simulator.graphUrl,
      tokenProvider: tokenProviderFor(clientId, secret),
      http,
      retry,
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
  return { simulator, transport, http, tokenProvider, retry, newTransport, harness, cleanup };
}
