import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan, MAX_ANSWER_DEPTH, nestsDeeperThan, tooDeeplyNested, xmlNestsDeeperThan } from '../src/http/nesting-depth.js';

describe('nesting depth of answers', () => {
  it('counts XML elements, not self-closing tags, declarations, comments or CDATA', () => {
    const shallow = '<?xml version="1.0"?><!-- <a><a><a> --><a x="1"><b/><b/><![CDATA[<c><c><c>]]><c>text</c></a>';
    expect(xmlNestsDeeperThan(shallow, 2)).toBe(false);
    expect(xmlNestsDeeperThan(shallow, 1)).toBe(true);
    expect(xmlNestsDeeperThan(`${'<a>'.repeat(1_000_000)}${'</a>'.repeat(1_000_000)}`, MAX_ANSWER_DEPTH)).toBe(true);
    expect(xmlNestsDeeperThan(`${'<a>'.repeat(MAX_ANSWER_DEPTH)}${'</a>'.repeat(MAX_ANSWER_DEPTH)}`, MAX_ANSWER_DEPTH)).toBe(false);
  });

  it('counts JSON nesting of a parsed value without recursion', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(nestsDeeperThan(deep, MAX_ANSWER_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, MAX_ANSWER_DEPTH)).toBe(false);
  });

  it('counts JSON nesting in the text before parsing, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[{"b":1}]}', 2)).toBe(true);
    // Brackets in strings, an escaped quote, an escaped backslash before the closing quote.
    expect(jsonNestsDeeperThan('{"s":"[[[{{{\\"[[[","t":"\\\\","u":[1]}', 2)).toBe(false);
    expect(jsonNestsDeeperThan('{"s":"[[[{{{\\"[[[","t":"\\\\","u":[[1]]}', 2)).toBe(true);
    expect(jsonNestsDeeperThan(`${'['.repeat(MAX_ANSWER_DEPTH)}${']'.repeat(MAX_ANSWER_DEPTH)}`, MAX_ANSWER_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(`${'['.repeat(MAX_ANSWER_DEPTH + 1)}${']'.repeat(MAX_ANSWER_DEPTH + 1)}`, MAX_ANSWER_DEPTH)).toBe(true);
    // Linear: a wide 30 MB answer full of strings and escapes is scanned in well under a second.
    const wide = `[${'{"a":"[{\\"}","b":[1]},'.repeat(1_200_000)}1]`;
    const started = performance.now();
    expect(jsonNestsDeeperThan(wide, MAX_ANSWER_DEPTH)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('is an INVALID_RESPONSE naming the service, with a hint', () => {
    const error = tooDeeplyNested('EWS at https://mail.contoso.com/EWS/Exchange.asmx');
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.message).toMatch(/^EWS at .* nested more than 512 levels deep/);
    expect(error.hint).toMatch(/proxy/);
  });
});
