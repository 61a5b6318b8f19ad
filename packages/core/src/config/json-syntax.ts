/** Where a JSON text stops being valid, and why, in words that never quote the text (it may hold a secret). */
export interface JsonSyntaxError {
  /** 1-based line. */
  line: number;
  /** 1-based column (in UTF-16 code units, as editors count). */
  column: number;
  /** 0-based offset into the text. */
  offset: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const MAX_DEPTH = 512;

/**
 * Finds the first syntax error of a JSON text (RFC 8259), or `undefined` when it is valid.
 * `JSON.parse` tells no position for some errors and quotes the text around others, so the
 * position is found here. Only called after `JSON.parse` failed: speed is not a concern.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i += 1;
  };
  const what = () => {
    if (i >= text.length) return 'the end of the file';
    const c = text[i]!;
    if (c === "'") return 'a single quote (JSON strings use double quotes)';
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return 'a comment (JSON has no comments)';
    if (/[A-Za-z_]/.test(c)) return 'an unquoted word (strings and keys need double quotes)';
    // A control character (a NUL byte, an escape sequence) is named, never echoed to a terminal.
    if (c < ' ' || c === '\u007f') return `the control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `"${c}"`;
  };
  const fail = (expected: string): never => {
    throw new Stop(i, `expected ${expected}, found ${what()}`);
  };

  const string = () => {
    const start = i;
    i += 1; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i += 1;
        return;
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else throw new Stop(i, 'invalid escape in a string (a backslash must be doubled: \\\\)');
      } else if (c < 0x20) {
        throw new Stop(i, c === 0x0a || c === 0x0d ? 'a line break inside a string (close the string with " first)' : 'a control character inside a string');
      } else i += 1;
    }
    throw new Stop(start, 'a string that is never closed (missing ")');
  };

  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail('a value');
    i += match![0].length;
    if (i < text.length && /[0-9.eE]/.test(text[i]!)) throw new Stop(i, 'an invalid number (no leading zeros, digits after "." and "e")');
  };

  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) throw new Stop(i, 'nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i += 1;
      ws();
      if (text[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' ? 'another key after "," (remove the trailing comma)' : 'a key in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail('":" after the key');
        i += 1;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === '}') {
          i += 1;
          return;
        }
        fail('"," or "}" after the value');
      }
    }
    if (c === '[') {
      i += 1;
      ws();
      if (text[i] === ']') {
        i += 1;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === ']') fail('another value after "," (remove the trailing comma)');
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === ']') {
          i += 1;
          return;
        }
        fail('"," or "]" after the value');
      }
    }
    if (c === '"') {
      string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      number();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail('a value');
  };

  try {
    value(0);
    ws();
    if (i < text.length) fail('the end of the file after the value');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset);
    const lines = before.split(/\r\n|\r|\n/);
    return { offset: error.offset, line: lines.length, column: lines[lines.length - 1]!.length + 1, message: error.reason };
  }
}
