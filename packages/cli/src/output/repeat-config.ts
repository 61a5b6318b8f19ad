/** Quotes a path for a POSIX shell when it holds anything but plain path characters. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Hints name the command to run next (`mailbridge login`, `mailbridge doctor`). When the user passed
 * `--config`, the command shown repeats it: without it, the next command would read another config.
 * `init` and `sandbox` write configs rather than read one, so they are left as they are.
 */
export function repeatConfig(text: string, config: string | undefined): string {
  if (!config) return text;
  return text.replace(/`mailbridge (?!init\b|sandbox\b)(?=[a-z])/g, `\`mailbridge --config ${shellQuote(config)} `);
}
