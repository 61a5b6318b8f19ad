import { defineConfig } from 'tsup';

/**
 * dist/msal-node.cjs: msal-node's CommonJS bundle together with what it requires at load
 * (jsonwebtoken, with semver, jws, lodash.* and the rest: about 90 module files), as one file. A
 * fresh process that gets a token loads it (src/auth/msal-library.ts); loading the packages one file
 * at a time took it about twice as long. Run after the main build (`pnpm build`), which empties dist.
 */
export default defineConfig({
  entry: { 'msal-node': 'scripts/msal-node-entry.cjs' },
  format: ['cjs'],
  platform: 'node',
  target: 'node20',
  noExternal: [/./],
  outExtension: () => ({ js: '.cjs' }),
  dts: false,
  sourcemap: false,
  clean: false,
});
