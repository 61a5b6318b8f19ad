import { createRequire } from 'node:module';
import type * as MsalNode from '@azure/msal-node';

let library: typeof MsalNode | undefined;

/**
 * msal-node, loaded on first use (a command that never asks for a token never loads it) and through
 * its single-file CommonJS bundle: its ES module build is several hundred files (msal-node and
 * msal-common), which took about twice as long to load as the bundle, a cost every fresh process
 * that gets a token paid (bench/cold-send.mjs). Every class core uses from msal (for `new` and for
 * `instanceof`) comes from here, so they are all the same copy.
 */
export function msalNode(): typeof MsalNode {
  library ??= createRequire(import.meta.url)('@azure/msal-node') as typeof MsalNode;
  return library;
}
