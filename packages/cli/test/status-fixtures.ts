import { request } from 'node:http';
import type { StatusSnapshot } from '../src/status/status-snapshot.js';

/** A snapshot with a bit of everything, for the renderer and server unit tests. */
export function sampleSnapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  const now = new Date('2026-12-07T03:30:00Z');
  const flow = Array.from({ length: 60 }, (_, index) => ({
    at: new Date(now.getTime() - (59 - index) * 60_000),
    accepted: index % 7 === 0 ? 3 : 0,
    delivered: index % 7 === 0 ? 2 : 0,
    failed: index === 56 ? 1 : 0,
  }));
  return {
    service: 'relay',
    version: '0.1.0',
    transport: 'graph',
    mailbox: 'alerts@contoso.com',
    generatedAt: now,
    startedAt: new Date(now.getTime() - 2 * 3600_000),
    flow,
    totals: { accepted: 27, delivered: 18, failed: 1, retried: 2, held: 1 },
    backlog: { queued: 4, inFlight: 1, held: 1, failed: 1, delivered24h: 18, oldestQueuedAgeMs: 95_000 },
    held: { items: [{ id: 'msg-held-1', enqueuedAt: new Date(now.getTime() - 600_000), reason: 'The daily recipient budget of alerts@contoso.com (3 of 3 used) would be exceeded.', code: 'RECIPIENT_BUDGET' }], total: 1 },
    failures: {
      items: [
        {
          id: 'msg-failed-1',
          at: new Date(now.getTime() - 180_000),
          code: 'SEND_AS_DENIED',
          message: 'The app may not send as ceo@contoso.com.',
          hint: 'Grant Send As on the mailbox, or send from alerts@contoso.com.',
          attempts: 1,
        },
      ],
      total: 1,
    },
    mailboxes: [{ address: 'alerts@contoso.com', sentLastMinute: 2, messagesPerMinute: 30, recipients24h: 8500, recipientsPerDay: 10_000 }],
    token: { state: 'valid', expiresAt: new Date(now.getTime() + 3_000_000), checkedAt: new Date(now.getTime() - 20_000) },
    credential: { kind: 'client-secret', state: 'warn', expiresAt: new Date('2026-12-20T00:00:00Z'), daysLeft: 12, message: 'The client secret expires on 2026-12-20, in 12 days.', hint: 'Create a new secret.' },
    doctor: {
      ranAt: new Date(now.getTime() - 3_600_000),
      ok: true,
      checks: [
        { id: 'config', status: 'pass', message: 'valid' },
        { id: 'secret-expiry', status: 'warn', message: 'The client secret expires on 2026-12-20, in 12 days.', hint: 'Renew it.' },
      ],
    },
    ...overrides,
  };
}

/** A plain HTTP request on loopback: status, headers and body (bounded to 4 MB). */
export function httpGet(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 4 * 1024 * 1024) req.destroy(new Error('response too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
