#!/usr/bin/env node
// The CLI smoke tests again under each Node major users run (22 and 24; lib/node-binaries.mjs):
// vitest itself runs on that Node, and the CLI tests spawn `process.execPath`, so every command
// they run does too. Prints "N passed, N failed" at the end.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { extraNodeMajors, nodeBinary } from './lib/node-binaries.mjs';

const root = resolve(import.meta.dirname, '..');
/** Commands end to end against the simulator, start-up, and the sandbox. */
const smoke = ['test/commands.test.ts', 'test/startup.test.ts', 'test/sandbox.test.ts'];
let passed = 0;
let failed = 0;
for (const major of extraNodeMajors()) {
  let binary;
  try {
    binary = nodeBinary(major);
  } catch (error) {
    failed += 1;
    console.log(`FAIL Node ${major}: ${error.message}`);
    continue;
  }
  console.log(`\n== CLI smoke tests on Node ${binary.version}`);
  const result = spawnSync(binary.path, [resolve(root, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'cli', ...smoke], {
    cwd: resolve(root, 'packages/cli'),
    stdio: 'inherit',
    env: { ...process.env, PATH: `${resolve(binary.path, '..')}:${process.env.PATH}` },
  });
  if (result.status === 0) passed += 1;
  else failed += 1;
  console.log(`${result.status === 0 ? 'ok  ' : 'FAIL'} CLI smoke tests on Node ${binary.version}`);
}
console.log(`\nnode versions: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
