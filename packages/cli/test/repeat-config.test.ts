import { describe, expect, it } from 'vitest';
import { repeatConfig, shellQuote } from '../src/output/repeat-config.js';

describe('hints repeat the --config the user passed', () => {
  it('inserts --config into the commands a hint names, quoted for the shell', () => {
    const hint = 'Run `mailbridge login` and sign in, then `mailbridge doctor --send-test a@b.c`.';
    expect(repeatConfig(hint, './prod.json')).toBe('Run `mailbridge --config ./prod.json login` and sign in, then `mailbridge --config ./prod.json doctor --send-test a@b.c`.');
    expect(repeatConfig(hint, "/etc/mail bridge/it's.json")).toContain(`\`mailbridge --config '/etc/mail bridge/it'\\''s.json' login\``);
  });

  it('leaves hints alone without --config, and never touches init, sandbox or --help', () => {
    const hint = 'Run `mailbridge login`.';
    expect(repeatConfig(hint, undefined)).toBe(hint);
    for (const text of ['Run `mailbridge init` to write a config.', 'Try `mailbridge sandbox --demo`.', 'Run `mailbridge --help`.']) expect(repeatConfig(text, 'x.json')).toBe(text);
  });

  it('quotes only what needs quoting', () => {
    expect(shellQuote('./a/b-c_d.json')).toBe('./a/b-c_d.json');
    expect(shellQuote('a b')).toBe("'a b'");
  });
});
