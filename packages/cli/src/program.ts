import { Command, CommanderError, Option } from 'commander';
import { addInitOptions } from './commands/init-options.js';
import { addHelpSections } from './help/help-sections.js';
import { explainHelpTopic, explainUnknown } from './help/unknown-input.js';
import { type CliIo, createIo, type GlobalOptions, type IoStreams } from './output/cli-io.js';
import { reportError, UsageError } from './output/render-error.js';

/** A command's implementation: returns the exit code. Loaded lazily so --help/--version stay light. */
type CommandRunner = (io: CliIo, globals: GlobalOptions, options: Record<string, unknown>) => Promise<number>;

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
];

function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`"${value}" is not a positive whole number.`, 'Give a number such as 10.');
  return number;
}

/** Builds the `mailbridge` program. `exitCode` collects what the action returned; `streams` replace stdout/stderr. */
export function buildProgram(state: { exitCode: number; io?: CliIo; streams?: IoStreams }): Command {
  const program = new Command('mailbridge')
    .description('Send and read email through a Microsoft mailbox (Exchange Online, Outlook.com, Exchange Server) over Graph or EWS.')
    .version(__PACKAGE_VERSION__, '-V, --version', 'print the version')
    .option('-c, --config <path>', 'config file (default: $MAILBRIDGE_CONFIG or ./mailbridge.json)')
    .option('--json', 'machine-readable output on stdout (nothing else there)')
    .option('-v, --verbose', 'more detail: debug logs on stderr (HTTP requests, retries), and stack traces on errors')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .showHelpAfterError(false)
    // Our own, closer suggestions (help/suggest-similar.ts): commander's proposed `logout` for `bogus`.
    .showSuggestionAfterError(false)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ outputError: () => {} });

  const action =
    (load: () => Promise<CommandRunner>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      const io = createIo(globals, state.streams);
      state.io = io;
      try {
        const runner = await load();
        state.exitCode = await runner(io, globals, command.opts());
      } catch (error) {
        // Ctrl-C at a prompt: the person chose to stop; nothing to report (130 = 128 + SIGINT).
        if (error instanceof Error && error.name === 'ExitPromptError') {
          io.err('Aborted.');
          state.exitCode = 130;
          return;
        }
        state.exitCode = await reportError(io, error);
      }
    };

  program
    .command('doctor')
    .description('check the config, the tenant, the token, its permissions, the secret expiry and the mailbox, in order')
    .option('--send-test <address>', 'also send a test message (and, to the configured mailbox, wait until it arrives)')
    .action(action(async () => (await import('./commands/doctor.js')).doctorCommand));

  program
    .command('token')
    .description('acquire a token and print its decoded claims (never the token, unless --raw)')
    .option('--raw', 'print only the access token (a secret: do not paste it anywhere)')
    .action(action(async () => (await import('./commands/token.js')).tokenCommand));

  program
    .command('send')
    .description('send one message')
    .requiredOption('--to <address...>', 'recipients (repeat or comma-separate)', collect)
    .option('--cc <address...>', 'cc recipients', collect)
    .option('--bcc <address...>', 'bcc recipients', collect)
    .option('--reply-to <address...>', 'reply-to addresses', collect)
    .requiredOption('--subject <text>', 'subject')
    .option('--text <text>', 'plain-text body (- reads it from stdin)')
    .option('--html <file>', 'HTML body from a file, a pipe or <(command), or - for stdin (not with --text)')
    .option('--attach <file...>', 'attach files (repeat for several)', collect)
    .option('--from <address>', 'send as another mailbox (needs Send As)')
    .addOption(new Option('--importance <level>', 'importance').choices(['low', 'normal', 'high']))
    .option('--no-save', 'do not keep a copy in Sent Items')
    .option('--queue', 'put it in the outbox (durable) and return; `mailbridge outbox work` sends it')
    .option('--message-id <id>', 'the Message-ID to send with (<unique@domain>); sending again with the same one looks in Sent Items first and does not deliver it twice')
    .action(action(async () => (await import('./commands/send.js')).sendCommand));

  program
    .command('receive')
    .description('list messages with their ids (and optionally mark them read and save their MIME); --json adds recipients, threading fields and bodies')
    .option('--folder <name>', 'folder: inbox, sentitems, drafts, deleteditems, archive, junkemail or a folder id', 'inbox')
    .option('--unread', 'only unread messages')
    .option('--since <time>', 'only messages received at or after this ISO 8601 time')
    .option('--limit <n>', 'at most this many messages', positiveInt, 25)
    .option('--mark-read', 'mark the listed messages read')
    .option('--save-mime <dir>', 'save each message as <dir>/<received time>-<hash of its id>.eml and print each path (with --json: "mimeFile")')
    .option('--force', 'with --save-mime: replace files that already exist')
    .action(action(async () => (await import('./commands/receive.js')).receiveCommand));

  program
    .command('show')
    .description('show one message: its headers, text body (HTML rendered as text) and attachments')
    .argument('<id>', 'the message id (from `mailbridge receive`)')
    .option('--html', 'print the HTML body as it is instead of its text')
    .option('--mark-read', 'mark the message read')
    .action(async (id: string, _options: unknown, command: Command) => {
      command.setOptionValue('id', id);
      await action(async () => (await import('./commands/show.js')).showCommand)(command);
    });

  addInitOptions(program.command('init').description('write a config: asks in a terminal (the app-registration checklist first), or takes the answers as flags (--transport …)')).action(
    action(async () => (await import('./commands/init.js')).initCommand),
  );

  program
    .command('login')
    .description('sign in a person: device code (auth.flow "device-code") or in a browser (auth.flow "authorization-code")')
    .option('--no-browser', 'authorization-code: do not open a browser here; print the URL and ask for the address the browser ended on')
    .action(action(async () => (await import('./commands/login.js')).loginCommand));

  program
    .command('logout')
    .description('remove the signed-in account from the token cache')
    .action(action(async () => (await import('./commands/login.js')).logoutCommand));

  const relay = program
    .command('relay')
    .description('run the SMTP relay (config "relay" section) and deliver through the outbox until SIGTERM/SIGINT')
    .action(action(async () => (await import('./commands/relay.js')).relayCommand));
  relay
    .command('hash-password')
    .description('read a password (terminal or stdin) and print its scrypt hash for relay.users[].password')
    .action(action(async () => (await import('./commands/relay.js')).hashPasswordCommand));

  const outbox = program.command('outbox').description('the durable outbox: see and manage queued messages, run delivery workers');
  outbox
    .command('status')
    .description("counts by state, the oldest waiting message, and each mailbox's use of its sending limits")
    .action(action(async () => (await import('./commands/outbox.js')).outboxStatusCommand));
  outbox
    .command('list')
    .description('list messages (never their bodies)')
    .addOption(new Option('--state <state>', 'only messages in this state').choices(['queued', 'sending', 'held', 'delivered', 'failed']))
    .action(action(async () => (await import('./commands/outbox.js')).outboxListCommand));
  for (const [name, description, runner] of [
    ['show', 'show one message: state, attempts, last error and its hint', 'outboxShowCommand'],
    ['retry', 'queue a failed or held message again', 'outboxRetryCommand'],
    ['drop', 'remove a message that is not being sent', 'outboxDropCommand'],
  ] as const) {
    outbox
      .command(name)
      .description(description)
      .argument('<id>', 'the outbox id (from `mailbridge outbox list`)')
      .action(async (id: string, _options: unknown, command: Command) => {
        command.setOptionValue('id', id);
        await action(async () => (await import('./commands/outbox.js'))[runner])(command);
      });
  }
  outbox
    .command('work')
    .description('run delivery workers until SIGTERM/SIGINT, then finish the sends in flight and exit 0')
    .action(action(async () => (await import('./commands/outbox.js')).outboxWorkCommand));

  program
    .command('sandbox')
    .description('start a local Microsoft 365 simulator with a demo tenant, app and mailbox, and write a ready config')
    .option('--port <port>', 'port to listen on (default: a free one)', (value) => Number(value))
    .option('--write-config <path>', 'where to write the config (default: the --config path when given, else mailbridge.sandbox.json)')
    .option('--demo', 'run doctor, a send and a receive against it, then exit')
    .option('--force', 'replace an existing config at --write-config that is not a sandbox config')
    .option('--federated', 'sign the demo app in with a federated assertion file (workload identity) instead of its client secret')
    .option('--seed <file>', 'add apps, mailboxes and faults from a JSON or YAML file (a config is written for each app)')
    .option('--fault <spec>', 'inject a fault, e.g. status:status=503,api=graph,count=2 or token-outage:count=3 (repeat for several)', (value: string, previous: string[] = []) => [...previous, value])
    .action(action(async () => (await import('./commands/sandbox.js')).sandboxCommand));

  addHelpSections(program);
  return program;
}

/**
 * Runs the CLI with `argv` (as process.argv) and returns the exit code. `streams`: where its output
 * goes instead of the process's (the sandbox demo gathers its commands' JSON into one document).
 */
export async function run(argv: string[], streams?: IoStreams): Promise<number> {
  const state: { exitCode: number; io?: CliIo; streams?: IoStreams } = { exitCode: 0, ...(streams ? { streams } : {}) };
  const program = buildProgram(state);
  const unknownTopic = explainHelpTopic(program, argv.slice(2));
  if (unknownTopic) {
    const io = createIo({ json: argv.includes('--json'), color: !argv.includes('--no-color') }, streams);
    return reportError(io, new UsageError(unknownTopic.message, unknownTopic.hint ?? 'Run `mailbridge --help` for the commands.'));
  }
  try {
    await program.parseAsync(argv);
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      const json = argv.includes('--json');
      const io = state.io ?? createIo({ json, color: !argv.includes('--no-color') }, streams);
      const explained = explainUnknown(program, argv.slice(2), error.code, error.message.replace(/^error: /, ''));
      const message = explained.message;
      return reportError(io, new UsageError(message.charAt(0).toUpperCase() + message.slice(1), explained.hint ?? 'Run `mailbridge --help` or `mailbridge <command> --help` for the usage.'));
    }
    const io = state.io ?? createIo({ json: argv.includes('--json') }, streams);
    return reportError(io, error);
  }
}
