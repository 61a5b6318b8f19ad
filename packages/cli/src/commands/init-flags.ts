import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../output/render-error.js';
import { shellQuote } from '../output/repeat-config.js';
import type { InitAnswers, SecretRef } from './init-answers.js';
import { inspectCertificate } from './init-certificate.js';
import type { InitBranch } from './init-checklists.js';
import { configRelative, fileProblem, isExposed } from './init-paths.js';
import { isPersonalMailbox, normaliseGuid, type Verdict, validators } from './init-validators.js';

/** The flag a camel-cased option came from (`clientId` → `--client-id`). */
const flag = (name: string): string => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/** Which answer flags each branch takes, beyond --transport, --flow and --mailbox. */
const BRANCH_FLAGS: Record<InitBranch, readonly string[]> = {
  'client-secret': ['cloud', 'tenant', 'clientId', 'secretEnv', 'secretFile', 'secretExpiresAt'],
  certificate: ['cloud', 'tenant', 'clientId', 'certificateFile', 'privateKeyFile', 'passphraseEnv', 'passphraseFile'],
  'authorization-code': ['cloud', 'tenant', 'clientId', 'redirectUri', 'secretEnv', 'secretFile', 'secretExpiresAt', 'certificateFile', 'privateKeyFile', 'passphraseEnv', 'passphraseFile'],
  'device-code': ['cloud', 'tenant', 'clientId'],
  basic: ['username', 'domain', 'passwordEnv', 'passwordFile'],
  ntlm: ['username', 'domain', 'passwordEnv', 'passwordFile'],
};
const ANSWERS = ['cloud', 'tenant', 'clientId', 'secretEnv', 'secretFile', 'secretExpiresAt', 'certificateFile', 'privateKeyFile', 'passphraseEnv', 'passphraseFile', 'redirectUri', 'username', 'domain', 'passwordEnv', 'passwordFile'];

/** Context of {@link answersFromFlags}. */
export interface FlagContext {
  /** The config file to write (absolute). */
  output: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: Date;
  /** `mailbridge init` as hints name it (with the `--output` given). @default "mailbridge init" */
  again?: string;
}

/**
 * The answers of a run without questions (`init --transport …`), checked as the wizard checks
 * typed answers. Every problem is collected and reported at once (a usage error, exit 2);
 * `notes` are what the admin should know but that does not stop the config (a secret file that
 * does not exist yet).
 */
export async function answersFromFlags(options: Record<string, unknown>, context: FlagContext): Promise<{ answers: InitAnswers; notes: string[] }> {
  const problems: string[] = [];
  const notes: string[] = [];
  const text = (name: string): string | undefined => (typeof options[name] === 'string' ? (options[name] as string).trim() : undefined);
  const check = (name: string, verdict: Verdict): void => {
    if (verdict !== true) problems.push(`${flag(name)}: ${verdict}`);
  };
  const transport = text('transport') as 'graph' | 'ews';
  const flow = text('flow') ?? 'client-credentials';
  const branch: InitBranch = flow === 'client-credentials' ? (text('certificateFile') || text('privateKeyFile') ? 'certificate' : 'client-secret') : (flow as InitBranch);
  const onPremises = branch === 'basic' || branch === 'ntlm';
  if (onPremises && transport !== 'ews') problems.push(`--flow ${flow} is for EWS on Exchange Server on-premises: use --transport ews with it`);

  for (const name of ANSWERS) {
    if (text(name) !== undefined && !BRANCH_FLAGS[branch].includes(name))
      problems.push(`${flag(name)} does not apply to auth.flow "${flow}"${name === 'secretExpiresAt' && branch === 'certificate' ? " (a certificate's expiry is read from the certificate)" : ''}`);
  }
  if (text('graphUrl') !== undefined && transport !== 'graph') problems.push('--graph-url applies to --transport graph only');
  if (text('authorityHost') !== undefined && onPremises) problems.push('--authority-host does not apply to Basic or NTLM sign-in (there is no Entra sign-in)');
  if (text('ewsUrl') !== undefined && transport !== 'ews') problems.push('--ews-url applies to --transport ews only');

  const mailbox = text('mailbox');
  if (mailbox === undefined) problems.push('--mailbox is required: the SMTP address mailbridge sends from and reads');
  else check('mailbox', validators.mailbox(mailbox));

  const secret = (kind: 'secret' | 'password' | 'passphrase', required: boolean): SecretRef | undefined => {
    const env = text(`${kind}Env`);
    const file = text(`${kind}File`);
    if (env !== undefined && file !== undefined) {
      problems.push(`--${kind}-env and --${kind}-file: give one of them`);
      return undefined;
    }
    if (env !== undefined) {
      check(`${kind}Env`, validators.envName(env));
      return { env };
    }
    if (file !== undefined) return { file: configRelative(context.output, file, context.cwd) };
    if (required) problems.push(`--${kind}-env NAME or --${kind}-file PATH is required: where the ${kind === 'secret' ? 'client secret' : kind} is kept (the config never gets the value from a flag)`);
    return undefined;
  };

  const answers: InitAnswers = { transport, branch, mailbox: mailbox ?? '', secretFiles: [] };
  if (onPremises) {
    const ewsUrl = text('ewsUrl');
    if (ewsUrl === undefined) problems.push("--ews-url is required with Basic or NTLM: your Exchange Server's EWS URL, e.g. https://mail.contoso.com/EWS/Exchange.asmx");
    else check('ewsUrl', validators.ewsUrl(ewsUrl));
    const username = text('username');
    if (username === undefined) problems.push('--username is required: the Exchange account mailbridge signs in as');
    else check('username', validators.username(username));
    const domain = text('domain');
    if (domain !== undefined) check('domain', validators.domain(domain));
    Object.assign(answers, { username, ...(domain ? { domain } : {}), password: secret('password', true), endpoints: { ews: ewsUrl } });
  } else {
    answers.cloud = (text('cloud') ?? 'global') as NonNullable<InitAnswers['cloud']>;
    const appOnly = branch === 'client-secret' || branch === 'certificate';
    const rawTenant = text('tenant');
    let tenant = rawTenant === undefined ? undefined : normaliseGuid(rawTenant);
    if (tenant === undefined && appOnly) problems.push('--tenant is required: the Directory (tenant) ID or a verified domain');
    if (tenant === undefined && !appOnly) tenant = mailbox !== undefined && isPersonalMailbox(mailbox) ? 'consumers' : 'common';
    if (tenant !== undefined) check('tenant', appOnly ? validators.tenant(tenant) : validators.delegatedTenant(tenant));
    const clientId = text('clientId');
    if (clientId === undefined) problems.push('--client-id is required: the Application (client) ID');
    else check('clientId', validators.clientId(tenant)(clientId));
    Object.assign(answers, { tenant, clientId: clientId === undefined ? undefined : normaliseGuid(clientId) });
    if (tenant?.toLowerCase() === 'consumers' && answers.cloud !== 'global') problems.push('--tenant consumers: personal Microsoft accounts exist only in the global cloud');

    const certificateFile = text('certificateFile');
    const privateKeyFile = text('privateKeyFile');
    if (certificateFile !== undefined || privateKeyFile !== undefined) {
      if (certificateFile === undefined || privateKeyFile === undefined) problems.push('--certificate-file and --private-key-file go together: the certificate and its private key (PEM)');
      if (text('secretEnv') !== undefined || text('secretFile') !== undefined) problems.push('a certificate and a client secret: give one credential');
      const passphrase = secret('passphrase', false);
      if (certificateFile !== undefined && privateKeyFile !== undefined) {
        answers.certificate = { certificateFile: configRelative(context.output, certificateFile, context.cwd), privateKeyFile: configRelative(context.output, privateKeyFile, context.cwd), ...(passphrase ? { passphrase } : {}) };
        let passphraseValue: string | null | undefined;
        if (passphrase !== undefined) {
          passphraseValue = null;
          if (typeof passphrase === 'object' && 'env' in passphrase) passphraseValue = context.env[passphrase.env] || null;
          else if (text('passphraseFile') !== undefined)
            passphraseValue = await readFile(resolve(context.cwd, text('passphraseFile') as string), 'utf8').then(
              (value) => value.replace(/\r?\n$/, ''),
              () => null,
            );
        }
        const info = await inspectCertificate(resolve(context.cwd, certificateFile), resolve(context.cwd, privateKeyFile), passphraseValue, context.now);
        if ('problem' in info) problems.push(`--certificate-file / --private-key-file: ${info.problem}`);
        else if (info.expired) problems.push(`--certificate-file: the certificate expired on ${info.expiresOn}: upload a new one to the app registration and use it`);
        else notes.push(`Certificate thumbprint ${info.thumbprint}, expires on ${info.expiresOn}: it must be listed under Certificates & secrets > Certificates.`);
      }
    } else if (branch === 'client-secret' || branch === 'authorization-code') {
      answers.clientSecret = secret('secret', branch === 'client-secret');
      const expires = text('secretExpiresAt');
      if (expires !== undefined) {
        if (answers.clientSecret === undefined && branch === 'authorization-code') problems.push('--secret-expires-at goes with a client secret (--secret-env or --secret-file)');
        check('secretExpiresAt', validators.expiry(context.now)(expires));
        answers.secretExpiresAt = expires;
      } else if (answers.clientSecret !== undefined) {
        notes.push('No --secret-expires-at: doctor cannot warn before the secret expires (Certificates & secrets shows the date).');
      }
    }
    const redirectUri = text('redirectUri');
    if (redirectUri !== undefined) answers.redirectUri = redirectUri;
    const authorityHost = text('authorityHost');
    const graph = text('graphUrl');
    const ews = text('ewsUrl');
    for (const [name, value] of [
      ['authorityHost', authorityHost],
      ['graphUrl', graph],
      ['ewsUrl', ews],
    ] as const)
      if (value !== undefined) check(name, validators.httpsUrl(value));
    if (authorityHost || graph || ews) answers.endpoints = { ...(authorityHost ? { authorityHost } : {}), ...(graph ? { graph } : {}), ...(ews ? { ews } : {}) };
  }

  for (const kind of ['secret', 'password', 'passphrase'] as const) {
    const file = text(`${kind}File`);
    if (file === undefined || problems.length > 0) continue;
    const problem = await fileProblem(resolve(context.cwd, file));
    if (problem !== undefined) notes.push(`--${kind}-file: ${problem} yet: create it (mode 0600) before mailbridge runs.`);
    else if (await isExposed(resolve(context.cwd, file))) notes.push(`--${kind}-file: ${file} is readable by other users: chmod 600 ${shellQuote(file)}`);
  }
  const caFile = text('caFile');
  if (caFile !== undefined) {
    const problem = await fileProblem(resolve(context.cwd, caFile));
    if (problem !== undefined) problems.push(`--ca-file: ${problem}`);
    answers.caFile = configRelative(context.output, caFile, context.cwd);
  }

  if (problems.length > 0) {
    throw new UsageError(
      `mailbridge init cannot write the config: ${problems.join('; ')}.`,
      `Fix the flags above (\`mailbridge init --help\` lists them and has examples), or run \`${context.again ?? 'mailbridge init'}\` without --transport in a terminal to be asked.`,
    );
  }
  return { answers, notes };
}
