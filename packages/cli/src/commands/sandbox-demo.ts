import { Writable } from 'node:stream';
import type { CliIo, GlobalOptions } from '../output/cli-io.js';
import { shellQuote } from '../output/repeat-config.js';

/** One command the demo shows and runs: its arguments after `mailbridge`. */
export type DemoCommand = readonly string[];

/** `mailbridge --config 'my file.json' send …`, quoted for a POSIX shell: what the person can paste. */
export function commandLine(args: DemoCommand): string {
  return ['mailbridge', ...args.map(shellQuote)].join(' ');
}

/** The global flags of the sandbox run that its demo commands keep (output style only). */
function inheritedFlags(globals: GlobalOptions): string[] {
  return [...(globals.json ? ['--json'] : []), ...(globals.verbose ? ['--verbose'] : []), ...(globals.color === false ? ['--no-color'] : [])];
}

/**
 * Prints `$ mailbridge …` and runs exactly that command line through the CLI's own parser, so the
 * line shown is a command that runs as printed (against the sandbox while it runs). Returns its exit code.
 */
export async function runDemoCommand(io: CliIo, globals: GlobalOptions, args: DemoCommand): Promise<number> {
  io.out(io.colors.bold(`$ ${commandLine(args)}`));
  const { run } = await import('../program.js');
  return run([process.execPath, 'mailbridge', ...inheritedFlags(globals), ...args]);
}

/** One demo command of a `--json` run: the command line, its exit code and the JSON document it printed. */
export interface DemoStepReport {
  command: string;
  exitCode: number;
  output: unknown;
}

/**
 * Runs a demo command with `--json` and keeps the document it prints, instead of printing it: with
 * --json the sandbox demo prints one document (PRODUCT.md), its commands' documents inside it.
 */
export async function runDemoCommandForJson(globals: GlobalOptions, args: DemoCommand): Promise<DemoStepReport> {
  const { run } = await import('../program.js');
  const chunks: Buffer[] = [];
  const stdout = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  const exitCode = await run([process.execPath, 'mailbridge', ...inheritedFlags({ ...globals, json: true }), ...args], { stdout });
  const text = Buffer.concat(chunks).toString('utf8');
  let output: unknown;
  try {
    output = JSON.parse(text);
  } catch {
    // Every command prints JSON with --json; should one not, its text is kept rather than lost.
    output = text;
  }
  return { command: commandLine(args), exitCode, output };
}
