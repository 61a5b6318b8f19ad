// Entry of dist/msal-node.cjs (scripts/tsup-msal-node.config.ts): msal-node with its dependencies.
module.exports = require('@azure/msal-node');
