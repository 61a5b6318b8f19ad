import { describe, expect, it } from 'vitest';
import { parseMessageIdList } from '../src/transport/internet-message-id.js';

describe('parseMessageIdList (In-Reply-To, References)', () => {
  it('returns the Message-IDs in order, without comments, folding or other text', () => {
    expect(parseMessageIdList('<a@x.example> (first)\r\n <b@x.example>\t<c@x.example>')).toEqual(['<a@x.example>', '<b@x.example>', '<c@x.example>']);
    expect(parseMessageIdList('no ids here')).toEqual([]);
    expect(parseMessageIdList('')).toEqual([]);
    expect(parseMessageIdList(undefined)).toEqual([]);
    expect(parseMessageIdList(null)).toEqual([]);
  });

  it('is bounded: at most 500 ids from at most 64 KB of header', () => {
    const value = Array.from({ length: 10_000 }, (_, i) => `<id-${i}@x.example>`).join(' ');
    const ids = parseMessageIdList(value);
    expect(ids).toHaveLength(500);
    expect(ids[0]).toBe('<id-0@x.example>');
    const late = `${' '.repeat(64 * 1024)}<late@x.example>`;
    expect(parseMessageIdList(late)).toEqual([]);
  });
});
