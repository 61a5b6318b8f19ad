import { createRetryPolicy, type HttpClient, type TokenProvider } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { GraphRequester } from '../src/graph-request.js';

describe('GraphRequester', () => {
  // No request is made: the token provider and HTTP client are only held.
  const requester = (graphEndpoint: string, mailbox: string) =>
    new GraphRequester({
      mailbox,
      graphEndpoint,
      tokenProvider: { kind: 'app-only' } as TokenProvider,
      http: { userAgent: 'test' } as HttpClient,
      retry: createRetryPolicy(),
    });

  it('shares one semaphore per Graph host and mailbox (any case), across transports, until the last closes', async () => {
    const first = requester('https://graph.example', 'Alerts@Contoso.com');
    expect(first.semaphore.limit).toBe(4);
    const same = requester('https://graph.example', 'alerts@contoso.com');
    expect(same.semaphore).toBe(first.semaphore);
    expect(requester('https://graph.other.example', 'alerts@contoso.com').semaphore).not.toBe(first.semaphore);
    expect(requester('https://graph.example', 'other@contoso.com').semaphore).not.toBe(first.semaphore);
    await first.close();
    expect(requester('https://graph.example', 'alerts@contoso.com').semaphore).toBe(first.semaphore);
    await same.close();
  });
});
