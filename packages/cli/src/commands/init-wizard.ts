import { resolve } from 'node:path';
import type { CliIo } from '../output/cli-io.js';
import { repeatConfig } from '../output/repeat-config.js';
import type { InitAnswers, SecretRef } from './init-answers.js';
import { inspectCertificate } from './init-certificate.js';
import { checklist, type InitBranch } from './init-checklists.js';
import { configRelative, fileProblem } from './init-paths.js';
import { isPersonalMailbox, normaliseGuid, parseYesNo, validators } from './init-validators.js';

/** What the wizard does not ask because flags said it (`--ews-url`, `--authority-host`, …). */
export interface WizardPreset {
  output: string;
  /** The config as the commands the checklist names take it (`mailbridge --config <shown> login`). */
  shown: string;
  endpoints?: { authorityHost?: string; graph?: string; ews?: string };
  caFile?: string;
  now: Date;
}

type Prompts = typeof import('@inquirer/prompts');

/**
 * A yes/no question that takes only y, yes, n or no (any case; empty = the default) and asks
 * again on anything else — inquirer's `confirm` reads "maybe" or "yellow" as its default.
 */
export async function askYesNo(prompts: Prompts, message: string, defaultAnswer: boolean): Promise<boolean> {
  const answer = await prompts.input({
    message: `${message} (${defaultAnswer ? 'Y/n' : 'y/N'})`,
    validate: (value) => parseYesNo(value) !== null || 'Answer y (yes) or n (no)',
  });
  return parseYesNo(answer) ?? defaultAnswer;
}

/** Prints the checklist of a branch, before the questions whose answers it tells where to find. */
function printChecklist(io: CliIo, steps: string[], title: string, config: string): void {
  io.out();
  io.out(io.colors.bold(title));
  steps.forEach((step, index) => io.out(`  ${index + 1}. ${repeatConfig(step, config)}`));
  io.out();
}

/** Where a secret lives: an environment variable (recommended), a 0600 file written with the config, or inline. */
async function askSecret(io: CliIo, prompts: Prompts, answers: InitAnswers, output: string, what: { name: string; label: string; envDefault: string; fileDefault: string; validate: (value: string) => true | string }): Promise<SecretRef> {
  const where = await prompts.select<'env' | 'file' | 'inline'>({
    message: `Where does the ${what.name} live?`,
    choices: [
      { name: 'An environment variable (recommended)', value: 'env' },
      { name: 'A file readable only by you (0600)', value: 'file' },
      { name: 'Inline in the config (discouraged: the config then is a secret)', value: 'inline' },
    ],
  });
  if (where === 'env') return { env: (await prompts.input({ message: 'Environment variable name', default: what.envDefault, validate: validators.envName })).trim() };
  const value = await prompts.password({ message: `${what.label} (input hidden)`, mask: true, validate: what.validate });
  if (where === 'inline') return value.trim();
  let path: string;
  let replace = false;
  for (;;) {
    path = (await prompts.input({ message: 'Secret file path', default: what.fileDefault, validate: (typed) => typed.trim() !== '' || 'Enter a file path' })).trim();
    if ((await fileProblem(resolve(path))) !== undefined) break;
    replace = await askYesNo(prompts, `${path} exists. Replace it with this ${what.name}?`, false);
    if (replace) break;
  }
  const absolute = resolve(process.cwd(), path);
  answers.secretFiles.push({ path: absolute, value: value.trim(), replace });
  io.out(io.colors.dim(`The ${what.name} goes to ${path} (mode 0600) when the config is written.`));
  return { file: configRelative(output, path) };
}

/** Asks the questions of one run of `mailbridge init`, the checklist of the chosen branch first. */
export async function askAnswers(io: CliIo, preset: WizardPreset): Promise<InitAnswers> {
  const prompts = await import('@inquirer/prompts');
  const { select, input } = prompts;
  const place = await select<'graph' | 'ews' | 'onprem'>({
    message: 'Transport',
    choices: [
      { name: 'Microsoft Graph (Exchange Online / Microsoft 365, Outlook.com; recommended)', value: 'graph' },
      { name: 'EWS on Exchange Online (allow-listed apps only, until 2027-04-01)', value: 'ews' },
      { name: 'EWS on Exchange Server on-premises (Basic or NTLM sign-in)', value: 'onprem' },
    ],
  });
  const transport = place === 'graph' ? 'graph' : 'ews';
  const branch = await select<InitBranch>({
    message: 'How does mailbridge sign in?',
    choices:
      place === 'onprem'
        ? [
            { name: 'NTLM (Windows authentication, the Exchange Server default)', value: 'ntlm' },
            { name: 'Basic (user name and password over TLS)', value: 'basic' },
          ]
        : [
            { name: 'As the app itself, with a client secret (a service mailbox, admin consent)', value: 'client-secret' },
            { name: 'As the app itself, with a certificate (recommended over a secret)', value: 'certificate' },
            { name: "As a person, in a browser (authorization code: alerting products' set-up sheets, or when device code is blocked)", value: 'authorization-code' },
            { name: 'As a person, with a device code (Outlook.com / Hotmail personal accounts, or a work account)', value: 'device-code' },
          ],
  });
  const answers: InitAnswers = { transport, branch, mailbox: '', secretFiles: [], ...(preset.caFile ? { caFile: preset.caFile } : {}) };
  if (preset.endpoints && Object.keys(preset.endpoints).length > 0) answers.endpoints = { ...preset.endpoints };

  if (branch === 'basic' || branch === 'ntlm') {
    printChecklist(io, checklist({ transport, branch }), 'On the Exchange Server first:', preset.shown);
    answers.mailbox = (await input({ message: 'Mailbox to send from and read (SMTP address)', validate: validators.mailbox })).trim();
    const ews = preset.endpoints?.ews ?? (await input({ message: 'EWS URL', default: `https://mail.${answers.mailbox.split('@')[1] ?? 'contoso.com'}/EWS/Exchange.asmx`, validate: validators.ewsUrl })).trim();
    answers.endpoints = { ...answers.endpoints, ews };
    answers.username = (await input({ message: branch === 'ntlm' ? 'Account (user@contoso.com, CONTOSO\\user or user)' : 'Account (user@contoso.com or CONTOSO\\user)', default: answers.mailbox, validate: validators.username })).trim();
    if (branch === 'ntlm' && !answers.username.includes('\\') && !answers.username.includes('@')) {
      const domain = (await input({ message: 'Windows domain (NetBIOS name; empty if none)', validate: validators.domain })).trim();
      if (domain) answers.domain = domain;
    }
    answers.password = await askSecret(io, prompts, answers, preset.output, { name: 'password', label: 'Password', envDefault: 'MAILBRIDGE_EWS_PASSWORD', fileDefault: 'mailbridge.password', validate: validators.password });
    if (!preset.caFile) {
      const caFile = (
        await input({
          message: "CA certificate file (PEM) if the server's certificate is from an internal CA (empty if publicly trusted)",
          validate: async (value) => value.trim() === '' || ((await fileProblem(resolve(value.trim()))) ?? true),
        })
      ).trim();
      if (caFile) answers.caFile = configRelative(preset.output, caFile);
    }
    return answers;
  }

  const delegated = branch === 'authorization-code' || branch === 'device-code';
  printChecklist(io, checklist({ transport, branch }), 'The app registration first (Entra admin center):', preset.shown);
  answers.mailbox = (await input({ message: 'Mailbox to send from and read (SMTP address)', validate: validators.mailbox })).trim();
  answers.cloud = await select({
    message: 'Cloud',
    choices: [
      { name: 'Global (most tenants, and Outlook.com)', value: 'global' as const },
      { name: 'US Government GCC High', value: 'usgov' as const },
      { name: 'US Government DoD', value: 'usgov-dod' as const },
      { name: 'China (21Vianet)', value: 'china' as const },
    ],
  });
  if (delegated) {
    const personal = isPersonalMailbox(answers.mailbox);
    answers.tenant = normaliseGuid(
      await input({
        message: 'Tenant (consumers for personal Outlook.com accounts, common, organizations, or your tenant id)',
        default: personal && answers.cloud === 'global' ? 'consumers' : 'common',
        validate: (value) =>
          answers.cloud !== 'global' && normaliseGuid(value).toLowerCase() === 'consumers' ? 'Personal Microsoft accounts exist only in the global cloud: enter your tenant id, or choose the Global cloud' : validators.delegatedTenant(value),
      }),
    );
  } else {
    answers.tenant = normaliseGuid(await input({ message: 'Directory (tenant) ID', validate: validators.tenant }));
  }
  answers.clientId = normaliseGuid(await input({ message: 'Application (client) ID', validate: validators.clientId(answers.tenant) }));

  if (branch === 'certificate') {
    answers.certificate = await askCertificate(io, prompts, preset);
    return answers;
  }
  if (branch === 'authorization-code') {
    io.out(io.colors.dim('The redirect URI is where Entra sends the browser after the sign-in; it must be registered on the app exactly.'));
    const redirectUri = await select<string | undefined>({
      message: 'Redirect URI',
      choices: [
        { name: 'http://localhost — mailbridge receives the sign-in on this machine (needs a browser here)', value: undefined },
        {
          name: 'https://login.microsoftonline.com/common/oauth2/nativeclient — you paste the address the browser ends on (as set-up sheets register it; works on a headless server)',
          value: 'https://login.microsoftonline.com/common/oauth2/nativeclient',
        },
      ],
    });
    if (redirectUri) answers.redirectUri = redirectUri;
    const confidential = await askYesNo(prompts, 'Does the app have a client secret (a confidential client, as set-up sheets register it)?', false);
    io.out(`  Authentication > Add a platform > Mobile and desktop applications: add exactly ${redirectUri ?? 'http://localhost (Entra accepts any port for it)'}.`);
    if (!confidential) {
      io.out('  Set Authentication > Advanced settings > Allow public client flows: Yes (no secret: mailbridge signs in with PKCE).');
      return answers;
    }
  }
  if (branch === 'device-code') return answers;
  answers.clientSecret = await askSecret(io, prompts, answers, preset.output, { name: 'client secret', label: 'Client secret Value', envDefault: 'MAILBRIDGE_CLIENT_SECRET', fileDefault: 'mailbridge.secret', validate: validators.secret });
  const expires = (await input({ message: 'When does the secret expire? (YYYY-MM-DD, shown next to it in Certificates & secrets)', validate: validators.expiry(preset.now) })).trim();
  if (expires) answers.secretExpiresAt = expires;
  return answers;
}

/** The certificate's files, checked (PEM, key belongs to it, not expired), its thumbprint shown. */
async function askCertificate(io: CliIo, prompts: Prompts, preset: WizardPreset): Promise<NonNullable<InitAnswers['certificate']>> {
  const { input } = prompts;
  const exists = async (value: string): Promise<true | string> => (await fileProblem(resolve(value.trim()))) ?? true;
  for (;;) {
    const certificateFile = (await input({ message: 'Certificate file (PEM, the one uploaded to the app)', validate: exists })).trim();
    const privateKeyFile = (await input({ message: 'Private key file (PEM)', validate: exists })).trim();
    let passphrase: SecretRef | undefined;
    let passphraseValue: string | undefined;
    if (await askYesNo(prompts, 'Is the private key encrypted (does it need a passphrase)?', false)) {
      passphraseValue = await prompts.password({ message: 'Passphrase (input hidden, only to check the key)', mask: true });
      const env = (await input({ message: 'Environment variable that will hold the passphrase', default: 'MAILBRIDGE_CERT_PASSPHRASE', validate: validators.envName })).trim();
      passphrase = { env };
    }
    const info = await inspectCertificate(resolve(certificateFile), resolve(privateKeyFile), passphraseValue, preset.now);
    if ('problem' in info) {
      io.out(io.colors.red(`  ${info.problem}.`));
      continue;
    }
    if (info.expired) {
      io.out(io.colors.red(`  The certificate expired on ${info.expiresOn}: upload a new one to the app registration and use it.`));
      continue;
    }
    io.out(`  Thumbprint ${info.thumbprint}, expires on ${info.expiresOn}: it must be listed under Certificates & secrets > Certificates.`);
    return { certificateFile: configRelative(preset.output, certificateFile), privateKeyFile: configRelative(preset.output, privateKeyFile), ...(passphrase ? { passphrase } : {}) };
  }
}
