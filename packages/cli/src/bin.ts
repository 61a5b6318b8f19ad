#!/usr/bin/env node
import { run } from './program.js';

// Only commander and the program table load here: every command imports its heavy
// dependencies (core, msal, the adapters, the simulator) when it runs, so --help and
// --version start fast.
process.exitCode = await run(process.argv);
