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
    if (['common', 'organizations', 'consumers'].includes(v.toLowerCase()))
      return `"${v}" cannot be used for app-only access: enter your tenant id (Entra admin center > Overview > Directory (tenant) ID)`;
    return GUID.test(v) || DOMAIN.test(v) || 'Enter the Directory (tenant) ID, a GUID like 11111111-2222-3333-4444-555555555555, or a verified domain';
  },
  clientId: (value: string) => GUID.test(value.trim()) || 'Enter the Application (client) ID from the app\'s Overview page, a GUID',
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

export async function initCommand(io: CliIo, _globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  if (io.json) throw new UsageError('`mailbridge init` is interactive and has no --json mode.', 'Run it without --json in a terminal, or write the config by hand (see the README).');
  if (process.stdin.isTTY !== true) throw new UsageError('`mailbridge init` needs a terminal to ask its questions.', 'Run it in an interactive terminal, or write the config by hand (see the README).');
  const { select, input, password, confirm } = await import('@inquirer/prompts');
  const output = resolve(String(options.output ?? 'mailbridge.json'));
  const c = io.colors;
  io.out(c.bold('mailbridge init — answers come from your Entra app registration.'));

  const exists = await access(output).then(() => true, () => false);
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
  const tenant = (await input({ message: 'Directory (tenant) ID', validate: validators.tenant })).trim();
  const clientId = (await input({ message: 'Application (client) ID', validate: validators.clientId })).trim();
  const where = await select<'env' | 'file' | 'inline'>({
    message: 'Where does the client secret live?',
    choices: [
      { name: 'An environment variable (recommended)', value: 'env' },
      { name: 'A file readable only by you (0600)', value: 'file' },
      { name: 'Inline in the config (discouraged: the config then is a secret)', value: 'inline' },
    ],
  });
  let clientSecret: string | { env: string } | { file: string };
  if (where === 'env') {
    clientSecret = { env: (await input({ message: 'Environment variable name', default: 'MAILBRIDGE_CLIENT_SECRET', validate: validators.envName })).trim() };
  } else {
    const value = await password({ message: 'Client secret Value (input hidden)', mask: true, validate: validators.secret });
    if (where === 'file') {
      const file = resolve(dirname(output), (await input({ message: 'Secret file path', default: 'mailbridge.secret' })).trim());
      await writeFile(file, `${value.trim()}\n`, { mode: 0o600 });
      clientSecret = { file: `./${relative(dirname(output), file)}` };
      io.out(c.dim(`Wrote the secret to ${relative(process.cwd(), file)} (mode 0600).`));
    } else {
      clientSecret = value.trim();
    }
  }
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
