import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createRedisStore } from '../src/store/redis/redis-store.js';
import { describeStoreConformance, redisUnavailable, startTestRedis, type TestRedis } from '../src/testing/index.js';

const skip = redisUnavailable();
let redis: TestRedis | undefined;
beforeAll(async () => {
  if (!skip) redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describeStoreConformance('redis', {
  skip: skip ?? false,
  // A location is a key prefix: each test gets its own outbox in the one Redis.
  newLocation: async () => `t${randomBytes(4).toString('hex')}`,
  open: (prefix, { leaseMs }) => createRedisStore({ url: redis!.url, prefix, leaseMs }),
});
