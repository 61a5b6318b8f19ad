import type { Command } from 'commander';
import { BROWSER_ENVIRONMENT, CONFIG_ENVIRONMENT, CONFIG_ENVIRONMENT_NOTE, type EnvironmentEntry, NETWORK_ENVIRONMENT, TERMINAL_ENVIRONMENT } from './environment.js';

/**
 * The sections gh and az print under a command's options: examples, environment variables and exit
 * codes (the global options come from commander's `showGlobalOptions`). Plain text, so `--help`
 * stays as light as commander itself.
 */
export interface CommandHelp {
  /** `[comment, command line]`: each printed as `# comment` then `$ command`. */
  examples: ReadonlyArray<readonly [string, string]>;
  /** Which variables the command reads: `config` (the config file, overrides, network) or `terminal` (colour only). */
  environment: 'config' | 'terminal';
  /** Variables beyond those. */
  moreEnvironment?: readonly EnvironmentEntry[];
  /** Exit codes: `[code, meaning]`, the usual three unless given. */
  exitCodes?: ReadonlyArray<readonly [string, string]>;
}

/** PRODUCT.md's exit codes. */
const EXIT_SUCCESS = ['0', 'success'] as const;
const EXIT_FAILED = ['1', 'the operation failed (sign-in, permission, network, service)'] as const;
const EXIT_USAGE = ['2', 'bad usage, or an invalid or missing config'] as const;
const STANDARD_EXIT_CODES = [EXIT_SUCCESS, EXIT_FAILED, EXIT_USAGE] as const;

/** Each command's sections, by its path (`outbox list`); the program itself is `mailbridge`. */
export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  mailbridge: {
    examples: [
      ['write a config, then check it', 'mailbridge init && mailbridge doctor'],
      ['send an alert with a config elsewhere', 'mailbridge --config /etc/mailbridge.json send --to oncall@contoso.com --subject "Disk 97%" --text "db-01"'],
      ['try everything against a local simulator', 'mailbridge sandbox --demo'],
    ],
    environment: 'config',
  },
  doctor: {
    examples: [
      ['check the config, the sign-in, the permissions and the mailbox', 'mailbridge doctor'],
      ['also send a test message and wait until it arrives', 'mailbridge doctor --send-test alerts@contoso.com'],
      ['machine-readable, for monitoring or a support ticket', 'mailbridge --config prod.json doctor --json'],
    ],
    environment: 'config',
    exitCodes: [
      ['0', 'no check failed (warnings allowed)'],
      ['1', 'a check failed'],
      ['2', 'bad usage, or an invalid or missing config'],
    ],
  },
  token: {
    examples: [
      ["see the token's audience, tenant, app and roles", 'mailbridge token'],
      ['the claims as JSON', 'mailbridge token --json'],
      ['the access token itself, for curl (a secret)', 'mailbridge token --raw'],
    ],
    environment: 'config',
  },
  send: {
    examples: [
      ['a plain-text alert', 'mailbridge send --to oncall@contoso.com --subject "[ALERT] disk 97% on db-01" --text "Free space on /var: 3%."'],
      ['the body from a pipe', 'df -h | mailbridge send --to ops@contoso.com --subject "df on db-01" --text -'],
      ['an HTML report with an attachment, high importance', 'mailbridge send --to a@contoso.com,b@contoso.com --subject Report --html report.html --attach report.csv --importance high'],
      ['queue it in the durable outbox and return', 'mailbridge send --to oncall@contoso.com --subject "[ALERT] db-01 down" --text "ping failed" --queue'],
    ],
    environment: 'config',
  },
  receive: {
    examples: [
      ['the 10 newest unread messages', 'mailbridge receive --unread --limit 10'],
      ['replies since this morning, as JSON, marked read', 'mailbridge receive --since 2026-12-07T06:00:00Z --mark-read --json'],
      ['save each message as a .eml file', 'mailbridge receive --limit 5 --save-mime ./mail'],
    ],
    environment: 'config',
  },
  show: {
    examples: [
      ['one message: headers, text body, attachments (ID from `mailbridge receive`)', 'mailbridge show AAMkAGI2TG93AAA='],
      ['the same as JSON', 'mailbridge show AAMkAGI2TG93AAA= --json'],
      ['the HTML body as it is, and mark the message read', 'mailbridge show AAMkAGI2TG93AAA= --html --mark-read'],
    ],
    environment: 'config',
  },
  init: {
    examples: [
      ['answer questions in a terminal', 'mailbridge init'],
      [
        'Graph, app-only, the secret in an environment variable (no questions)',
        'mailbridge init --transport graph --mailbox alerts@contoso.com --tenant 11111111-2222-3333-4444-555555555555 --client-id 66666666-7777-8888-9999-000000000000 --secret-env MAILBRIDGE_CLIENT_SECRET --secret-expires-at 2027-11-01',
      ],
      [
        'a certificate instead of a secret',
        'mailbridge init --transport graph --mailbox alerts@contoso.com --tenant contoso.onmicrosoft.com --client-id 66666666-7777-8888-9999-000000000000 --certificate-file app.pem --private-key-file app.key',
      ],
      ['Exchange Server on-premises, NTLM', 'mailbridge init --transport ews --flow ntlm --ews-url https://mail.contoso.com/EWS/Exchange.asmx --mailbox alerts@contoso.com --username CONTOSO\\svc-alerts --password-env EWS_PASSWORD'],
      ['an Outlook.com mailbox (a person signs in with a device code)', 'mailbridge init --transport graph --flow device-code --tenant consumers --mailbox sam@outlook.com --client-id 66666666-7777-8888-9999-000000000000'],
    ],
    environment: 'terminal',
    moreEnvironment: [{ name: 'MAILBRIDGE_CONFIG', description: 'where to write the config when neither --output nor --config is given (default ./mailbridge.json)' }],
    exitCodes: [
      ['0', 'the config was written (or you chose not to replace an existing one)'],
      ['1', 'the doctor run you asked for at the end found a failing check'],
      ['2', 'bad usage: a missing or invalid answer flag, no terminal for the questions, a config or secret file that cannot be written'],
      ['130', 'interrupted (Ctrl-C): nothing written'],
    ],
  },
  login: {
    examples: [
      ['sign in once (device code or browser, as auth.flow says)', 'mailbridge login'],
      ['on a server without a browser: paste the address the browser ended on', 'mailbridge login --no-browser'],
    ],
    environment: 'config',
    moreEnvironment: BROWSER_ENVIRONMENT,
    exitCodes: [EXIT_SUCCESS, ['1', 'the sign-in failed or was cancelled (Ctrl-C: AUTH_DECLINED)'], EXIT_USAGE],
  },
  logout: {
    examples: [['forget the signed-in account (removes it from auth.tokenCache)', 'mailbridge logout']],
    environment: 'config',
  },
  relay: {
    examples: [
      ['run the SMTP relay of the config\'s "relay" section', 'mailbridge relay --config /etc/mailbridge.json'],
      ['one JSON line per accepted and delivered message', 'mailbridge relay --json'],
    ],
    environment: 'config',
    exitCodes: [['0', 'stopped by SIGTERM or SIGINT after finishing its sessions'], ['1', 'could not start (a port in use, the outbox store unavailable)'], EXIT_USAGE],
  },
  'relay hash-password': {
    examples: [
      ['type a password and get the value for relay.users[].password', 'mailbridge relay hash-password'],
      ['from stdin', 'printf %s "$SCANNER_PASSWORD" | mailbridge relay hash-password'],
    ],
    environment: 'terminal',
  },
  outbox: {
    examples: [
      ['what is queued, held or failed', 'mailbridge outbox status'],
      ['run delivery workers', 'mailbridge outbox work'],
    ],
    environment: 'config',
  },
  'outbox status': {
    examples: [
      ['counts by state and the sending budget of each mailbox', 'mailbridge outbox status'],
      ['as JSON, for monitoring', 'mailbridge outbox status --json'],
    ],
    environment: 'config',
  },
  'outbox list': {
    examples: [
      ['every message', 'mailbridge outbox list'],
      ['the failed ones, with their error codes', 'mailbridge outbox list --state failed'],
    ],
    environment: 'config',
  },
  'outbox show': {
    examples: [['one message: state, attempts, last error and its hint', 'mailbridge outbox show 1765078212345-3f9c0a']],
    environment: 'config',
  },
  'outbox retry': {
    examples: [['queue a failed message again', 'mailbridge outbox retry 1765078212345-3f9c0a']],
    environment: 'config',
  },
  'outbox drop': {
    examples: [['remove a message that is not being sent', 'mailbridge outbox drop 1765078212345-3f9c0a']],
    environment: 'config',
  },
  'outbox work': {
    examples: [
      ['deliver queued messages until stopped', 'mailbridge outbox work --config /etc/mailbridge.json'],
      ['JSON lines for a log collector', 'mailbridge outbox work --json'],
    ],
    environment: 'config',
    exitCodes: [['0', 'stopped by SIGTERM or SIGINT after the sends in flight finished'], ['1', 'could not start (the outbox store unavailable)'], EXIT_USAGE],
  },
  sandbox: {
    examples: [
      ['a local simulator and ./mailbridge.sandbox.json for it, until Ctrl-C', 'mailbridge sandbox'],
      ['doctor, a send and a receive against it, then exit', 'mailbridge sandbox --demo'],
      ['then, in another terminal', 'mailbridge --config mailbridge.sandbox.json doctor'],
      ['for a script: one JSON line once ready (URLs, config, relay ports, commands; no secret), until stopped', 'mailbridge --json sandbox > sandbox-ready.json &'],
      ['rehearse failures: apps, mailboxes and faults from a seed file (a config per app)', 'mailbridge sandbox --seed rehearsal.yaml'],
      ['inject faults from the command line', 'mailbridge sandbox --fault status:status=503,api=graph,count=2 --fault token-outage:count=3'],
    ],
    environment: 'terminal',
    exitCodes: [
      ['0', 'stopped by Ctrl-C, or --demo succeeded'],
      ['1', 'a --demo step failed, or the simulator could not start'],
      ['2', 'bad usage, or a seed file or --fault that does not fit (SANDBOX_SEED_INVALID)'],
    ],
  },
};

/** `outbox list` for the `list` under `outbox`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.length === 0 ? 'mailbridge' : names.join(' ');
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** As commander wraps: the terminal's width, 80 when not a terminal. */
const helpWidth = (): number => Math.max(60, Math.min(process.stdout.columns || 80, 120));

function entries(rows: ReadonlyArray<readonly [string, string]>, width = Math.max(...rows.map(([name]) => name.length))): string[] {
  const textWidth = Math.max(30, helpWidth() - width - 4);
  return rows.flatMap(([name, text]) => wrap(text, textWidth).map((part, index) => `  ${(index === 0 ? name : '').padEnd(width)}  ${part}`));
}

const rowsOf = (list: readonly EnvironmentEntry[]) => list.map((entry) => [entry.name, entry.description] as const);

/** The text printed after a command's options. */
export function renderHelpSections(help: CommandHelp): string {
  const lines = ['', 'Examples:'];
  for (const [comment, line] of help.examples) lines.push(`  # ${comment}`, `  $ ${line}`, '');
  lines.pop();
  const config = help.environment === 'config' ? rowsOf(CONFIG_ENVIRONMENT) : [];
  const rest = rowsOf([...(help.environment === 'config' ? NETWORK_ENVIRONMENT : []), ...(help.moreEnvironment ?? []), ...TERMINAL_ENVIRONMENT]);
  const width = Math.max(...[...config, ...rest].map(([name]) => name.length));
  lines.push('', 'Environment:');
  if (config.length > 0) lines.push(...entries(config, width), ...wrap(`(${CONFIG_ENVIRONMENT_NOTE})`, helpWidth() - 4).map((part) => `    ${part}`));
  lines.push(...entries(rest, width));
  lines.push('', 'Exit codes:', ...entries(help.exitCodes ?? STANDARD_EXIT_CODES), '');
  return lines.join('\n');
}

/** Adds the sections to the program and every subcommand that has an entry in {@link COMMAND_HELP}. */
export function addHelpSections(program: Command): void {
  const visit = (command: Command): void => {
    const help = COMMAND_HELP[commandPath(command)];
    if (help) command.addHelpText('after', () => renderHelpSections(help));
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
}
