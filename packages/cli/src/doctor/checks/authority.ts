import { type DoctorCheck, required } from '../doctor-check.js';
import { failFrom } from '../fail-from.js';

/** `authority`: the tenant exists (OpenID discovery at the authority host). */
export const authorityCheck: DoctorCheck = {
  id: 'authority',
  needs: ['config'],
  skipMessage: 'Skipped: the tenant must be reachable first.',
  async run(context) {
    const { config } = required(context, 'loaded');
    const runtime = required(context, 'runtime');
    if (config.auth.flow === 'basic' || config.auth.flow === 'ntlm') {
      return { status: 'skip', message: 'No Entra ID authority: Basic/NTLM authentication to Exchange Server.' };
    }
    const core = await import('@mailbridge/core');
    const endpoints = core.resolveEndpoints(config);
    const tenant = config.auth.tenant;
    const url = `${endpoints.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
    try {
      const response = await runtime.http.fetch(url, { headers: { accept: 'application/json' } });
      const body = (await response.json().catch(() => undefined)) as { issuer?: string; error?: string } | undefined;
      if (response.ok && body?.issuer) return { status: 'pass', message: `Tenant ${tenant} exists at ${endpoints.authorityHost} (issuer ${body.issuer}).` };
      return failFrom(core.mapEntraError(body ?? {}, { status: response.status }));
    } catch (error) {
      return failFrom(error, `Cannot reach the authority ${endpoints.authorityHost}: `);
    }
  },
};
