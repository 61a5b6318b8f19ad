/**
 * Every command `mailbridge init` names in its output (the checklist's `mailbridge login`, "Next:",
 * "Run `mailbridge doctor` now?", doctor's own hints when run from init, and init's refusals)
 * carries the config init writes (or would write), quoted for a shell: without it, the command
 * would read or write another config.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';
import { DOWN, driveInTerminal, ENTER } from './support/drive-terminal.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';

const dir = tempDir();
mkdirSync(join(dir.path, 'my dir'));
afterAll(() => dir.cleanup());

const env = (): Record<string, string> => {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('MAILBRIDGE_') && !/PROXY/i.test(key)) clean[key] = value;
  return { ...clean, NO_COLOR: '1' };
};

/** The commands a text names in backticks, and the one after "Next:". */
function namedCommands(text: string): string[] {
  const quoted = [...text.matchAll(/`(mailbridge [^`]*)`/g)].map((match) => match[1] as string);
  const next = [...text.matchAll(/Next: (mailbridge .*?)(?: \(add --no-browser.*)?\.$/gm)].map((match) => match[1] as string);
  return [...quoted, ...next].filter((command) => !/^mailbridge init --help\b/.test(command));
}

/** Asserts that every command named repeats `--config 'my dir/<name>'`, and that there are some. */
function expectAllRepeat(text: string, name: string, atLeast: number): void {
  const commands = namedCommands(text);
  expect(commands.length, text).toBeGreaterThanOrEqual(atLeast);
  for (const command of commands) expect(command, text).toMatch(new RegExp(`^mailbridge --config 'my dir/${name.replace('.', '\\.')}' [a-z]`));
}

const hasPython = spawnSync('python3', ['--version']).status === 0;
const needsPython = hasPython || process.env.CI === 'true';

/** Types the script into `mailbridge ...args` in a pseudo-terminal (cwd: the temp folder). */
const drive = (script: Array<[string, string]>, args: string[]) => driveInTerminal(script, args, { cwd: dir.path, env: env(), timeoutSeconds: 60 });

describe('init --transport: the commands it names carry the config it wrote', { timeout: 60_000 }, () => {
  const browser = ['--transport', 'graph', '--flow', 'authorization-code', '--mailbox', 'sam@outlook.com', '--client-id', CLIENT];

  it('--config with a space: the checklist and "Next:" repeat it, quoted', async () => {
    const run = await runCli(['--config', 'my dir/flags.json', 'init', ...browser], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    // The checklist's two `mailbridge login` and the Next line.
    expectAllRepeat(run.stdout, 'flags.json', 3);
    expect(run.stdout).toContain("Next: mailbridge --config 'my dir/flags.json' login");
  });

  it('--output, --json: "next" and the checklist repeat it', async () => {
    const run = await runCli(['--json', 'init', '--output', join(dir.path, 'my dir', 'flags2.json'), ...browser], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    const result = run.json<{ next: string; checklist: string[] }>();
    expect(result.next).toBe("mailbridge --config 'my dir/flags2.json' login");
    expectAllRepeat(result.checklist.join('\n'), 'flags2.json', 2);
  });

  it('its refusals name `mailbridge init` with the --config or --output given', async () => {
    const noTransport = await runCli(['--json', '--config', 'my dir/e.json', 'init', '--mailbox', 'a@contoso.com'], { cwd: dir.path });
    expect(noTransport.code).toBe(2);
    expect(noTransport.json().error.hint).toContain("`mailbridge --config 'my dir/e.json' init` without answer flags");

    const missing = await runCli(['--json', 'init', '--output', 'my dir/o.json', '--transport', 'graph', '--mailbox', 'a@contoso.com'], { cwd: dir.path });
    expect(missing.code).toBe(2);
    expect(missing.json().error.hint).toContain("`mailbridge init --output 'my dir/o.json'` without --transport");

    const noTerminal = await runCli(['init', '--output', 'my dir/o.json'], { cwd: dir.path });
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain("`mailbridge init --output 'my dir/o.json' --transport graph");
    // `mailbridge init --help` needs no config.
    expect(noTerminal.stderr).toContain('`mailbridge init --help`');
  });

  it('"run `mailbridge init` to write a config there" (a missing --config) names that config, and writes it there', async () => {
    const missing = await runCli(['--json', '--config', 'my dir/missing.json', 'doctor'], { cwd: dir.path });
    expect(missing.code).toBe(2);
    const hint: string = missing.json().checks.find((check: { id: string }) => check.id === 'config').hint;
    const command = hint.match(/`(mailbridge [^`]*init)`/)?.[1];
    expect(command, hint).toBe("mailbridge --config 'my dir/missing.json' init");
    // The command as printed, through a shell, with the answers as flags: the config lands where doctor looked.
    const answers = `--transport graph --mailbox a@contoso.com --tenant ${TENANT} --client-id ${CLIENT} --secret-env S`;
    const written = spawnSync('/bin/sh', ['-c', `${(command as string).replace(/^mailbridge/, `"${process.execPath}" "${BIN}"`)} ${answers}`], { cwd: dir.path, env: env(), encoding: 'utf8' });
    expect(written.status, written.stderr).toBe(0);
    expect(existsSync(join(dir.path, 'my dir', 'missing.json'))).toBe(true);
  });

  it('the chmod it proposes for an exposed secret file is quoted too', async () => {
    const secret = join(dir.path, 'my dir', 'open.secret');
    dir.write(join('my dir', 'open.secret'), 'x\n');
    chmodSync(secret, 0o644);
    const run = await runCli(['--json', 'init', '--output', 'my dir/open.json', '--transport', 'graph', '--mailbox', 'a@contoso.com', '--tenant', TENANT, '--client-id', CLIENT, '--secret-file', 'my dir/open.secret'], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().notes.join('\n')).toContain("chmod 600 'my dir/open.secret'");
  });
});

describe.skipIf(!needsPython)('init in a terminal: the commands it names carry the config it writes', { timeout: 120_000 }, () => {
  it('device code: the checklist says `mailbridge --config … login`, and so does "Next:"', async () => {
    const { code, out } = await drive(
      [
        ['Transport', ENTER],
        ['How does mailbridge sign in', `${DOWN}${DOWN}${DOWN}${ENTER}`], // device code
        ['Allow public client flows: Yes', ''],
        ['Mailbox', `sam@hotmail.com${ENTER}`],
        ['Cloud', ENTER],
        ['Tenant', ENTER],
        ['Application \\(client\\) ID', `${CLIENT}${ENTER}`],
      ],
      ['--config', 'my dir/wizard.json', 'init'],
    );
    expect(code, out).toBe(0);
    expect(out).toContain("Then run `mailbridge --config 'my dir/wizard.json' login` once");
    expectAllRepeat(out, 'wizard.json', 2);
  });

  it('"Run doctor now?" names the config, and doctor run from init repeats it in its hints', async () => {
    const { code, out } = await drive(
      [
        ['Transport', ENTER],
        ['How does mailbridge sign in', ENTER], // client secret
        ['Mailbox', `alerts@contoso.com${ENTER}`],
        ['Cloud', ENTER],
        ['Directory \\(tenant\\) ID', `${TENANT}${ENTER}`],
        ['Application \\(client\\) ID', `${CLIENT}${ENTER}`],
        ['Where does the client secret live', ENTER], // an environment variable
        ['Environment variable name', `INIT_HINTS_UNSET_SECRET${ENTER}`], // not set: doctor fails its config check
        ['When does the secret expire', ENTER],
        ["Run `mailbridge --config 'my dir/doctor\\.json' doctor` now", `y${ENTER}`],
        ['Some checks failed', ''],
      ],
      ['init', '--output', join(dir.path, 'my dir', 'doctor.json')],
    );
    expect(code, out).toBe(1);
    expect(out).toContain("then run `mailbridge --config 'my dir/doctor.json' doctor` again");
    expectAllRepeat(out, 'doctor.json', 2);
  });
});
