import { required, type DoctorCheck } from '../doctor-check.js';

/** `permissions`: the token's `roles`/`scp` hold what the transport needs (from the decoded token, not from guesses). */
export const permissionsCheck: DoctorCheck = {
  id: 'permissions',
  needs: ['token'],
  skipMessage: 'Skipped: the token must hold the permissions first.',
  async run(context) {
    const { config } = required(context, 'loaded');
    if (config.auth.flow === 'basic' || config.auth.flow === 'ntlm') {
      return { status: 'skip', message: 'Permissions of a Basic/NTLM account are checked by the mailbox probe.' };
    }
    const claims = required(context, 'claims');
    const runtime = required(context, 'runtime');
    const core = await import('@mailbridge/core');
    const check = core.checkPermissions(claims, { transport: config.transport, operations: ['send', 'read'], kind: runtime.tokens.kind });
    if (check.ok) {
      const held = claims.roles?.join(', ') ?? claims.scp ?? '';
      return { status: 'pass', message: `The token holds what ${config.transport === 'ews' ? 'EWS' : 'Graph'} needs: ${held}.` };
    }
    return {
      status: 'fail',
      message: `The token lacks ${check.missing.join(', ')} (it holds ${(claims.roles ?? []).join(', ') || claims.scp || 'no permissions at all'}).`,
      hint: check.hint,
      code: 'AUTH_MISSING_PERMISSION',
    };
  },
};
