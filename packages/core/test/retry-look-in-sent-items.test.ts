import { describe, expect, it } from 'vitest';
import { type LogFields, type Logger, lookInSentItems, SENT_ITEMS_LOOK_DELAYS_MS } from '../src/index.js';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, _fields?: LogFields) => void lines.push(`${level} ${message}`);
  return { logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }, lines };
}

describe('lookInSentItems: the schedule of looks after a send whose outcome is unknown', () => {
  it('defaults to three looks spread over about four seconds', () => {
    expect(SENT_ITEMS_LOOK_DELAYS_MS).toEqual([0, 1000, 3000]);
  });

  it('waits before each look and stops at the first that finds the message', async () => {
    const { logger, lines } = recordingLogger();
    const started = Date.now();
    const looks: number[] = [];
    const found = await lookInSentItems({
      internetMessageId: '<a@contoso.com>',
      delaysMs: [0, 40, 80, 160],
      logger,
      transport: 'ews',
      look: async () => {
        looks.push(Date.now() - started);
        return looks.length === 3 ? 'AAMk-sent' : undefined;
      },
    });
    expect(found).toBe('AAMk-sent');
    expect(looks).toHaveLength(3);
    expect(looks[2]).toBeGreaterThanOrEqual(115);
    expect(lines).toEqual(['warn ews: a send may or may not have gone out; looking for it in Sent Items', 'info ews: the send went out (found in Sent Items); not sending again']);
  });

  it('answers undefined after the last look misses, and says it sends again', async () => {
    const { logger, lines } = recordingLogger();
    let looks = 0;
    const found = await lookInSentItems({ internetMessageId: '<b@contoso.com>', delaysMs: [0, 5], logger, transport: 'graph', look: async () => void looks++ });
    expect([found, looks]).toEqual([undefined, 2]);
    expect(lines.at(-1)).toBe('warn graph: not in Sent Items; sending again');
  });

  it('stops waiting when the caller aborts, and a failed look ends the search with its error', async () => {
    const { logger } = recordingLogger();
    const controller = new AbortController();
    const pending = lookInSentItems({ internetMessageId: '<c@contoso.com>', delaysMs: [0, 60_000], logger, transport: 'ews', signal: controller.signal, look: async () => undefined });
    setTimeout(() => controller.abort(new Error('stopped')), 20);
    await expect(pending).rejects.toThrow('stopped');
    const failing = lookInSentItems({ internetMessageId: '<d@contoso.com>', logger, transport: 'ews', look: () => Promise.reject(new Error('503')) });
    await expect(failing).rejects.toThrow('503');
  });
});
