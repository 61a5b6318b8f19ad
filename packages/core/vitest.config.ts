import { readFileSync } from 'node:fs';
import { defineProject } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineProject({
  // Tests import src/ directly: give it the build-time constant tsup defines.
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version), __MSAL_NODE_MODULE__: JSON.stringify('@azure/msal-node') },
  test: {
    name: 'core',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
