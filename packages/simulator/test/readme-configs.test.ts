/** The README's config per sign-in mode: each one is a valid mailbridge config, of the mode it names. */
import { readFileSync } from 'node:fs';
import { parseConfig } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## A config per sign-in mode'));
const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string) as { auth: { flow?: string } });

describe('simulator README: a config per sign-in mode', () => {
  it('covers every sign-in mode', () => {
    const modes = blocks.map((block) => block.auth.flow ?? 'client-credentials');
    expect(new Set(modes)).toEqual(new Set(['client-credentials', 'device-code', 'authorization-code', 'ntlm']));
    expect(blocks.filter((block) => (block.auth.flow ?? 'client-credentials') === 'client-credentials').length).toBe(3);
  });

  it.each(blocks.map((block, index) => [index, block] as const))('config %i parses', (_index, block) => {
    expect(() => parseConfig(block, { env: { MAILBRIDGE_CLIENT_SECRET: 'x', MAILBRIDGE_PASSWORD: 'y' }, baseDir: '/tmp' })).not.toThrow();
  });
});
