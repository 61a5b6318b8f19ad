import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exchangeVersions } from '../src/ews/xsd-validator.js';

describe('RequestServerVersion values', () => {
  it('are exactly the ExchangeVersionType enumeration of the official types.xsd', () => {
    const official = readFileSync(new URL('../../../../shared/protocol/ews/schema/types.xsd', import.meta.url), 'utf8');
    const block = official.slice(official.indexOf('<xs:simpleType name="ExchangeVersionType">'));
    const values = [...block.slice(0, block.indexOf('</xs:simpleType>')).matchAll(/value="([^"]+)"/g)].map((match) => match[1]);
    expect(values.length).toBeGreaterThan(10);
    expect([...exchangeVersions()].sort()).toEqual([...values].sort());
    expect(exchangeVersions().has('Exchange2016')).toBe(true);
    expect(exchangeVersions().has('Exchange2013_SP1')).toBe(true);
  });
});
