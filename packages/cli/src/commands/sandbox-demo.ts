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
