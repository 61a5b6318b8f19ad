import { createRequire } from 'node:module';
import type * as MsalNode from '@azure/msal-node';

let library: typeof MsalNode | undefined;

/**
 * msal-node, loaded on first use (a command that never asks for a token never loads it) and as one
 * file: its ES module build is several hundred files (msal-node and msal-common), its CommonJS bundle
 * still requires jsonwebtoken and ~90 more files at load, a cost every fresh process that gets a
 * token paid (bench/cold-send.mjs). The build makes `dist/msal-node.cjs` (msal-node's CommonJS bundle
 * with all it requires; scripts/tsup-msal-node.config.ts) and points `__MSAL_NODE_MODULE__` at it;
 * tests of the sources load the package itself. Every class core uses from msal (for `new` and for
 * `instanceof`) comes from here, so they are all the same copy.
 */
export function msalNode(): typeof MsalNode {
  library ??= createRequire(import.meta.url)(__MSAL_NODE_MODULE__) as typeof MsalNode;
  return library;
}
