/**
 * Checks of `mailbridge init`'s answers, the same for a typed answer and a flag. Each returns `true`
 * or the sentence to show (the prompt re-asks; a flag is a usage error). They catch what the config
 * schema cannot: a client id that is the tenant id, a secret ID pasted for its value, an expiry in
 * the past.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const ALIASES = ['common', 'organizations', 'consumers'];
/** The tenant of personal Microsoft accounts (what `consumers` stands for). */
const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const DAY_MS = 86_400_000;

/** A validation result: `true`, or what is wrong and what to enter instead. */
export type Verdict = true | string;

/** A GUID as Entra shows it; braces and quotes around it (copied from PowerShell or JSON) are tolerated. */
export function normaliseGuid(value: string): string {
  return value.trim().replace(/^["'{]+|["'}]+$/g, '');
}

/** Whether a personal Microsoft account's address (Outlook.com, Hotmail, Live, MSN). */
export function isPersonalMailbox(mailbox: string): boolean {
  return /@(outlook|hotmail|live|msn)\.[a-z.]+$/i.test(mailbox.trim());
}

export const validators = {
  mailbox: (value: string): Verdict => EMAIL.test(value.trim()) || 'Enter an e-mail address, e.g. alerts@contoso.com',
  /** Tenant of app-only sign-in: a GUID or a verified domain, never a multi-tenant alias. */
  tenant: (value: string): Verdict => {
    const v = normaliseGuid(value);
    if (ALIASES.includes(v.toLowerCase())) return `"${v}" cannot be used for app-only access: enter your tenant id (Entra admin center > Overview > Directory (tenant) ID)`;
    if (v.toLowerCase() === CONSUMERS_TENANT_ID)
      return "This is the tenant of personal Microsoft accounts, where an app cannot sign in as itself: enter your organisation's Directory (tenant) ID, or choose the device-code sign-in for a personal mailbox";
    return GUID.test(v) || DOMAIN.test(v) || 'Enter the Directory (tenant) ID, a GUID like 11111111-2222-3333-4444-555555555555, or a verified domain such as contoso.onmicrosoft.com';
  },
  /** Tenant of a person's sign-in: the aliases too. */
  delegatedTenant: (value: string): Verdict => {
    const v = normaliseGuid(value);
    if (ALIASES.includes(v.toLowerCase())) return true;
    return GUID.test(v) || DOMAIN.test(v) || 'Enter common, organizations, consumers (personal Outlook.com accounts), a Directory (tenant) ID (a GUID) or a verified domain';
  },
  /** The Application (client) ID: a GUID, and not the tenant id (both are on the app's Overview page). */
  clientId:
    (tenant?: string) =>
    (value: string): Verdict => {
      const v = normaliseGuid(value);
      if (!GUID.test(v)) return "Enter the Application (client) ID from the app's Overview page: a GUID like 66666666-7777-8888-9999-000000000000";
      if (tenant !== undefined && normaliseGuid(tenant).toLowerCase() === v.toLowerCase()) {
        return "This is the Directory (tenant) ID: the Application (client) ID is the other GUID on the app's Overview page";
      }
      return true;
    },
  envName: (value: string): Verdict => /^[A-Za-z_][A-Za-z0-9_]*$/.test(value.trim()) || 'Enter an environment variable name such as MAILBRIDGE_CLIENT_SECRET (letters, digits and _)',
  /**
   * When a secret expires (YYYY-MM-DD, empty = not told): a real date, not in the past (a
   * secret that expired cannot sign in: make a new one). `now` for tests.
   */
  expiry:
    (now: Date = new Date()) =>
    (value: string): Verdict => {
      const v = value.trim();
      if (v === '') return true;
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
      const date = new Date(`${v}T00:00:00Z`);
      // Round trip: Date turns 2027-02-30 into March 2nd.
      if (!match || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== v) return `"${v}" is not a date: enter it as YYYY-MM-DD, e.g. 2027-11-01 (or leave it empty)`;
      const today = new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
      if (date.getTime() < today.getTime()) {
        const days = Math.round((today.getTime() - date.getTime()) / DAY_MS);
        return `${v} is in the past (${days} day${days === 1 ? '' : 's'} ago): that secret has expired and cannot sign in. Create a new one (Certificates & secrets > New client secret) and enter its expiry`;
      }
      return true;
    },
  secret: (value: string): Verdict => {
    if (value.trim() === '') return 'Paste the secret Value';
    if (GUID.test(value.trim())) return 'This is GUID-shaped: it looks like the secret ID. Copy the Value column instead (shown once, when the secret is created)';
    return true;
  },
  password: (value: string): Verdict => value !== '' || 'Enter the password (input is hidden)',
  username: (value: string): Verdict => (value.trim() !== '' && !/\s/.test(value.trim())) || 'Enter the account name: user@contoso.com, CONTOSO\\user or user',
  /** The EWS URL of an Exchange Server: https, with a path (usually /EWS/Exchange.asmx). */
  ewsUrl: (value: string): Verdict => {
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      return 'Enter the EWS URL, e.g. https://mail.contoso.com/EWS/Exchange.asmx';
    }
    if (url.protocol !== 'https:') return 'Enter an https:// URL: mailbridge sends the password only over TLS (e.g. https://mail.contoso.com/EWS/Exchange.asmx)';
    if (url.username || url.password) return 'Leave the user name and password out of the URL: they are asked next';
    if (url.pathname === '/' || url.pathname === '') return 'Add the path: usually /EWS/Exchange.asmx (e.g. https://mail.contoso.com/EWS/Exchange.asmx)';
    return true;
  },
  httpsUrl: (value: string): Verdict => {
    try {
      return new URL(value.trim()).protocol === 'https:' || 'Enter an https:// URL';
    } catch {
      return 'Enter an https:// URL';
    }
  },
  domain: (value: string): Verdict => value.trim() === '' || /^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/.test(value.trim()) || 'Enter the Windows domain (NetBIOS name such as CONTOSO), or leave it empty',
};

/** A strict yes/no answer: `true`/`false`, `undefined` for an empty answer, or `null` for anything else (ask again). */
export function parseYesNo(value: string): boolean | undefined | null {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (v === 'y' || v === 'yes') return true;
  if (v === 'n' || v === 'no') return false;
  return null;
}
