declare const __PACKAGE_VERSION__: string;
/** What `msalNode()` requires: `./msal-node.cjs` (next to the built files) in dist, the package in tests of the sources. */
declare const __MSAL_NODE_MODULE__: string;
