import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm'],
  target: 'node20',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  // Commands load the heavy libraries (adapters, msal, Graph/EWS clients) lazily, in their own chunks.
  splitting: true,
  banner: ({ format }) => ({}),
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
});
