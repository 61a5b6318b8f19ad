#!/usr/bin/env node
// The README's first command ends here: the sandbox demo (doctor, send, receive) against the simulator.
import { spawnSync } from 'node:child_process';

const result = spawnSync(process.execPath, ['packages/cli/dist/bin.js', 'sandbox', '--demo', '--write-config', '.sandbox/mailbridge.sandbox.json', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
