/**
 * @mailbridge/core/testing — the transport conformance suite every adapter runs against the simulator.
 * Needs vitest (an optional peer dependency of @mailbridge/core): import it from test files only.
 * @packageDocumentation
 */

export type { ConformanceHarness, ConformanceOptions, HarnessStoredMessage, SeedMessagesOptions } from './conformance-harness.js';
export { describeTransportConformance } from './describe-transport-conformance.js';
export { createTempDir, eventually, type GeneratedFile, generateFile, sha256 } from './fixtures.js';
export { mailbridgeFailure } from './mailbridge-failure.js';
export {
  type HarnessSeedMessage,
  type HarnessSeedUser,
  type HarnessSimulator,
  type SimulatorHarnessOptions,
  simulatorHarness,
} from './simulator-harness.js';
export { createTestPki, type TestPki, type TestServerCredentials } from './test-pki.js';
