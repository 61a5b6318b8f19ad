import { createTempDir, generateFile } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

const header = (headers: Record<string, string>, name: string): string | undefined => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

describe('authentication on a custom (simulator) Graph host', () => {
  let bed: GraphTestBed;
  beforeAll(async () => {
    bed = await startGraphTestBed();
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('attaches the bearer token to the Graph host (customHosts) and fetches it once for concurrent calls', async () => {
    bed.simulator.clearRequests();
    await Promise.all(Array.from({ length: 10 }, () => bed.transport.probe()));
    const graph = bed.simulator.requests().filter((request) => request.api === 'graph');
    expect(graph).toHaveLength(10);
    for (const request of graph) {
      expect(header(request.headers, 'authorization')).toMatch(/^Bearer /);
      expect(request.status).toBe(200);
      expect(request.clientId).toBe(DEMO.clientId);
    }
    const tokenRequests = bed.simulator.requests().filter((request) => request.api === 'entra' && request.url.includes('/token'));
    expect(tokenRequests.length).toBeLessThanOrEqual(1);
  });

  it('addresses /users/{mailbox} with an app-only token, never /me', async () => {
    bed.simulator.clearRequests();
    await bed.transport.probe();
    const urls = bed.simulator
      .requests()
      .filter((request) => request.api === 'graph')
      .map((request) => request.url);
    expect(urls.every((url) => url.startsWith(`/v1.0/users/${encodeURIComponent(DEMO.mailbox)}/`))).toBe(true);
    expect(urls.some((url) => url.includes('/me/'))).toBe(false);
  });

  it('sends upload-session ranges without the Authorization header, each under 4 MB and in order', async () => {
    const temp = await createTempDir();
    try {
      const file = await generateFile(temp.dir, 'eight.bin', 8 * 1024 * 1024);
      bed.simulator.clearRequests();
      await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'ranges', text: 'x', attachments: [{ filename: 'eight.bin', content: { path: file.path } }] });
      const uploads = bed.simulator.requests().filter((request) => request.api === 'upload');
      expect(uploads).toHaveLength(3);
      const ranges = uploads.map((request) => header(request.headers, 'content-range'));
      expect(ranges).toEqual([`bytes 0-3932159/${file.size}`, `bytes 3932160-7864319/${file.size}`, `bytes 7864320-${file.size - 1}/${file.size}`]);
      for (const request of uploads) expect(header(request.headers, 'authorization')).toBeUndefined();
      expect(uploads.map((request) => request.status)).toEqual([200, 200, 201]);
    } finally {
      await temp.remove();
    }
  });
});
