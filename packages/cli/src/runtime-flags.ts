import { setFlagsFromString } from 'node:v8';

/** Commands that run until stopped: they parse many HTTP answers, so V8's optimized code pays off. */
const LONG_RUNNING = new Set(['relay', 'sandbox', 'work']);

/**
 * For a command that runs once and exits (a cron job's `mailbridge send`), keeps WebAssembly on V8's
 * baseline compiler. undici parses HTTP with llhttp, compiled to WebAssembly; after a couple of
 * answers V8 recompiles its large parser function with the optimizing compiler on a background
 * thread, and Node waits for that job before the process may exit: about 150–250 ms of a one-alert
 * send on a 2-core machine, spent on code that never runs again. Must run before anything compiles
 * WebAssembly, so bin.ts calls it first. Long-running commands keep the default. Node 24's V8
 * ignores the flag once it runs (measured: the recompile still happens there), so this helps on
 * Node 20 and 22 only; Node 24's one-alert send is ~0.5 s regardless.
 */
export function preferBaselineWasm(argv: readonly string[]): void {
  if (argv.slice(2).some((arg) => LONG_RUNNING.has(arg))) return;
  setFlagsFromString('--liftoff-only');
}
