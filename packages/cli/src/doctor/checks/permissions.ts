import { type DoctorCheck, required } from '../doctor-check.js';

/**
 * `permissions`: the token's `roles`/`scp` hold what the transport needs (from the decoded token, not
 * from guesses). Least privilege passes: a token that may only send (or only read) is a warning that
 * names what the other half needs; only a token that may do neither fails.
 */
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
    const options = { transport: config.transport, kind: runtime.tokens.kind } as const;
    const send = core.checkPermissions(claims, { ...options, operations: ['send'] });
    const read = core.checkPermissions(claims, { ...options, operations: ['read'] });
    context.allowed = { send: send.ok, read: read.ok };
    const api = config.transport === 'ews' ? 'EWS' : 'Graph';
    const held = (claims.roles ?? []).join(', ') || claims.scp || 'no permissions at all';
    if (send.ok && read.ok) return { status: 'pass', message: `The token holds what ${api} needs: ${held}.` };
    if (send.ok || read.ok) {
      const lacking = send.ok ? read : send;
      const what = send.ok ? '`mailbridge receive` and the arrival check of `doctor --send-test` need it; sending works without it' : '`mailbridge send` and `doctor --send-test` need it; reading works without it';
      return {
        status: 'warn',
        message: `The token holds ${held}: enough to ${send.ok ? 'send' : 'read'} over ${api}, but it lacks ${lacking.missing.join(', ')} (${what}).`,
        hint: `If this app only ${send.ok ? 'sends' : 'reads'}, nothing to do. Otherwise: ${lacking.hint}`,
        code: 'AUTH_MISSING_PERMISSION',
      };
    }
    const both = core.checkPermissions(claims, { ...options, operations: ['send', 'read'] });
    return {
      status: 'fail',
      message: `The token lacks ${both.missing.join(', ')} (it holds ${held}).`,
      hint: both.hint,
      code: 'AUTH_MISSING_PERMISSION',
    };
  },
};
