import { createHash } from 'node:crypto';
import type { Mailbox } from '../state/mailbox.js';
import type { SimState } from '../state/sim-state.js';
import type { SeedUser } from '../types.js';
import type { EwsPrincipal } from './auth/ews-auth.js';
import { ewsError } from './ews-error.js';
import type { SoapRequest } from './soap/soap-request.js';

/**
 * The Windows SID the simulator gives a user (stable: derived from the tenant and user ids), for
 * ExchangeImpersonation headers of the `<t:SID>` form: `S-1-5-21-<domain>-<rid>`.
 */
export function userSid(user: SeedUser): string {
  const domain = createHash('sha256').update(user.tenantId.toLowerCase()).digest();
  const rid =
    createHash('sha256')
      .update((user.id ?? user.mail).toLowerCase())
      .digest()
      .readUInt32BE(0) % 1_000_000_000;
  return `S-1-5-21-${domain.readUInt32BE(0)}-${domain.readUInt32BE(4)}-${domain.readUInt32BE(8)}-${1000 + rid}`;
}

/**
 * Which mailbox a request acts on. With an ExchangeImpersonation header: the named user's, if the
 * caller may impersonate (app-only token with full_access_as_app, or an account holding the
 * ApplicationImpersonation role) and the mailbox is in its tenant and scope. Without one: the
 * caller's own, which an app-only token does not have (Exchange Online then demands the header).
 */
export function actingMailbox(state: SimState, principal: EwsPrincipal, request: SoapRequest, notes: string[], anchorMailbox: string | undefined): Mailbox {
  const impersonation = request.impersonation;
  if (!impersonation) {
    if (principal.kind === 'app' || !principal.user) throw ewsError('ErrorInvalidExchangeImpersonationHeaderData', 'fault');
    const own = state.mailbox(principal.user.mail);
    if (!own || principal.user.mailboxEnabled === false) throw ewsError('ErrorNonExistentMailbox', 'fault');
    return own;
  }
  if (!principal.mayImpersonate) throw ewsError('ErrorImpersonateUserDenied', 'fault');
  const target = impersonation.kind === 'SID' ? state.users().find((user) => userSid(user) === impersonation.value) : state.user(impersonation.value);
  const mailbox = target ? state.mailbox(target.mail) : undefined;
  if (!target || !mailbox || target.mailboxEnabled === false || target.tenantId.toLowerCase() !== principal.tenantId) {
    throw ewsError('ErrorNonExistentMailbox', 'fault');
  }
  const scope = principal.app?.mailboxScope;
  if (principal.kind === 'app' && scope && !scope.some((address) => address.toLowerCase() === mailbox.address)) {
    // What Exchange Online answers over EWS here is not documented. Microsoft's pages on RBAC for
    // Applications, on application access policies (learn.microsoft.com/graph/auth-limit-mailbox-access)
    // and the announcement of policy support in EWS (devblogs.microsoft.com/microsoft365dev,
    // "Application Access Policy Support Added to Exchange Web Services") say which apps and
    // mailboxes are refused, not how; only Graph's text is quoted by users (403 ErrorAccessDenied
    // "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy
    // settings."). For EWS, users of the EWS Managed API report "(403) Forbidden", which a Microsoft
    // EWS engineer called a policy block (github.com/David-Barrett-MS/PowerShell-EWS-Scripts issue 62),
    // with no response code or text quoted. So the refused impersonation stays Exchange's own answer
    // for it, ErrorImpersonateUserDenied; the adapter maps it, and a bare 403 to an app, to the
    // mailbox-scope hint either way.
    throw ewsError('ErrorImpersonateUserDenied', 'fault');
  }
  // Microsoft asks impersonating callers to send X-AnchorMailbox (it routes the request to the
  // mailbox's server); requests without it still work, so this is noted rather than refused.
  if (!anchorMailbox) notes.push('ExchangeImpersonation without X-AnchorMailbox');
  else if (anchorMailbox.toLowerCase() !== mailbox.address && anchorMailbox.toLowerCase() !== target.mail.toLowerCase()) {
    notes.push(`X-AnchorMailbox (${anchorMailbox}) differs from the impersonated mailbox`);
  }
  return mailbox;
}
