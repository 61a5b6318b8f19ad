import { access, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { UsageError } from '../output/render-error.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const validators = {
  mailbox: (value: string) => EMAIL.test(value.trim()) || 'Enter an e-mail address, e.g. alerts@contoso.com',
  tenant: (value: string) => {
    const v = value.trim();
    if (['common', 'organizations', 'consumers'].includes(v.toLowerCase())) return `"${v}" cannot be used for app-only access: enter your tenant id (Entra admin center > Overview > Directory (tenant) ID)`;
    return GUID.test(v) || DOMAIN.test(v) || 'Enter the Directory (tenant) ID, a GUID like 11111111-2222-3333-4444-555555555555, or a verified domain';
  },
  delegatedTenant: (value: string) => {
    const v = value.trim();
    if (['common', 'organizations', 'consumers'].includes(v.toLowerCase())) return true;
    return GUID.test(v) || DOMAIN.test(v) || 'Enter common, organizations, consumers, a Directory (tenant) ID (a GUID) or a verified domain';
  },
  clientId: (value: string) => GUID.test(value.trim()) || "Enter the Application (client) ID from the app's Overview page, a GUID",
  envName: (value: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(value.trim()) || 'Enter an environment variable name such as MAILBRIDGE_CLIENT_SECRET',
  expiry: (value: string) => {
    const v = value.trim();
    if (v === '') return true;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(new Date(`${v}T00:00:00Z`).getTime())) return 'Enter a date as YYYY-MM-DD (or leave empty)';
    return true;
  },
  secret: (value: string) => {
    if (value.trim() === '') return 'Paste the secret Value';
    if (GUID.test(value.trim())) return 'This is GUID-shaped: it looks like the secret ID. Copy the Value column instead (shown once, when the secret is created)';
    return true;
  },
};

export function checklist(transport: 'graph' | 'ews', expiresAt?: string): string[] {
  const permission =
    transport === 'ews'
      ? 'API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > full_access_as_app'
      : 'API permissions > Add a permission > Microsoft Graph > Application permissions > Mail.Send and Mail.ReadWrite';
  return [
    'Entra admin center > App registrations > New registration (single tenant: "Accounts in this organizational directory only").',
    'Copy the Directory (tenant) ID and the Application (client) ID from the Overview page.',
    'Certificates & secrets > New client secret: copy its Value (not the Secret ID) — it is shown only once.',
    permission + '.',
    'An administrator must click "Grant admin consent for <your tenant>" on the API permissions page.',
    transport === 'ews'
      ? 'Exchange Online only allows EWS for apps on the tenant\'s allow list (Set-OrganizationConfig -EwsAllowedAppIDs) and switches EWS off on 2027-04-01: prefer "graph".'
      : 'Optional: restrict the app to this mailbox with RBAC for Applications (New-ManagementRoleAssignment ... -CustomResourceScope).',
    `Put a reminder in your calendar before the secret expires${expiresAt ? ` (${expiresAt})` : ''}: secrets live at most two years.`,
  ];
}

/** The sign-in modes init offers. */
type SignIn = 'client-credentials' | 'authorization-code' | 'device-code';

/** The checklist of a delegated app registration (a person signs in). */
export function delegatedChecklist(transport: 'graph' | 'ews', flow: 'authorization-code' | 'device-code', redirectUri: string | undefined, confidential: boolean): string[] {
  const permissions =
    transport === 'ews'
      ? 'API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Delegated permissions > EWS.AccessAsUser.All'
      : 'API permissions > Add a permission > Microsoft Graph > Delegated permissions > Mail.Send, Mail.ReadWrite and User.Read';
  const steps = [
    'Entra admin center > App registrations > New registration; Supported account types: "Accounts in any organizational directory and personal Microsoft accounts" for Outlook.com / Hotmail, or your directory only.',
    'Copy the Application (client) ID from the Overview page.',
    `${permissions} (the person consents when signing in, unless the tenant requires admin consent).`,
  ];
  if (flow === 'device-code') {
    steps.push('Authentication > Advanced settings > Allow public client flows: Yes.');
  } else {
    const uri = redirectUri ?? 'http://localhost';
    steps.push(
      `Authentication > Add a platform > Mobile and desktop applications > Custom redirect URIs: add exactly ${uri}${uri.startsWith('http://localhost') ? ' (Entra accepts any port for it: `mailbridge login` picks a free one and receives the sign-in there)' : ' (the browser ends on this page; `mailbridge login` asks you to paste its address)'}.`,
    );
    if (confidential) steps.push('Certificates & secrets > New client secret: copy its Value (not the Secret ID) — it is shown only once.');
    else steps.push('Authentication > Advanced settings > Allow public client flows: Yes (no secret: mailbridge signs in with PKCE).');
  }
  steps.push('Then run `mailbridge login` once: the refresh token is kept in the token cache (mode 0600) and renewed silently.');
  return steps;
}

export async function initCommand(io: CliIo, _globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  if (io.json) throw new UsageError('`mailbridge init` is interactive and has no --json mode.', 'Run it without --json in a terminal, or write the config by hand (see the README).');
  if (process.stdin.isTTY !== true) throw new UsageError('`mailbridge init` needs a terminal to ask its questions.', 'Run it in an interactive terminal, or write the config by hand (see the README).');
  const { select, input, confirm } = await import('@inquirer/prompts');
  const output = resolve(String(options.output ?? 'mailbridge.json'));
  const c = io.colors;
  io.out(c.bold('mailbridge init — answers come from your Entra app registration.'));

  const exists = await access(output).then(
    () => true,
    () => false,
  );
  if (exists && !(await confirm({ message: `${relative(process.cwd(), output)} exists. Overwrite it?`, default: false }))) {
    io.out('Nothing written.');
    return 0;
  }
  const transport = await select<'graph' | 'ews'>({
    message: 'Transport',
    choices: [
      { name: 'Microsoft Graph (Exchange Online, recommended)', value: 'graph' },
      { name: 'EWS (Exchange Server on-premises, or allow-listed Exchange Online until 2027-04-01)', value: 'ews' },
    ],
  });
  const mailbox = (await input({ message: 'Mailbox to send from and read (SMTP address)', validate: validators.mailbox })).trim();
  const cloud = await select({
    message: 'Cloud',
    choices: [
      { name: 'Global (most tenants)', value: 'global' },
      { name: 'US Government GCC High', value: 'usgov' },
      { name: 'US Government DoD', value: 'usgov-dod' },
      { name: 'China (21Vianet)', value: 'china' },
    ],
  });
  const signIn = await select<SignIn>({
    message: 'How does mailbridge sign in?',
    choices: [
      { name: 'As the app itself (client credentials: a service mailbox, admin consent)', value: 'client-credentials' },
      { name: "As a person, in a browser (authorization code: Outlook.com / Hotmail, alerting products' set-up sheets, or when device code is blocked)", value: 'authorization-code' },
      { name: 'As a person, with a device code (typed on another device)', value: 'device-code' },
    ],
  });
  if (signIn !== 'client-credentials') return initDelegated(io, { output, transport, mailbox, cloud, flow: signIn });
  const tenant = (await input({ message: 'Directory (tenant) ID', validate: validators.tenant })).trim();
  const clientId = (await input({ message: 'Application (client) ID', validate: validators.clientId })).trim();
  const { where, clientSecret } = await askSecret(io, output);
  const expires = (await input({ message: 'When does the secret expire? (YYYY-MM-DD, shown next to it in Certificates & secrets)', validate: validators.expiry })).trim();

  const config = {
    $schema: 'https://unpkg.com/@mailbridge/core/schema/mailbridge.schema.json',
    transport,
    mailbox,
    cloud,
    auth: { flow: 'client-credentials', tenant, clientId, clientSecret, ...(expires ? { secretExpiresAt: expires } : {}) },
  };
  // Validate with the real schema before writing, so the wizard never leaves a broken config.
  const { parseConfig } = await import('@mailbridge/core');
  parseConfig(config, { baseDir: dirname(output), env: { ...io.env, ...(typeof clientSecret === 'object' && 'env' in clientSecret ? { [clientSecret.env]: 'placeholder-for-validation' } : {}) } });
  await writeFile(output, `${JSON.stringify(config, null, 2)}\n`, { mode: where === 'inline' ? 0o600 : 0o644 });
  io.out(`${c.green('✔')} Wrote ${relative(process.cwd(), output)}`);
  io.out();
  io.out(c.bold('App-registration checklist:'));
  checklist(transport, expires || undefined).forEach((step, index) => io.out(`  ${index + 1}. ${step}`));
  if (where === 'env' && typeof clientSecret === 'object' && 'env' in clientSecret) io.out(c.dim(`\nSet ${clientSecret.env} in the environment that runs mailbridge.`));
  io.out();
  if (await confirm({ message: 'Run `mailbridge doctor` now?', default: true })) {
    const { doctorCommand } = await import('./doctor.js');
    return doctorCommand(io, { config: output }, {});
  }
  return 0;
}

/** Where the client secret lives: asked, and written to a 0600 file when that is the answer. */
async function askSecret(io: CliIo, output: string): Promise<{ where: 'env' | 'file' | 'inline'; clientSecret: string | { env: string } | { file: string } }> {
  const { select, input, password } = await import('@inquirer/prompts');
  const where = await select<'env' | 'file' | 'inline'>({
    message: 'Where does the client secret live?',
    choices: [
      { name: 'An environment variable (recommended)', value: 'env' },
      { name: 'A file readable only by you (0600)', value: 'file' },
      { name: 'Inline in the config (discouraged: the config then is a secret)', value: 'inline' },
    ],
  });
  if (where === 'env') return { where, clientSecret: { env: (await input({ message: 'Environment variable name', default: 'MAILBRIDGE_CLIENT_SECRET', validate: validators.envName })).trim() } };
  const value = await password({ message: 'Client secret Value (input hidden)', mask: true, validate: validators.secret });
  if (where === 'inline') return { where, clientSecret: value.trim() };
  const file = resolve(dirname(output), (await input({ message: 'Secret file path', default: 'mailbridge.secret' })).trim());
  await writeFile(file, `${value.trim()}\n`, { mode: 0o600 });
  io.out(io.colors.dim(`Wrote the secret to ${relative(process.cwd(), file)} (mode 0600).`));
  return { where, clientSecret: { file: `./${relative(dirname(output), file)}` } };
}

/** The delegated branch of init: a person signs in (authorization code in a browser, or device code). */
async function initDelegated(io: CliIo, answers: { output: string; transport: 'graph' | 'ews'; mailbox: string; cloud: string; flow: 'authorization-code' | 'device-code' }): Promise<number> {
  const { select, input, confirm } = await import('@inquirer/prompts');
  const { output, transport, mailbox, cloud, flow } = answers;
  const c = io.colors;
  const personal = /@(outlook|hotmail|live|msn)\.[a-z.]+$/i.test(mailbox);
  const tenant = (await input({ message: 'Tenant (common, consumers for personal accounts, organizations, or your tenant id)', default: personal ? 'consumers' : 'common', validate: validators.delegatedTenant })).trim();
  const clientId = (await input({ message: 'Application (client) ID', validate: validators.clientId })).trim();
  let auth: Record<string, unknown> = { flow, tenant, clientId };
  let redirectUri: string | undefined;
  let confidential = false;
  let secret: Awaited<ReturnType<typeof askSecret>> | undefined;
  let expires = '';
  if (flow === 'authorization-code') {
    io.out(c.dim('The redirect URI is where Entra sends the browser after the sign-in; it must be registered on the app exactly.'));
    redirectUri = await select<string | undefined>({
      message: 'Redirect URI',
      choices: [
        { name: 'http://localhost — mailbridge receives the sign-in on this machine (needs a browser here)', value: undefined },
        {
          name: 'https://login.microsoftonline.com/common/oauth2/nativeclient — you paste the address the browser ends on (as set-up sheets register it; works on a headless server)',
          value: 'https://login.microsoftonline.com/common/oauth2/nativeclient',
        },
      ],
    });
    confidential = await confirm({ message: 'Does the app have a client secret (a confidential client, as set-up sheets register it)?', default: false });
    if (confidential) {
      secret = await askSecret(io, output);
      expires = (await input({ message: 'When does the secret expire? (YYYY-MM-DD, shown next to it in Certificates & secrets)', validate: validators.expiry })).trim();
    }
    auth = { ...auth, ...(secret ? { clientSecret: secret.clientSecret } : {}), ...(expires ? { secretExpiresAt: expires } : {}), ...(redirectUri ? { redirectUri } : {}) };
  }
  auth.tokenCache = './mailbridge.token-cache.json';
  const config = { $schema: 'https://unpkg.com/@mailbridge/core/schema/mailbridge.schema.json', transport, mailbox, cloud, auth };
  const { parseConfig } = await import('@mailbridge/core');
  const clientSecret = secret?.clientSecret;
  parseConfig(config, { baseDir: dirname(output), env: { ...io.env, ...(typeof clientSecret === 'object' && 'env' in clientSecret ? { [clientSecret.env]: 'placeholder-for-validation' } : {}) } });
  await writeFile(output, `${JSON.stringify(config, null, 2)}\n`, { mode: secret?.where === 'inline' ? 0o600 : 0o644 });
  io.out(`${c.green('✔')} Wrote ${relative(process.cwd(), output)}`);
  io.out();
  io.out(c.bold('App-registration checklist:'));
  delegatedChecklist(transport, flow, redirectUri, confidential).forEach((step, index) => io.out(`  ${index + 1}. ${step}`));
  io.out();
  io.out(`Next: ${c.bold(`mailbridge --config ${relative(process.cwd(), output)} login`)}${flow === 'authorization-code' && redirectUri ? ' (add --no-browser on a server without a browser)' : ''}.`);
  return 0;
}
