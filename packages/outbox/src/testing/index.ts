/**
 * @mailbridge/outbox/testing — the store conformance suite every outbox store runs.
 * Needs vitest (an optional peer dependency): import it from test files only.
 * @packageDocumentation
 */
export { describeStoreConformance, type StoreConformanceOptions, testEntry } from './describe-store-conformance.js';
