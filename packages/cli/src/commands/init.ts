import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { shownPath } from '../files/shown-path.js';
import { writeNewFile } from '../files/write-new-file.js';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { UsageError } from '../output/render-error.js';
import { configCommand, repeatConfig, shellQuote } from '../output/repeat-config.js';
import { buildConfig, flowOf, holdsLiteralSecret, type InitAnswers, secretEnvNames } from './init-answers.js';
import { checklist } from './init-checklists.js';
import { answersFromFlags } from './init-flags.js';
import { INIT_ANSWER_FLAGS } from './init-options.js';
import { configRelative } from './init-paths.js';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * `mailbridge init`: writes a config. In a terminal it asks (the app-registration checklist of the
 * chosen branch first); with `--transport` it takes every answer from flags and asks nothing.
 * Either way the config is checked with core's schema before anything is written, and secrets
 * typed at a prompt are written (0600) only together with it, so Ctrl-C leaves nothing behind.
 */
export async function initCommand(io: CliIo, globals: GlobalOptions, options: Record<string, unknown>): Promise<number> {
  // Where the other commands will look for it, unless told otherwise.
  const output = resolve(String(options.output ?? globals.config ?? (io.env.MAILBRIDGE_CONFIG || 'mailbridge.json')));
  // Every command init's output names carries `--config <what init writes>`, as typed from here.
  const shown = shownPath(output);
  // Init's own hints ("run `mailbridge init` …") keep where it writes: `--output` here, `--config` by the error report.
  const again = `mailbridge init${typeof options.output === 'string' ? ` --output ${shellQuote(options.output)}` : ''}`;
  const now = new Date();
  const fromFlags = options.transport !== undefined;
  if (!fromFlags) {
    const given = INIT_ANSWER_FLAGS.filter((name) => options[name] !== undefined);
    if (given.length > 0) {
      const flags = given.map((name) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`).join(', ');
      throw new UsageError(
        `${flags} answer${given.length === 1 ? 's' : ''} init's questions: give --transport too, and init asks nothing.`,
        `Add --transport graph or --transport ews (see the examples in \`mailbridge init --help\`), or run \`${again}\` without answer flags to be asked.`,
      );
    }
    if (io.json) throw new UsageError('`mailbridge init --json` needs its answers as flags.', 'Add --transport and the other answers (see `mailbridge init --help`), or run it without --json in a terminal.');
    if (process.stdin.isTTY !== true)
      throw new UsageError(
        '`mailbridge init` needs a terminal to ask its questions.',
        `Run it in an interactive terminal, or give the answers as flags: \`${again} --transport graph --mailbox … --tenant … --client-id … --secret-env …\` (see \`mailbridge init --help\`).`,
      );
  }

  let answers: InitAnswers;
  let notes: string[] = [];
  const replaceOutput = await exists(output);
  if (fromFlags) {
    if (replaceOutput && options.force !== true) throw new UsageError(`${shown} exists: init does not replace it.`, 'Pass --force to replace it, or --output PATH to write elsewhere.');
    ({ answers, notes } = await answersFromFlags(options, { output, cwd: process.cwd(), env: io.env, now, again }));
  } else {
    io.out(io.colors.bold('mailbridge init — answers come from your Entra app registration (or your Exchange Server).'));
    const prompts = await import('@inquirer/prompts');
    const { askAnswers, askYesNo } = await import('./init-wizard.js');
    if (replaceOutput && options.force !== true && !(await askYesNo(prompts, `${shown} exists. Overwrite it?`, false))) {
      io.out('Nothing written.');
      return 0;
    }
    const endpoints = {
      ...(typeof options.authorityHost === 'string' ? { authorityHost: options.authorityHost } : {}),
      ...(typeof options.graphUrl === 'string' ? { graph: options.graphUrl } : {}),
      ...(typeof options.ewsUrl === 'string' ? { ews: options.ewsUrl } : {}),
    };
    answers = await askAnswers(io, { output, shown, endpoints, ...(typeof options.caFile === 'string' ? { caFile: configRelative(output, options.caFile) } : {}), now });
  }

  const config = buildConfig(answers);
  await validate(config, answers, output, io.env);
  // Created exclusively (never through a planted link), or written beside and renamed over what the person agreed to replace.
  for (const file of answers.secretFiles) await writeNewFile(file.path, `${file.value}\n`, { mode: 0o600, replace: file.replace });
  await writeNewFile(output, `${JSON.stringify(config, null, 2)}\n`, { mode: holdsLiteralSecret(answers) ? 0o600 : 0o644, replace: replaceOutput });

  const flow = flowOf(answers.branch);
  const delegated = flow === 'device-code' || flow === 'authorization-code';
  const next = configCommand(shown, delegated ? 'login' : 'doctor');
  const steps = checklist({
    transport: answers.transport,
    branch: answers.branch,
    ...(answers.redirectUri ? { redirectUri: answers.redirectUri } : {}),
    ...(flow === 'authorization-code' ? { confidential: answers.clientSecret !== undefined || answers.certificate !== undefined } : {}),
  }).map((step) => repeatConfig(step, shown));
  const envNames = secretEnvNames(answers);
  if (io.json) {
    io.printJson({ ok: true, config: output, auth: { flow }, checklist: steps, environment: envNames, notes, next });
    return 0;
  }
  const c = io.colors;
  for (const file of answers.secretFiles) io.out(c.dim(`Wrote ${shownPath(file.path)} (mode 0600).`));
  io.out(`${c.green('✔')} Wrote ${shown}`);
  if (fromFlags) {
    io.out();
    io.out(c.bold(answers.branch === 'basic' || answers.branch === 'ntlm' ? 'On the Exchange Server:' : 'App-registration checklist:'));
    steps.forEach((step, index) => io.out(`  ${index + 1}. ${step}`));
  }
  for (const note of notes) io.out(c.yellow(`! ${note}`));
  if (envNames.length > 0) io.out(c.dim(`Set ${envNames.join(' and ')} in the environment that runs mailbridge.`));
  if (answers.secretExpiresAt) io.out(`Put a reminder in your calendar before ${answers.secretExpiresAt}, when the secret expires (doctor warns 30 days ahead).`);
  io.out();
  if (!fromFlags && !delegated) {
    const prompts = await import('@inquirer/prompts');
    const { askYesNo } = await import('./init-wizard.js');
    if (await askYesNo(prompts, `Run \`${configCommand(shown, 'doctor')}\` now?`, true)) {
      const { doctorCommand } = await import('./doctor.js');
      // Doctor's hints ("run `mailbridge doctor` again") then name the config just written.
      return doctorCommand({ ...io, config: shown }, { ...globals, config: output }, {});
    }
  }
  io.out(`Next: ${c.bold(next)}${flow === 'authorization-code' && answers.redirectUri ? ' (add --no-browser on a server without a browser)' : ''}.`);
  return 0;
}

/**
 * Checks the config with core's schema before writing, so init never leaves a broken file. The
 * `MAILBRIDGE_*` overrides are left out (they apply when the config is used, not to what is
 * written); secrets named by environment variables get placeholders (init never reads them).
 */
async function validate(config: Record<string, unknown>, answers: InitAnswers, output: string, env: NodeJS.ProcessEnv): Promise<void> {
  const { parseConfig, ENV_OVERRIDES } = await import('@mailbridge/core');
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!(key in ENV_OVERRIDES) && key !== 'MAILBRIDGE_CONFIG') clean[key] = value;
  for (const name of secretEnvNames(answers)) clean[name] = 'placeholder-for-validation';
  parseConfig(config, { baseDir: dirname(output), env: clean });
}
