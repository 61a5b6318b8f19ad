/**
 * The simulated Entra ID: discovery, JWKS, and the v2 token endpoint.
 * @packageDocumentation
 */

export { CONSUMERS_TENANT_ID } from './authority.js';
export { createEntraModule, type EntraModule, type EntraModuleOptions } from './entra-module.js';
export { DEFAULT_FEDERATION_AUDIENCE, DEFAULT_FEDERATION_ISSUER, type FederatedAssertionOptions } from './federation-issuer.js';
export type { SimAccessTokenClaims, TokenVerifier } from './token-verifier.js';
