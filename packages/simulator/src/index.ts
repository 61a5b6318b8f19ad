/**
 * @mailbridge/simulator — a local Microsoft 365 (Entra ID, Graph mail, EWS) over HTTPS on loopback.
 * @packageDocumentation
 */

export { DEMO, demoSeed } from './demo/demo-seed.js';
export { type CompleteSignInPageOptions, completeSignInPage, type SignInPageOutcome } from './entra/sign-in-page-client.js';
export type { SimAccessTokenClaims, TokenVerifier } from './entra/token-verifier.js';
export { DEFAULT_EWS_THROTTLING, type EwsThrottlingPolicy } from './ews/ews-throttle.js';
/**
 * For adapter tests: `validateEwsSoap(xml)` checks a SOAP message (a request an adapter built, or an
 * answer it parsed) against the official EWS XSDs the simulator validates with, and returns
 * `{ valid, problems }` (never throws); `userSid(seedUser)` is the Windows SID the simulator gives a
 * seed user, for `<t:ExchangeImpersonation>` headers of the `<t:SID>` form.
 */
export { type EwsSchemaProblem, type EwsSchemaResult, userSid, validateEwsSoap } from './ews/index.js';
export { EXCHANGE_ONLINE_SENDING_LIMITS, type SendingLimitOptions, type SendingLimitStats } from './mail/sending-limits.js';
/**
 * The seed file of `mailbridge sandbox --seed` (JSON or YAML: apps, mailboxes, faults added to the
 * demo tenant): `loadSeedFile(path)` reads and checks it (SANDBOX_SEED_INVALID errors name the path
 * of each problem), `compileSeedFile(seed)` turns it into seed data, faults and the apps' configs;
 * `parseFaultFlag(text)` reads one `--fault KIND:key=value,…`.
 */
export { type CompiledSeed, compileSeedFile, type SeededApp } from './seed/compile-seed-file.js';
export { type CheckedFault, describeFault, FAULT_APIS, FAULT_KINDS, faultSchema } from './seed/fault-schema.js';
export { loadSeedFile, parseFaultFlag, parseSeedFile, seedFileError } from './seed/load-seed-file.js';
export { SEED_APP_PERMISSIONS, type SeedFile, type SeedFileApp, type SeedFileInput, seedFileSchema } from './seed/seed-file-schema.js';
export type { ApiModule, SimRequest, SimResponse } from './server/http-types.js';
export { startSimulator } from './simulator.js';
export type { Directory } from './state/directory.js';
/**
 * For tests of the authorization-code flow: `completeSignInPage(url, { ca, email, password })`
 * signs in on the simulator's sign-in page with a real HTTPS client and returns where it redirects.
 */
/** A certificate credential for a seeded app (any validity, also expired), with its key. */
export { type AppCertificate, type AppCertificateOptions, createAppCertificate } from './tls/app-certificate.js';
export * from './types.js';

/** The version of @mailbridge/simulator. */
export const VERSION: string = __PACKAGE_VERSION__;
