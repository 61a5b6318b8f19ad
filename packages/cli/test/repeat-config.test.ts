import { describe, expect, it } from 'vitest';
import { configCommand, repeatConfig, shellQuote } from '../src/output/repeat-config.js';

describe('hints repeat the --config the user passed', () => {
  it('inserts --config into the commands a hint names, quoted for the shell', () => {
    const hint = 'Run `mailbridge login` and sign in, then `mailbridge doctor --send-test a@b.c`.';
    expect(repeatConfig(hint, './prod.json')).toBe('Run `mailbridge --config ./prod.json login` and sign in, then `mailbridge --config ./prod.json doctor --send-test a@b.c`.');
    expect(repeatConfig(hint, "/etc/mail bridge/it's.json")).toContain(`\`mailbridge --config '/etc/mail bridge/it'\\''s.json' login\``);
  });

  it('leaves hints alone without --config, and never touches sandbox or --help', () => {
    const hint = 'Run `mailbridge login`.';
    expect(repeatConfig(hint, undefined)).toBe(hint);
    for (const text of ['Try `mailbridge sandbox --demo`.', 'Run `mailbridge --help`.', 'See `mailbridge init --help`.']) expect(repeatConfig(text, 'x.json')).toBe(text);
  });

  it('repeats it for init, which writes where --config points ("run `mailbridge init` to write a config there")', () => {
    expect(repeatConfig('Check the path, or run `mailbridge init` to write a config there.', 'my dir/x.json')).toBe("Check the path, or run `mailbridge --config 'my dir/x.json' init` to write a config there.");
  });

  it('configCommand builds a command line with the config, quoted', () => {
    expect(configCommand('my dir/x.json', 'doctor')).toBe("mailbridge --config 'my dir/x.json' doctor");
    expect(configCommand('./x.json', 'login')).toBe('mailbridge --config ./x.json login');
  });

  it('quotes only what needs quoting', () => {
    expect(shellQuote('./a/b-c_d.json')).toBe('./a/b-c_d.json');
    expect(shellQuote('a b')).toBe("'a b'");
  });
});
