/**
 * The simulated Entra ID: discovery, JWKS, and the v2 token endpoint.
 * @packageDocumentation
 */
export { createEntraModule, type EntraModule, type EntraModuleOptions } from './entra-module.js';
export { DEFAULT_FEDERATION_ISSUER, DEFAULT_FEDERATION_AUDIENCE, type FederatedAssertionOptions } from './federation-issuer.js';
export { CONSUMERS_TENANT_ID } from './authority.js';
export type { TokenVerifier, SimAccessTokenClaims } from './token-verifier.js';
