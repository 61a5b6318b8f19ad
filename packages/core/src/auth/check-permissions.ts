import type { TokenResource } from '../cloud/clouds.js';
import type { TokenClaims } from './token-provider.js';

/** What a caller wants to do with a token: send mail, read it, or change it (mark read, move, big attachments). */
export type MailOperation = 'send' | 'read' | 'readwrite';

/** What {@link checkPermissions} checks. */
export interface PermissionCheckOptions {
  transport: TokenResource;
  operations: MailOperation[];
  /** App-only tokens carry `roles`, delegated ones `scp`. Default: guessed from the claims (a `scp` claim means delegated). */
  kind?: 'app-only' | 'delegated';
}

/** The verdict of {@link checkPermissions}. */
export interface PermissionCheckResult {
  ok: boolean;
  /** The permissions to add, one per missing requirement (the preferred one when several would do). */
  missing: string[];
  /** What the admin should do; an empty string when `ok`. */
  hint: string;
}

/** One requirement: any of `anyOf` satisfies it; `anyOf[0]` is what we tell people to add. */
interface Requirement {
  anyOf: string[];
  operation: MailOperation;
}

const API_NAMES: Record<TokenResource, string> = {
  graph: 'Microsoft Graph',
  ews: 'Office 365 Exchange Online (under "APIs my organization uses")',
};

function requirementsFor(transport: TokenResource, kind: 'app-only' | 'delegated', operation: MailOperation): Requirement {
  if (transport === 'ews') {
    // EWS has a single all-mailbox-access permission in each kind; there is no send-only variant.
    return { operation, anyOf: [kind === 'app-only' ? 'full_access_as_app' : 'EWS.AccessAsUser.All'] };
  }
  switch (operation) {
    case 'send':
      return { operation, anyOf: ['Mail.Send'] };
    case 'read':
      // Mail.ReadWrite is what we recommend (marking read, moving), but Mail.Read is enough to list.
      return { operation, anyOf: ['Mail.ReadWrite', 'Mail.Read'] };
    case 'readwrite':
      return { operation, anyOf: ['Mail.ReadWrite'] };
  }
}

/**
 * Says which permission a token lacks for the given transport and operations, and what an admin
 * does about it. Reads `roles` (app-only) or `scp` (delegated); the token is not verified.
 *
 * EWS app-only needs `full_access_as_app` (delegated: `EWS.AccessAsUser.All`); Graph needs
 * `Mail.Send` to send, `Mail.ReadWrite` (or `Mail.Read`) to read, `Mail.ReadWrite` to mark, move
 * and upload large attachments.
 */
export function checkPermissions(claims: TokenClaims, options: PermissionCheckOptions): PermissionCheckResult {
  const kind = options.kind ?? (typeof claims.scp === 'string' && claims.scp !== '' ? 'delegated' : 'app-only');
  const granted = new Set(kind === 'app-only' ? (claims.roles ?? []) : (claims.scp ?? '').split(' ').filter(Boolean));

  const missing: string[] = [];
  const failedOperations: MailOperation[] = [];
  for (const operation of options.operations) {
    const requirement = requirementsFor(options.transport, kind, operation);
    if (requirement.anyOf.some((permission) => granted.has(permission))) continue;
    failedOperations.push(operation);
    const wanted = requirement.anyOf[0] as string;
    if (!missing.includes(wanted)) missing.push(wanted);
  }
  if (missing.length === 0) return { ok: true, missing, hint: '' };

  const list = missing.join(', ');
  const api = API_NAMES[options.transport];
  const hint =
    kind === 'app-only'
      ? `Add ${list} as an *application* permission of ${api} in Entra admin center > App registrations > your app > API permissions > Add a permission; ` +
        `then an administrator must click "Grant admin consent" for the tenant. New permissions appear in tokens issued after consent (get a new token).`
      : `Add ${list} as a *delegated* permission of ${api} in Entra admin center > App registrations > your app > API permissions, ` +
        `then sign in again (mailbridge login) and accept the consent prompt, or have an administrator click "Grant admin consent".`;
  return { ok: false, missing, hint: `The token has no ${list} (needed to ${failedOperations.join(' and ')} over ${options.transport === 'ews' ? 'EWS' : 'Graph'}). ${hint}` };
}
