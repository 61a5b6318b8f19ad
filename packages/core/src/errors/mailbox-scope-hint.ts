/** What {@link mailboxScopeHint} names. */
export interface MailboxScopeHintOptions {
  /** The mailbox the app was refused. */
  mailbox: string;
  /** The app's client id, for the PowerShell commands. @default "<client id>" */
  clientId?: string;
}

/**
 * The hint for a mailbox an app's permissions do not reach because Exchange Online limits the app
 * to some mailboxes: a management scope of RBAC for Applications, or a (legacy) application access
 * policy. Graph says "Access to OData is disabled." for these; EWS refuses the impersonation.
 * Microsoft documents that such changes take from 30 minutes to 2 hours to apply.
 */
export function mailboxScopeHint(options: MailboxScopeHintOptions): string {
  const app = options.clientId ?? '<client id>';
  return (
    `The app is limited to some mailboxes and ${options.mailbox} is outside them: an RBAC for Applications management scope, ` +
    'or a legacy application access policy, excludes it. In Exchange Online PowerShell an administrator can check with ' +
    `\`Test-ServicePrincipalAuthorization -Identity ${app} -Resource ${options.mailbox}\` (RBAC for Applications) and ` +
    `\`Test-ApplicationAccessPolicy -Identity ${options.mailbox} -AppId ${app}\` (application access policies), then add the ` +
    "mailbox to the app's management scope (New-ManagementRoleAssignment -App ... -CustomResourceScope ...); Microsoft calls " +
    'application access policies legacy, so prefer RBAC for Applications. Such changes take from 30 minutes to 2 hours to apply: ' +
    'retry after that before changing more.'
  );
}
