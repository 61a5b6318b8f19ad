import { describe, expect, it } from 'vitest';
import { createFlowHistory } from '../src/status/flow-history.js';
import { formatDuration, renderStatusPage } from '../src/status/render-status-page.js';
import { sampleSnapshot } from './status-fixtures.js';

const render = (overrides = {}) => renderStatusPage(sampleSnapshot(overrides), { nonce: 'n0nce', refreshSeconds: 7 });

describe('status page', () => {
  it('is a complete, labelled HTML document that refreshes itself only with JavaScript', () => {
    const page = render();
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<title>mailbridge relay status</title>');
    expect(page).toContain('<body data-refresh="7">');
    // No meta refresh: without JavaScript the page stays as it is, with a plain link to reload.
    expect(page).not.toMatch(/http-equiv="refresh"/i);
    expect(page).toContain('<a href="/">Refresh</a>');
    // The pause button is hidden until the script shows it.
    expect(page).toContain('id="auto-refresh" aria-pressed="true" hidden');
    expect(page).toContain('<script nonce="n0nce">');
    expect(page).toContain('<style nonce="n0nce">');
    // No inline style attributes (the CSP would block them).
    expect(page).not.toMatch(/\sstyle="/);
  });

  it('shows every section: flow, backlog, held and why, failures with code and hint, mailboxes, sign-in, doctor', () => {
    const page = render();
    for (const heading of ['Mail flow, last hour', 'Backlog', 'Held messages', 'Last failures', 'Sending mailboxes', 'Sign-in', 'doctor checks']) {
      expect(page).toContain(`>${heading}</h2>`);
    }
    expect(page).toContain('The daily recipient budget of alerts@contoso.com (3 of 3 used) would be exceeded.');
    expect(page).toContain('<code data-code>SEND_AS_DENIED</code>');
    expect(page).toContain('Grant Send As on the mailbox, or send from alerts@contoso.com.');
    expect(page).toContain('8500 <span class="muted">of 10000 (85% used)</span>');
    expect(page).toContain('The client secret expires on 2026-12-20, in 12 days.');
    expect(page).toContain('data-backlog="oldest">1 min<');
    expect(page).toContain('data-total="delivered">18<');
  });

  it('never conveys a state by colour alone: each badge has an icon and a word', () => {
    const page = render();
    const badges = [...page.matchAll(/<span class="badge badge-(\w+)"><span aria-hidden="true">(.)<\/span> ([^<]+)<\/span>/g)];
    expect(badges.length).toBeGreaterThan(5);
    for (const [, , icon, word] of badges) {
      expect(icon).toBeTruthy();
      expect(word!.trim().length).toBeGreaterThan(1);
    }
  });

  it('describes the chart in text (title, summary) and offers its numbers as a table', () => {
    const page = render();
    expect(page).toContain('role="img" aria-labelledby="flow-title flow-desc"');
    expect(page).toMatch(/<desc id="flow-desc">Last 60 minutes: \d+ accepted, \d+ delivered, 1 failed; at most 3 in one minute\.<\/desc>/);
    expect(page).toContain('<caption id="flow-table-caption">');
    // Series differ by line style, not only colour.
    expect(page).toContain('series-delivered" points=');
    expect(page).toMatch(/series-delivered"[^>]+stroke-dasharray="6 3"/);
    expect(page).toMatch(/series-failed"[^>]+stroke-dasharray="2 3"/);
  });

  it('escapes everything that comes from data', () => {
    const page = render({
      mailbox: '<img src=x onerror=alert(1)>@contoso.com',
      failures: { items: [{ id: '"><script>alert(2)</script>', code: 'SERVICE_ERROR', message: '<b>bold</b> & more', hint: "it's </td>" }], total: 1 },
    });
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>alert(2)');
    expect(page).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; more');
    expect(page).toContain('it&#39;s &lt;/td&gt;');
  });

  it('shows subjects only when the snapshot carries them (status.showSubjects)', () => {
    expect(render()).not.toContain('Subject:');
    const page = render({ held: { items: [{ id: 'h1', reason: 'budget', subject: 'Disk 97% on db-01' }], total: 1 } });
    expect(page).toContain('<span class="muted">Subject:</span> Disk 97% on db-01');
  });

  it('puts what needs attention first, linking to its section', () => {
    const page = render({ token: { state: 'failing', checkedAt: new Date('2026-12-07T03:29:00Z'), code: 'AUTH_INVALID_SECRET', message: 'The client secret is wrong.', hint: 'Copy the Value.' } });
    expect(page).toContain('aria-label="Needs attention"');
    expect(page).toContain('<a href="#sign-in">No access token can be obtained (AUTH_INVALID_SECRET).</a>');
    expect(page).toContain('<a href="#failures">1 message failed in the last hour.</a>');
    expect(page).toContain('<a href="#held">1 message is held.</a>');
    const quiet = render({
      flow: sampleSnapshot().flow.map((minute) => ({ ...minute, failed: 0 })),
      held: { items: [], total: 0 },
      credential: { kind: 'certificate', state: 'ok', message: 'The certificate is valid until 2027-12-01 (359 days).' },
    });
    expect(quiet).toContain('All good');
  });

  it('reports a part it could not read instead of failing the page', () => {
    const problem = { problem: { code: 'NETWORK_TIMEOUT', message: 'The outbox store did not answer in time.', hint: 'Check that Redis is running.' } };
    const page = render({ backlog: problem, held: problem, failures: problem });
    expect(page).toContain('The outbox store cannot be read (NETWORK_TIMEOUT).');
    expect(page).toContain('What to do: Check that Redis is running.');
  });
});

describe('flow history', () => {
  it('counts per minute for the last hour and totals since start, dropping older minutes', () => {
    let now = Date.parse('2026-12-07T03:00:10Z');
    const history = createFlowHistory({ now: () => now });
    history.record('accepted');
    history.record('delivered');
    history.record('retried', 2);
    now += 60_000;
    history.record('failed');
    history.record('accepted', 3);
    let series = history.series();
    expect(series).toHaveLength(60);
    expect(series.at(-1)).toEqual({ at: new Date('2026-12-07T03:01:00Z'), accepted: 3, delivered: 0, failed: 1 });
    expect(series.at(-2)).toEqual({ at: new Date('2026-12-07T03:00:00Z'), accepted: 1, delivered: 1, failed: 0 });
    expect(history.totals()).toEqual({ accepted: 4, delivered: 1, failed: 1, retried: 2, held: 0 });
    now += 60 * 60_000;
    series = history.series();
    expect(series.every((minute) => minute.accepted + minute.delivered + minute.failed === 0)).toBe(true);
    expect(history.totals().accepted).toBe(4);
  });

  it('formats durations for people', () => {
    expect(formatDuration(4_000)).toBe('4 s');
    expect(formatDuration(95_000)).toBe('1 min');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000)).toBe('3 d 4 h');
  });
});
