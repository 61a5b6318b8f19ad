import { type Command, Option } from 'commander';

/**
 * The flags of `mailbridge init`. With `--transport`, init asks nothing: every answer comes from
 * these flags (named after the config keys they fill), and a missing or invalid one is a usage
 * error. Registered here, without importing the wizard, so `--help` stays light.
 */
export const INIT_ANSWER_FLAGS = [
  'transport',
  'flow',
  'mailbox',
  'cloud',
  'tenant',
  'clientId',
  'secretEnv',
  'secretFile',
  'secretExpiresAt',
  'certificateFile',
  'privateKeyFile',
  'passphraseEnv',
  'passphraseFile',
  'redirectUri',
  'username',
  'domain',
  'passwordEnv',
  'passwordFile',
] as const;

/** Adds init's flags to its command. */
export function addInitOptions(command: Command): Command {
  return command
    .option('-o, --output <path>', 'where to write the config (default: --config, $MAILBRIDGE_CONFIG or ./mailbridge.json, where the other commands look)')
    .option('--force', 'replace an existing config at --output without asking')
    .addOption(new Option('--transport <transport>', 'graph or ews; with it init asks nothing: every answer comes from these flags').choices(['graph', 'ews']))
    .addOption(new Option('--flow <flow>', 'auth.flow (default client-credentials)').choices(['client-credentials', 'device-code', 'authorization-code', 'basic', 'ntlm']))
    .option('--mailbox <address>', 'the mailbox to send from and read')
    .addOption(new Option('--cloud <cloud>', 'national cloud (default global)').choices(['global', 'usgov', 'usgov-dod', 'china']))
    .option('--tenant <id>', 'Directory (tenant) ID or verified domain; common, organizations or consumers for a person')
    .option('--client-id <guid>', 'Application (client) ID')
    .option('--secret-env <name>', 'the client secret is in this environment variable')
    .option('--secret-file <path>', 'the client secret is in this file (keep it 0600)')
    .option('--secret-expires-at <date>', 'when the client secret expires (YYYY-MM-DD)')
    .option('--certificate-file <path>', 'certificate (PEM) uploaded to the app registration, instead of a secret')
    .option('--private-key-file <path>', "the certificate's private key (PEM)")
    .option('--passphrase-env <name>', 'passphrase of an encrypted private key, in this environment variable')
    .option('--passphrase-file <path>', 'passphrase of an encrypted private key, in this file')
    .option('--redirect-uri <uri>', 'authorization-code: the registered redirect URI (default http://localhost)')
    .option('--username <name>', 'basic/ntlm: the Exchange account (user@contoso.com, CONTOSO\\user)')
    .option('--domain <name>', 'ntlm: the Windows domain, when not part of --username')
    .option('--password-env <name>', 'basic/ntlm: the password is in this environment variable')
    .option('--password-file <path>', 'basic/ntlm: the password is in this file (keep it 0600)')
    .option('--ews-url <url>', 'the EWS URL (Exchange Server: https://mail.contoso.com/EWS/Exchange.asmx)')
    .option('--authority-host <url>', 'Entra authority host override (endpoints.authorityHost)')
    .option('--graph-url <url>', 'Microsoft Graph root override (endpoints.graph)')
    .option('--ca-file <path>', 'extra CA certificates to trust (PEM), e.g. an internal CA of Exchange Server');
}
