/**
 * @mailbridge/outbox/testing — the store conformance suite every outbox store runs, and a
 * redis-server launcher for tests of the Redis store (and of anything built on it).
 * Needs vitest (an optional peer dependency): import it from test files only.
 * @packageDocumentation
 */
export { describeStoreConformance, type StoreConformanceOptions, testEntry } from './describe-store-conformance.js';
export { redisUnavailable, type StartTestRedisOptions, startTestRedis, type TestRedis } from './start-test-redis.js';
