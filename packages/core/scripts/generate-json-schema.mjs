#!/usr/bin/env node
// Writes schema/mailbridge.schema.json (published as @mailbridge/core/schema.json) from the runtime
// config schema in dist/, so editors check config files against exactly what loadConfig accepts.
// Runs after tsup in `pnpm build`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { configSchema } = await import(join(root, 'dist', 'index.js'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// `input`: what a user writes (defaults optional), not what parsing returns.
const generated = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'throw' });
const schema = {
  $schema: generated.$schema,
  $comment: `Generated from packages/core/src/config/schema.ts by scripts/generate-json-schema.mjs (${pkg.name} ${pkg.version}). Do not edit: change the runtime schema and rebuild.`,
  ...Object.fromEntries(Object.entries(generated).filter(([key]) => key !== '$schema')),
};

const out = join(root, 'schema', 'mailbridge.schema.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
console.log(`wrote ${out}`);
