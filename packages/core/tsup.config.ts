import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version), __MSAL_NODE_MODULE__: JSON.stringify('./msal-node.cjs') },
  // undici and zod are bundled into dist: as packages they are ~110 and ~100 module files, which a
  // fresh process (a cron job sending one alert) took longer to find and load than the rest of the
  // send (bench/cold-send.mjs). Bundled, they are read as a few files. undici is CommonJS and
  // requires Node's built-ins, hence a `require` for the bundle.
  noExternal: ['undici', 'zod'],
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
});
