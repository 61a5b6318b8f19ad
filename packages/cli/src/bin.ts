#!/usr/bin/env node
import { exitOnClosedPipe } from './output/closed-pipe.js';
import { run } from './program.js';
import { preferBaselineWasm } from './runtime-flags.js';

preferBaselineWasm(process.argv);

// `mailbridge doctor | head -1`: the reader leaving is not an error worth a stack trace.
exitOnClosedPipe(process.stdout, process.stderr);

// Only commander and the program table load here: every command imports its heavy
// dependencies (core, msal, the adapters, the simulator) when it runs, so --help and
// --version start fast.
process.exitCode = await run(process.argv);
