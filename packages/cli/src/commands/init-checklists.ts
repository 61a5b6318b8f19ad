/**
 * What the admin does in the Entra admin center (or on the Exchange Server) before `mailbridge init`
 * can be answered: printed first, for the branch chosen, so the answers are at hand.
 */

/** The branches of init: how mailbridge signs in. */
export type InitBranch = 'client-secret' | 'certificate' | 'authorization-code' | 'device-code' | 'basic' | 'ntlm';

/** What a checklist depends on. */
export interface ChecklistContext {
  transport: 'graph' | 'ews';
  branch: InitBranch;
  /** authorization-code: the redirect URI, when known. */
  redirectUri?: string;
  /** authorization-code: whether the app has a client secret or certificate. */
  confidential?: boolean;
}

const APP_ONLY_PERMISSION = {
  ews: 'API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > full_access_as_app',
  graph: 'API permissions > Add a permission > Microsoft Graph > Application permissions > Mail.Send and Mail.ReadWrite (Mail.Send alone for an app that only sends)',
} as const;

const DELEGATED_PERMISSION = {
  ews: 'API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Delegated permissions > EWS.AccessAsUser.All',
  graph: 'API permissions > Add a permission > Microsoft Graph > Delegated permissions > Mail.Send, Mail.ReadWrite and User.Read',
} as const;

/** The steps for one branch, numbered by the caller. */
export function checklist(context: ChecklistContext): string[] {
  const { transport, branch } = context;
  if (branch === 'basic' || branch === 'ntlm') {
    return [
      `Exchange Server: an account for mailbridge with its own mailbox (or Send As / Full Access on the mailbox it uses); ${branch === 'ntlm' ? 'NTLM (Windows authentication)' : 'Basic authentication'} enabled on the EWS virtual directory (Get-WebServicesVirtualDirectory | fl *Authentication).`,
      'The EWS URL: Get-WebServicesVirtualDirectory | fl ExternalUrl,InternalUrl (usually https://mail.<your domain>/EWS/Exchange.asmx).',
      "If the server's TLS certificate comes from an internal CA: export that CA as a PEM file for network.caFile.",
      'Keep the password out of the config: an environment variable, or a file only mailbridge can read (0600).',
    ];
  }
  if (branch === 'client-secret' || branch === 'certificate') {
    return [
      'Entra admin center > App registrations > New registration (single tenant: "Accounts in this organizational directory only").',
      'Copy the Directory (tenant) ID and the Application (client) ID from the Overview page (two different GUIDs).',
      `${APP_ONLY_PERMISSION[transport]}.`,
      'An administrator must click "Grant admin consent for <your tenant>" on the API permissions page.',
      branch === 'certificate'
        ? "Certificates & secrets > Certificates > Upload certificate: the .cer/.pem of your key pair; keep its private key (PEM) where mailbridge runs. Note the certificate's expiry."
        : 'Certificates & secrets > New client secret: copy its Value (not the Secret ID) — it is shown only once — and note its expiry: a client secret expires within two years at most.',
      transport === 'ews'
        ? 'Exchange Online only allows EWS for apps on the tenant\'s allow list (Set-OrganizationConfig -EwsAllowedAppIDs) and switches EWS off on 2027-04-01: prefer "graph".'
        : 'Optional: restrict the app to this mailbox with RBAC for Applications (New-ManagementRoleAssignment ... -CustomResourceScope).',
    ];
  }
  const steps = [
    'Entra admin center > App registrations > New registration; Supported account types: "Accounts in any organizational directory and personal Microsoft accounts" for Outlook.com / Hotmail, or your directory only.',
    'Copy the Application (client) ID from the Overview page.',
    `${DELEGATED_PERMISSION[transport]} (the person consents when signing in, unless the tenant requires admin consent: then an administrator clicks "Grant admin consent").`,
  ];
  if (branch === 'device-code') {
    steps.push('Authentication > Advanced settings > Allow public client flows: Yes.');
  } else {
    const uri = context.redirectUri ?? 'http://localhost';
    steps.push(
      `Authentication > Add a platform > Mobile and desktop applications > Custom redirect URIs: add exactly ${uri}${uri.startsWith('http://localhost') ? ' (Entra accepts any port for it: `mailbridge login` picks a free one and receives the sign-in there)' : ' (the browser ends on this page; `mailbridge login` asks you to paste its address)'}.`,
    );
    if (context.confidential === true) steps.push('Certificates & secrets > New client secret: copy its Value (not the Secret ID) — it is shown only once — and note its expiry (two years at most).');
    else if (context.confidential === false) steps.push('Authentication > Advanced settings > Allow public client flows: Yes (no secret: mailbridge signs in with PKCE).');
  }
  steps.push('Then run `mailbridge login` once: the refresh token is kept in the token cache (mode 0600) and renewed silently.');
  return steps;
}
