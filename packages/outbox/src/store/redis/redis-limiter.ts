import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type LimiterUsage, PENDING_MAX_MS, type Reservation } from '../../limits/reservation.js';
import type { SendingLimits } from '../../limits/sending-limits.js';
import type { OutboxLimiter } from '../outbox-store.js';

// The rules of limits/rate-ledger.ts, run inside Redis so that every worker of every machine sees and
// changes one ledger atomically. Keys: sent (token -> end time), pending (token -> start), rcpt
// (token -> time), rcptcount (token -> recipients), and the set of mailboxes.
const PRUNE = `
local now = tonumber(ARGV[1]); local windowMs = tonumber(ARGV[2]); local dayMs = tonumber(ARGV[3]); local pmax = tonumber(ARGV[4])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - pmax, 'WITHSCORES')
for i = 1, #stale, 2 do
  redis.call('ZADD', KEYS[1], tonumber(stale[i + 1]) + pmax, stale[i])
  redis.call('ZREM', KEYS[2], stale[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - math.max(windowMs, 60000))
local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - dayMs)
for i = 1, #old do redis.call('HDEL', KEYS[4], old[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - dayMs)
local pending = redis.call('ZCARD', KEYS[2])
local inWindow = redis.call('ZCOUNT', KEYS[1], '(' .. (now - windowMs), '+inf') + pending
local used = 0
local counts = redis.call('HVALS', KEYS[4])
for i = 1, #counts do used = used + tonumber(counts[i]) end
`;

const RESERVE = `${PRUNE}
local messages = tonumber(ARGV[5]); local perDay = tonumber(ARGV[6]); local r = tonumber(ARGV[7]); local token = ARGV[8]
if inWindow >= messages then
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - windowMs), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #oldest > 0 then return {'rate', math.max(1, tonumber(oldest[2]) + windowMs - now), 0} end
  return {'rate', 50, 0}
end
if used + r > perDay then
  local entries = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
  local remaining = used
  local untilAt = now + dayMs
  for i = 1, #entries, 2 do
    remaining = remaining - tonumber(redis.call('HGET', KEYS[4], entries[i]) or '0')
    if remaining + r <= perDay then untilAt = tonumber(entries[i + 1]) + dayMs; break end
  end
  return {'budget', untilAt, used}
end
redis.call('ZADD', KEYS[2], now, token)
redis.call('ZADD', KEYS[3], now, token)
redis.call('HSET', KEYS[4], token, r)
redis.call('SADD', KEYS[5], ARGV[9])
return {'ok', 0, used + r}
`;

const USAGE = `${PRUNE}
local lastMinute = redis.call('ZCOUNT', KEYS[1], '(' .. (now - 60000), '+inf') + pending
return {inWindow, lastMinute, used}
`;

const SETTLE = `
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
  redis.call('ZADD', KEYS[3], 'XX', tonumber(ARGV[2]), ARGV[1])
end
return 1
`;

/** The sending-limit ledger in Redis: one atomic script per reservation, shared by every worker. */
export class RedisLimiter implements OutboxLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async reserve(mailbox: string, recipients: number, limits: SendingLimits, now: number): Promise<Reservation> {
    const token = randomBytes(8).toString('hex');
    const [kind, a, b] = (await this.redis.eval(RESERVE, 5, ...this.keys(mailbox), now, limits.windowMs, limits.dayMs, PENDING_MAX_MS, limits.messages, limits.recipientsPerDay, recipients, token, mailbox.toLowerCase())) as [
      string,
      number,
      number,
    ];
    if (kind === 'rate') return { ok: false, reason: 'rate', waitMs: Number(a) };
    if (kind === 'budget') return { ok: false, reason: 'budget', until: Number(a), recipients24h: Number(b) };
    return { ok: true, token, recipients24h: Number(b) };
  }

  async settle(mailbox: string, token: string, at: number): Promise<void> {
    const [sent, pending, rcpt] = this.keys(mailbox);
    await this.redis.eval(SETTLE, 3, sent, pending, rcpt, token, at);
  }

  async usage(mailbox: string, limits: SendingLimits, now: number): Promise<LimiterUsage> {
    const [inWindow, lastMinute, used] = (await this.redis.eval(USAGE, 5, ...this.keys(mailbox), now, limits.windowMs, limits.dayMs, PENDING_MAX_MS)) as [number, number, number];
    return { inWindow: Number(inWindow), lastMinute: Number(lastMinute), recipientsInDay: Number(used) };
  }

  async mailboxes(): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}:outbox-limits:mailboxes`);
  }

  private keys(mailbox: string): [string, string, string, string, string] {
    const base = `${this.prefix}:outbox-limits:${mailbox.toLowerCase()}`;
    return [`${base}:sent`, `${base}:pending`, `${base}:rcpt`, `${base}:rcptcount`, `${this.prefix}:outbox-limits:mailboxes`];
  }
}
