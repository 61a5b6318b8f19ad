/**
 * @mailbridge/core/testing — the transport conformance suite every adapter runs against the simulator.
 * Needs vitest (an optional peer dependency of @mailbridge/core): import it from test files only.
 * @packageDocumentation
 */
export { describeTransportConformance } from './describe-transport-conformance.js';
export type { ConformanceHarness, ConformanceOptions, HarnessStoredMessage, SeedMessagesOptions } from './conformance-harness.js';
export {
  simulatorHarness,
  type HarnessSeedMessage,
  type HarnessSeedUser,
  type HarnessSimulator,
  type SimulatorHarnessOptions,
} from './simulator-harness.js';
export { createTempDir, eventually, generateFile, sha256, type GeneratedFile } from './fixtures.js';
