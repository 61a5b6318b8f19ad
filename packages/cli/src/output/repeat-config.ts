/** Quotes a path for a POSIX shell when it holds anything but plain path characters. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Hints name the command to run next (`mailbridge login`, `mailbridge doctor`). When the user passed
 * `--config`, the command shown repeats it: without it, the next command would read another config.
 * `init` writes where `--config` points, so "run `mailbridge init` to write a config there" repeats it
 * too. Left as they are: `sandbox` (it writes its own config, at --write-config) and `--help` pages.
 */
export function repeatConfig(text: string, config: string | undefined): string {
  if (!config) return text;
  return text.replace(/`mailbridge (?!sandbox\b|[a-z-]+ --help\b)(?=[a-z])/g, `\`mailbridge --config ${shellQuote(config)} `);
}

/** `mailbridge --config <config> …args`, quoted for a POSIX shell: a command line a hint names. */
export function configCommand(config: string, ...args: string[]): string {
  return ['mailbridge', '--config', config, ...args].map(shellQuote).join(' ');
}
