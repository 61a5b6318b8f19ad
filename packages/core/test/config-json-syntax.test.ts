import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../src/config/json-syntax.js';

describe('findJsonSyntaxError', () => {
  it('accepts what JSON.parse accepts', () => {
    for (const text of ['{}', '[]', '0', '-1.5e+3', '"x\\u00e9\\n"', ' { "a" : [ true , false , null , { } ] } ', '{"a":{"b":[1,2,{"c":"d"}]}}']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it.each([
    ['{"a": 1,}', 1, 9, 'remove the trailing comma'],
    ['[1, 2,]', 1, 7, 'remove the trailing comma'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, 'expected "," or "}" after the value'],
    ['{"a": tru}', 1, 7, 'an unquoted word'],
    ["{'a': 1}", 1, 2, 'a single quote'],
    ['{"a": 1 /* c */}', 1, 9, 'a comment'],
    ['{"a": 01}', 1, 8, 'an invalid number'],
    ['{"a": "x\\q"}', 1, 9, 'invalid escape'],
    ['{"a": "x\n"}', 1, 9, 'a line break inside a string'],
    ['{"a": "open', 1, 7, 'never closed'],
    ['{"a": 1', 1, 8, 'found the end of the file'],
    ['{"a": 1} {}', 1, 10, 'the end of the file after the value'],
    ['\r\n\r\n  {"a" 1}', 3, 8, 'expected ":" after the key'],
    ['{"é": x}', 1, 7, 'an unquoted word'],
  ])('%j → line %i, column %i', (text, line, column, message) => {
    expect(() => JSON.parse(text)).toThrow();
    const error = findJsonSyntaxError(text);
    expect(error).toMatchObject({ line, column });
    expect(error?.message).toContain(message);
  });

  it('never quotes the text it rejects', () => {
    const error = findJsonSyntaxError('{"clientSecret": Canary-S3cret~Value}');
    expect(error?.message).not.toContain('Canary');
  });

  it('stops on absurd nesting instead of overflowing the stack', () => {
    expect(findJsonSyntaxError('['.repeat(100_000))?.message).toBe('nesting too deep');
  });
});
