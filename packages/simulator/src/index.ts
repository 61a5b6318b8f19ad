/**
 * @mailbridge/simulator — a local Microsoft 365 (Entra ID, Graph mail, EWS) over HTTPS on loopback.
 * @packageDocumentation
 */
export * from './types.js';
export { startSimulator } from './simulator.js';
export { DEMO, demoSeed } from './demo/demo-seed.js';
export type { ApiModule, SimRequest, SimResponse } from './server/http-types.js';
export type { Directory } from './state/directory.js';
export type { TokenVerifier, SimAccessTokenClaims } from './entra/token-verifier.js';

/** The version of @mailbridge/simulator. */
export const VERSION: string = __PACKAGE_VERSION__;
