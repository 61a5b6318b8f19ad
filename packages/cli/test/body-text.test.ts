import { describe, expect, it } from 'vitest';
import { bodyText, MAX_HTML_CHARS } from '../src/output/body-text.js';

describe('bodyText: the text `show` and `receive --json` print', () => {
  it('prefers the text body; renders an HTML-only body as text (links kept, images and tags dropped)', async () => {
    expect(await bodyText({ text: 'plain', html: '<p>html</p>' })).toEqual({ text: 'plain', source: 'text', truncated: false });
    const rendered = await bodyText({ html: '<h1>Disk full</h1><p>See <a href="https://grafana.example/d/1">the dashboard</a><img src="cid:x" alt="chart"></p>' });
    expect(rendered.source).toBe('html');
    expect(rendered.text).toContain('Disk full');
    expect(rendered.text).toContain('the dashboard [https://grafana.example/d/1]');
    expect(rendered.text).not.toMatch(/<|chart/);
    expect(await bodyText(undefined)).toEqual({ text: '', source: 'none', truncated: false });
  });

  it('is bounded: HTML past the limit is cut (and says so), HTML nested 100,000 deep does not overflow the stack', async () => {
    const big = await bodyText({ html: `<p>start</p>${'<p>filler text</p>'.repeat(Math.ceil(MAX_HTML_CHARS / 18) + 1000)}<p>the end</p>` });
    expect(big.truncated).toBe(true);
    expect(big.text).toContain('start');
    expect(big.text).not.toContain('the end');
    const deep = await bodyText({ html: `${'<div>'.repeat(100_000)}deep${'</div>'.repeat(100_000)}<p>after</p>` });
    expect(deep.source).toBe('html');
  });
});
