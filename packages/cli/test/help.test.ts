/**
 * Help texts, gh/az style: every command's `--help` has examples, the global options, the
 * environment variables it reads (exactly the overrides core's config loader applies) and the exit
 * codes; an unknown command or option suggests only a close name; `--help` stays light.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_OVERRIDES } from '@mailbridge/core';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_ENVIRONMENT } from '../src/help/environment.js';
import { COMMAND_HELP, commandPath } from '../src/help/help-sections.js';
import { editDistance, suggestSimilar } from '../src/help/suggest-similar.js';
import { buildProgram } from '../src/program.js';
import { BIN, runCli, tempDir } from './helpers.js';

/** Every command path of the real program (`doctor`, `outbox list`, …), without commander's `help`. */
function commandPaths(): string[] {
  const paths: string[] = [];
  const visit = (command: Command): void => {
    for (const sub of command.commands) {
      if (sub.name() === 'help') continue;
      paths.push(commandPath(sub));
      visit(sub);
    }
  };
  visit(buildProgram({ exitCode: 0 }));
  return paths;
}

const paths = commandPaths();

describe('mailbridge <command> --help', () => {
  it('knows the commands (the walk found them)', () => {
    expect(paths).toEqual(expect.arrayContaining(['doctor', 'send', 'init', 'outbox list', 'relay hash-password', 'sandbox']));
  });

  it.each(paths)('`mailbridge %s --help` has examples, global options, environment and exit codes', async (path) => {
    const run = await runCli([...path.split(' '), '--help']);
    expect(run.code).toBe(0);
    const help = run.stdout;
    const examples = help.slice(help.indexOf('\nExamples:\n'));
    expect(help).toContain('\nExamples:\n');
    // At least one example runs this very command.
    expect(examples).toContain(`$ mailbridge ${path}`);
    expect(help).toMatch(/\nGlobal Options:\n[\s\S]*--config <path>[\s\S]*--json[\s\S]*--verbose[\s\S]*--no-color/);
    expect(help).toContain('\nEnvironment:\n');
    expect(help).toContain('NO_COLOR');
    if (COMMAND_HELP[path]?.environment === 'config') {
      for (const name of ['MAILBRIDGE_CONFIG', ...Object.keys(ENV_OVERRIDES), 'HTTPS_PROXY', 'NO_PROXY']) expect(help).toContain(name);
    }
    expect(help).toMatch(/\nExit codes:\n {2}0 +\S[\s\S]*\n {2}1 +\S[\s\S]*\n {2}2 +\S/);
  });

  it('the root help has them too', async () => {
    const run = await runCli(['--help']);
    expect(run.stdout).toContain('$ mailbridge init');
    expect(run.stdout).toContain('MAILBRIDGE_CLIENT_SECRET');
    expect(run.stdout).toMatch(/Exit codes:\n {2}0/);
  });

  it('init documents Ctrl-C (130) and has an example per kind of sign-in', async () => {
    const help = (await runCli(['init', '--help'])).stdout;
    expect(help).toMatch(/\n {2}130 +interrupted/);
    for (const flag of ['--secret-env', '--certificate-file', '--flow ntlm', '--flow device-code']) expect(help).toContain(flag);
  });

  it('lists exactly the overrides core applies, each with the JSON path it replaces', () => {
    const documented = CONFIG_ENVIRONMENT.map((entry) => entry.name).filter((name) => name !== 'MAILBRIDGE_CONFIG');
    expect(documented.sort()).toEqual(Object.keys(ENV_OVERRIDES).sort());
    for (const entry of CONFIG_ENVIRONMENT) {
      const path = ENV_OVERRIDES[entry.name as keyof typeof ENV_OVERRIDES];
      if (path) expect(entry.description).toContain(`"${path}"`);
    }
  });

  it('the README documents the environment variables', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const name of ['MAILBRIDGE_CONFIG', ...Object.keys(ENV_OVERRIDES)]) expect(readme).toContain(`\`${name}\``);
  });
});

describe('unknown commands and options', () => {
  it('`mailbridge bogus` suggests nothing (commander proposed `logout`, 3 edits away)', async () => {
    const run = await runCli(['bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown command 'bogus'.");
    expect(run.stderr).not.toMatch(/Did you mean|logout/);
  });

  it('`mailbridge sned` suggests send', async () => {
    const run = await runCli(['sned']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Did you mean `send`?');
  });

  it('a subcommand and an option: `outbox stauts`, `doctor --send-tset`', async () => {
    expect((await runCli(['outbox', 'stauts'])).stderr).toContain('Did you mean `outbox status`?');
    const option = await runCli(['doctor', '--send-tset', 'x@contoso.com']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('Did you mean `--send-test`?');
    expect((await runCli(['doctor', '--frobnicate'])).stderr).not.toContain('Did you mean');
  });

  it('a mistyped subcommand of a command that runs on its own: `relay hash-pasword`', async () => {
    const run = await runCli(['relay', 'hash-pasword']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Did you mean `relay hash-password`?');
  });

  it('`mailbridge help sned` is an unknown command (exit 2, a suggestion), not the whole help and success', async () => {
    const run = await runCli(['help', 'sned']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown command 'sned'. Did you mean `send`?");
    expect(run.stderr).not.toContain('Usage:');
    const nested = await runCli(['--config', 'help', 'outbox', 'help', 'stauts']);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('Did you mean `outbox status`?');
    // What exists still gets its help.
    for (const args of [['help'], ['help', 'send'], ['outbox', 'help', 'status'], ['help', 'outbox', 'status']]) {
      const found = await runCli(args);
      expect(found.code, args.join(' ')).toBe(0);
      expect(found.stdout + found.stderr, args.join(' ')).toContain('Usage: mailbridge');
    }
  });

  it('--json keeps the suggestion in the error document', async () => {
    const run = await runCli(['--json', 'recieve']);
    expect(run.json().error).toMatchObject({ code: 'USAGE', message: "Unknown command 'recieve'. Did you mean `receive`?" });
  });

  it('distance: optimal string alignment, at most 2 edits, or a prefix', () => {
    expect(editDistance('sned', 'send')).toBe(1);
    expect(editDistance('bogus', 'logout')).toBe(3);
    const names = ['doctor', 'token', 'send', 'receive', 'init', 'login', 'logout', 'relay', 'outbox', 'sandbox'];
    expect(suggestSimilar('bogus', names)).toEqual([]);
    expect(suggestSimilar('sned', names)).toEqual(['send']);
    expect(suggestSimilar('logn', names)).toEqual(['login']);
    expect(suggestSimilar('rec', names)).toEqual(['receive']);
    expect(suggestSimilar('x', names)).toEqual([]);
  });
});

describe('help stays light', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());
  const HEAVY = ['@azure+msal', '@azure/msal', 'microsoft-graph-client', 'ews-javascript-api', '/packages/core/', '/packages/simulator/', '/undici', '/zod', '@inquirer'];

  it.each([['init'], ['doctor'], ['outbox', 'list']])('`mailbridge %s --help` loads no core, adapter, prompt library or zod', (...args) => {
    const trace = join(dir.path, `trace-${args.join('-')}.txt`);
    const hook = fileURLToPath(new URL('./fixtures/trace-loads.mjs', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', hook, BIN, ...args, '--help'], { encoding: 'utf8', env: { ...process.env, MAILBRIDGE_TRACE_LOADS: trace } });
    expect(result.status).toBe(0);
    const modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    expect(modules.some((url) => url.includes('commander'))).toBe(true);
    expect(modules.filter((url) => HEAVY.some((name) => url.includes(name)))).toEqual([]);
  });
});
