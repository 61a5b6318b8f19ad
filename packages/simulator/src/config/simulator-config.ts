import type { MailbridgeConfigInput } from '@mailbridge/core';
import { DEMO } from '../demo/demo-seed.js';
import type { SimState } from '../state/sim-state.js';
import type { Simulator } from '../types.js';

/** Options of {@link Simulator.config}. */
export type SimulatorConfigOptions = NonNullable<Parameters<Simulator['config']>[0]>;

/**
 * A mailbridge config (PRODUCT.md shape) pointing at a running simulator. Defaults to the demo app
 * and mailbox; the secret is inline unless `secretEnv` names an environment variable.
 */
export function simulatorConfig(state: SimState, endpoints: { url: string; ewsUrl: string; caFile: string }, options: SimulatorConfigOptions = {}): MailbridgeConfigInput {
  const clientId = options.clientId ?? DEMO.clientId;
  const app = state.app(clientId);
  const tenant = options.tenant ?? app?.tenantId ?? DEMO.tenantId;
  const tenantCloud = state.tenant(tenant)?.cloud ?? 'global';
  const secret = options.secret ?? (clientId === DEMO.clientId ? DEMO.clientSecret : app?.secrets?.[0]?.value);
  const secretExpiresAt = app?.secrets?.find((candidate) => candidate.value === secret)?.expiresAt;
  const transport = options.transport ?? 'graph';
  const auth: Extract<MailbridgeConfigInput['auth'], { flow?: 'client-credentials' }> & Record<string, unknown> = {
    flow: 'client-credentials',
    tenant,
    clientId,
  };
  if (options.secretEnv) auth['clientSecret'] = { env: options.secretEnv };
  else if (secret !== undefined) auth['clientSecret'] = secret;
  if (secretExpiresAt) auth['secretExpiresAt'] = secretExpiresAt.slice(0, 10);
  return {
    transport,
    mailbox: options.mailbox ?? DEMO.mailbox,
    cloud: tenantCloud,
    auth,
    endpoints: { authorityHost: endpoints.url, graph: endpoints.url, ews: endpoints.ewsUrl },
    network: { caFile: endpoints.caFile },
    ...(transport === 'ews' ? { ews: { version: 'Exchange2016', impersonate: true } } : {}),
  };
}
