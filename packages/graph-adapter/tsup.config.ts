import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
  // The Graph client is bundled into dist: as a package it is ~45 module files, which a fresh process
  // (a cron job sending one alert) pays for in load time (bench/cold-send.mjs); bundled, it is one.
  noExternal: ['@microsoft/microsoft-graph-client'],
});
