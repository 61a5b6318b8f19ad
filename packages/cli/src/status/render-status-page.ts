import { html, SafeHtml, trusted } from './html.js';
import { renderFlowChart, renderFlowLegend } from './render-flow-chart.js';
import { type CredentialView, isProblem, type ProblemView, type StatusSnapshot, type TokenView } from './status-snapshot.js';

/** Options of {@link renderStatusPage}. */
export interface RenderStatusPageOptions {
  /** The nonce the Content-Security-Policy allows for the inline style and script of this response. */
  nonce: string;
  /**
   * Seconds between refreshes when JavaScript is on.
   * @default 10
   */
  refreshSeconds?: number;
}

type Tone = 'ok' | 'warn' | 'bad' | 'info';
const TONE_WORD: Record<Tone, string> = { ok: 'OK', warn: 'Warning', bad: 'Problem', info: 'Info' };
const TONE_ICON: Record<Tone, string> = { ok: '✓', warn: '▲', bad: '✕', info: 'i' };

/** A status badge: an icon and a word, so the meaning never rests on colour alone. */
function badge(tone: Tone, word: string = TONE_WORD[tone]): SafeHtml {
  return html`<span class="badge badge-${tone}"><span aria-hidden="true">${TONE_ICON[tone]}</span> ${word}</span>`;
}

/** "45 s", "3 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** A `<time>` in UTC, e.g. 2026-12-07 03:12:45 UTC. */
function time(date: Date | undefined): SafeHtml {
  if (date === undefined || Number.isNaN(date.getTime())) return html`<span class="muted">unknown</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/** "3 min ago (03:27 UTC)": short enough for a phone's table cell; the full date when older than a day. */
function ago(date: Date | undefined, now: Date): SafeHtml {
  if (date === undefined || Number.isNaN(date.getTime())) return html`<span class="muted">unknown</span>`;
  const iso = date.toISOString();
  const age = now.getTime() - date.getTime();
  const clock = age < 86_400_000 ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  return html`<time datetime="${iso}">${formatDuration(age)} ago</time> <span class="muted">(${clock})</span>`;
}

function problem(view: ProblemView): SafeHtml {
  return html`<p class="problem">${badge('bad', 'Cannot read')} ${view.problem.message} <code>${view.problem.code}</code>${view.problem.hint ? html`<br><span class="hint">What to do: ${view.problem.hint}</span>` : ''}</p>`;
}

function section(id: string, title: string, body: SafeHtml | SafeHtml[], extra: SafeHtml | string = ''): SafeHtml {
  return html`<section class="card ${extra}" id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${title}</h2>${body}</section>`;
}

/** A table that scrolls sideways on a narrow phone instead of squeezing its columns. */
/** A cell: its content, or its content and `num` for a right-aligned number. */
type Cell = SafeHtml | { num: SafeHtml };

function table(id: string, caption: string, head: string[], rows: Cell[][]): SafeHtml {
  // On a phone the rows stack (CSS), each cell labelled with its column; the explicit roles keep the
  // table's semantics for screen readers, which some browsers drop once cells are display:block.
  return html`<div class="table-wrap" role="region" aria-labelledby="${id}-caption" tabindex="0"><table id="${id}" class="stack" role="table"><caption id="${id}-caption">${caption}</caption><thead role="rowgroup"><tr role="row">${head.map((cell) => html`<th scope="col" role="columnheader">${cell}</th>`)}</tr></thead><tbody role="rowgroup">${rows.map(
    (cells) =>
      html`<tr role="row">${cells.map((cell, index) => (cell instanceof SafeHtml ? html`<td role="cell" data-label="${head[index] ?? ''}">${cell}</td>` : html`<td role="cell" class="num" data-label="${head[index] ?? ''}">${cell.num}</td>`))}</tr>`,
  )}</tbody></table></div>`;
}

function tokenTone(token: TokenView): Tone {
  return token.state === 'valid' ? 'ok' : token.state === 'failing' ? 'bad' : 'info';
}

function credentialTone(credential: CredentialView): Tone {
  return credential.state === 'ok' ? 'ok' : credential.state === 'warn' ? 'warn' : credential.state === 'expired' ? 'bad' : 'info';
}

/** What needs attention, most urgent first: the banner at the top of the page. */
function attention(snapshot: StatusSnapshot): Array<{ tone: Tone; text: string; href: string }> {
  const out: Array<{ tone: Tone; text: string; href: string }> = [];
  if (isProblem(snapshot.backlog)) out.push({ tone: 'bad', text: `The outbox store cannot be read (${snapshot.backlog.problem.code}).`, href: '#backlog' });
  if (snapshot.token.state === 'failing') out.push({ tone: 'bad', text: `No access token can be obtained (${snapshot.token.code}).`, href: '#sign-in' });
  if (snapshot.credential.state === 'expired') out.push({ tone: 'bad', text: snapshot.credential.message, href: '#sign-in' });
  const recentFailures = snapshot.flow.reduce((sum, minute) => sum + minute.failed, 0);
  if (recentFailures > 0) out.push({ tone: 'bad', text: `${recentFailures} message${recentFailures === 1 ? '' : 's'} failed in the last hour.`, href: '#failures' });
  if (!isProblem(snapshot.held) && snapshot.held.total > 0) out.push({ tone: 'warn', text: `${snapshot.held.total} message${snapshot.held.total === 1 ? ' is' : 's are'} held.`, href: '#held' });
  if (snapshot.credential.state === 'warn') out.push({ tone: 'warn', text: snapshot.credential.message, href: '#sign-in' });
  const doctorFails = snapshot.doctor?.checks.filter((check) => check.status === 'fail') ?? [];
  if (doctorFails.length > 0) out.push({ tone: 'bad', text: `doctor: ${doctorFails.map((check) => check.id).join(', ')} failed.`, href: '#doctor' });
  return out;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f8fa;--card:#fff;--text:#1f2328;--muted:#57606a;--border:#d0d7de;--ok:#116329;--ok-bg:#dafbe1;--warn:#7a4a00;--warn-bg:#fff1c2;--bad:#a40e26;--bad-bg:#ffebe9;--info:#0a3069;--info-bg:#ddf4ff;--accepted:#0550ae;--delivered:#116329;--failed:#a40e26;--focus:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--border:#3d444d;--ok:#7ee2a8;--ok-bg:#0f2e1b;--warn:#f2cc60;--warn-bg:#3a2a00;--bad:#ffaba8;--bad-bg:#4a0e16;--info:#a5d6ff;--info-bg:#0c2d6b;--accepted:#79c0ff;--delivered:#7ee2a8;--failed:#ffaba8;--focus:#79c0ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.15rem;margin:0 0 .75rem}
.muted,.meta{color:var(--muted)}
.meta{margin:0 0 1rem;font-size:.95rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,28rem),1fr))}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:1rem;min-width:0}
.wide{grid-column:1/-1}
.badge{display:inline-block;border-radius:999px;padding:0 .6rem;font-weight:600;font-size:.9rem;white-space:nowrap;border:1px solid currentColor}
.badge-ok{color:var(--ok);background:var(--ok-bg)}.badge-warn{color:var(--warn);background:var(--warn-bg)}.badge-bad{color:var(--bad);background:var(--bad-bg)}.badge-info{color:var(--info);background:var(--info-bg)}
.banner{list-style:none;margin:0 0 1rem;padding:.75rem 1rem;border-radius:8px;border:2px solid var(--border);background:var(--card)}
.banner li{margin:.25rem 0}
.banner a{color:inherit}
dl.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));gap:.5rem;margin:0}
dl.stats div{border:1px solid var(--border);border-radius:6px;padding:.4rem .6rem}
dl.stats dt{font-size:.85rem;color:var(--muted)}
dl.stats dd{margin:0;font-size:1.35rem;font-weight:600}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;color:var(--muted);font-size:.9rem;padding-bottom:.25rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--border)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
.hint{color:var(--muted)}
.problem{margin:0}
.chart{display:grid;grid-template-columns:auto 1fr;column-gap:.4rem}
.y-axis{display:flex;flex-direction:column;justify-content:space-between;text-align:right;font-size:.8rem;color:var(--muted);line-height:1;height:10rem}
.x-axis{grid-column:2;display:flex;justify-content:space-between;font-size:.8rem;color:var(--muted)}
.flow-chart{width:100%;height:10rem;display:block}
.flow-chart .grid{stroke:var(--border);stroke-width:1}
.series{fill:none}
.series-accepted{stroke:var(--accepted)}.series-delivered{stroke:var(--delivered)}.series-failed{stroke:var(--failed)}
.legend{list-style:none;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:1rem}
.bar{display:block;width:100%;height:.5rem;margin-top:.25rem}
.bar-track{fill:var(--border)}.bar-used{fill:var(--accepted)}
.bar.warn .bar-used{fill:var(--warn)}.bar.bad .bar-used{fill:var(--bad)}
.plain dt{font-weight:600}.plain dd{margin:0 0 .75rem}
details summary{cursor:pointer}
a{color:var(--focus)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
button{font:inherit;padding:.3rem .8rem;border-radius:6px;border:1px solid var(--border);background:var(--card);color:var(--text);cursor:pointer}
footer{padding-bottom:2rem;font-size:.95rem}
footer p{margin:.5rem 0}
@media (max-width:30rem){h1{font-size:1.25rem}dl.stats dd{font-size:1.15rem}th,td{padding:.3rem}}
@media (max-width:40rem){
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
table.stack,table.stack caption,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack tr{border-bottom:1px solid var(--border);padding:.4rem 0}
table.stack td{border:0;padding:.15rem 0;text-align:left}
table.stack td::before{content:attr(data-label);display:block;font-size:.8rem;font-weight:600;color:var(--muted)}
}
`;

// Replaces #content with a fresh copy every few seconds, keeps open <details>, and can be paused
// (WCAG 2.2.2). Without JavaScript the page stays as served, with a plain "Refresh" link.
const SCRIPT = `
(function(){
  var seconds=Number(document.body.getAttribute('data-refresh'))||10;
  var button=document.getElementById('auto-refresh');
  var state=document.getElementById('refresh-state');
  var paused=false,timer;
  function schedule(){clearTimeout(timer);if(!paused)timer=setTimeout(refresh,seconds*1000);}
  function refresh(){
    fetch(location.pathname,{headers:{accept:'text/html'},cache:'no-store',credentials:'same-origin'}).then(function(response){
      if(!response.ok)throw new Error('HTTP '+response.status);
      return response.text();
    }).then(function(text){
      // Paused while this refresh was on its way: the reader keeps the page as it is.
      if(paused)return;
      var next=new DOMParser().parseFromString(text,'text/html').getElementById('content');
      var current=document.getElementById('content');
      if(next&&current){
        var open=Array.prototype.map.call(current.querySelectorAll('details[open]'),function(d){return d.id;});
        current.replaceWith(document.importNode(next,true));
        open.forEach(function(id){var d=document.getElementById(id);if(d)d.open=true;});
      }
      state.textContent='';
    }).catch(function(error){state.textContent='Could not refresh ('+error.message+'); retrying.';}).then(schedule);
  }
  button.hidden=false;
  button.addEventListener('click',function(){
    paused=!paused;
    button.setAttribute('aria-pressed',String(!paused));
    button.textContent=paused?'Resume auto-refresh':'Pause auto-refresh';
    schedule();
  });
  schedule();
})();
`;

function renderContent(snapshot: StatusSnapshot): SafeHtml {
  const now = snapshot.generatedAt;
  const flowTotals = snapshot.flow.reduce((sum, minute) => ({ accepted: sum.accepted + minute.accepted, delivered: sum.delivered + minute.delivered, failed: sum.failed + minute.failed }), { accepted: 0, delivered: 0, failed: 0 });
  const items = attention(snapshot);
  const banner =
    items.length === 0
      ? html`<ul class="banner" aria-label="Overall state"><li>${badge('ok', 'All good')} Mail is flowing; nothing needs attention.</li></ul>`
      : html`<ul class="banner" aria-label="Needs attention">${items.map((item) => html`<li>${badge(item.tone)} <a href="${item.href}">${item.text}</a></li>`)}</ul>`;

  const flowTable = html`<details id="flow-details"><summary>Per-minute numbers</summary>${table(
    'flow-table',
    'Minutes with mail in the last hour (UTC)',
    ['Minute', 'Accepted', 'Delivered', 'Failed'],
    snapshot.flow
      .filter((minute) => minute.accepted + minute.delivered + minute.failed > 0)
      .reverse()
      .map((minute) => [html`${minute.at.toISOString().slice(11, 16)}`, { num: html`${minute.accepted}` }, { num: html`${minute.delivered}` }, { num: html`${minute.failed}` }]),
  )}</details>`;
  const totals = snapshot.totals;
  const flow = section(
    'flow',
    'Mail flow, last hour',
    html`${renderFlowChart(snapshot.flow)}${renderFlowLegend(flowTotals)}${flowTable}
<p class="muted">Since start ${ago(snapshot.startedAt, now)}: <span data-total="accepted">${totals.accepted}</span> accepted, <span data-total="delivered">${totals.delivered}</span> delivered, <span data-total="failed">${totals.failed}</span> failed, <span data-total="retried">${totals.retried}</span> retried, <span data-total="held">${totals.held}</span> held.</p>`,
    'wide',
  );

  const backlog = isProblem(snapshot.backlog)
    ? section('backlog', 'Backlog', problem(snapshot.backlog))
    : section(
        'backlog',
        'Backlog',
        html`<dl class="stats">
<div><dt>Queued</dt><dd data-backlog="queued">${snapshot.backlog.queued}</dd></div>
<div><dt>Sending</dt><dd data-backlog="sending">${snapshot.backlog.inFlight}</dd></div>
<div><dt>Held</dt><dd data-backlog="held">${snapshot.backlog.held}</dd></div>
<div><dt>Failed</dt><dd data-backlog="failed">${snapshot.backlog.failed}</dd></div>
<div><dt>Delivered, 24 h</dt><dd data-backlog="delivered24h">${snapshot.backlog.delivered24h}</dd></div>
<div><dt>Oldest waiting</dt><dd data-backlog="oldest">${snapshot.backlog.oldestQueuedAgeMs === undefined ? 'none' : formatDuration(snapshot.backlog.oldestQueuedAgeMs)}</dd></div>
</dl>`,
      );

  const showSubject = (subject: string | undefined) => (subject === undefined ? '' : html`<br><span class="muted">Subject:</span> ${subject}`);
  const held = isProblem(snapshot.held)
    ? section('held', 'Held messages', problem(snapshot.held))
    : section(
        'held',
        'Held messages',
        snapshot.held.total === 0
          ? html`<p>${badge('ok', 'None')} No message is held.</p>`
          : html`${table(
              'held-table',
              snapshot.held.total > snapshot.held.items.length ? `The first ${snapshot.held.items.length} of ${snapshot.held.total} held messages` : `${snapshot.held.total} held message${snapshot.held.total === 1 ? '' : 's'}`,
              ['Message', 'Held since', 'Why'],
              snapshot.held.items.map((item) => [
                html`<code>${item.id}</code>${showSubject(item.subject)}`,
                ago(item.enqueuedAt, now),
                html`${badge('warn', 'Held')} ${item.reason}${item.code ? html` <code>${item.code}</code>` : ''}${item.hint ? html`<br><span class="hint">What to do: ${item.hint}</span>` : ''}`,
              ]),
            )}`,
      );

  const failures = isProblem(snapshot.failures)
    ? section('failures', 'Last failures', problem(snapshot.failures), 'wide')
    : section(
        'failures',
        'Last failures',
        snapshot.failures.items.length === 0
          ? html`<p>${badge('ok', 'None')} No message has failed.</p>`
          : table(
              'failures-table',
              snapshot.failures.total > snapshot.failures.items.length
                ? `The latest ${snapshot.failures.items.length} of ${snapshot.failures.total} failed messages, newest first`
                : `${snapshot.failures.total} failed message${snapshot.failures.total === 1 ? '' : 's'}, newest first`,
              ['When', 'Message', 'Error', 'What to do'],
              snapshot.failures.items.map((item) => [
                item.at ? ago(item.at, now) : item.enqueuedAt ? html`<span class="muted">enqueued</span> ${ago(item.enqueuedAt, now)}` : ago(undefined, now),
                html`<code>${item.id}</code>${showSubject(item.subject)}${item.attempts !== undefined ? html`<br><span class="muted">${item.attempts} attempt${item.attempts === 1 ? '' : 's'}</span>` : ''}`,
                html`${badge('bad', 'Failed')} <code data-code>${item.code}</code><br>${item.message}`,
                html`<span class="hint" data-hint>${item.hint ?? ''}</span>`,
              ]),
            ),
        'wide',
      );

  const mailboxes = section(
    'mailboxes',
    'Sending mailboxes',
    snapshot.mailboxes.length === 0
      ? html`<p class="muted">Nothing sent yet.</p>`
      : table(
          'mailboxes-table',
          'Rate and 24-hour recipient budget per sending mailbox',
          ['Mailbox', 'Sent in the last minute', 'Recipients, last 24 h'],
          snapshot.mailboxes.map((mailbox) => {
            const share = mailbox.recipientsPerDay ? mailbox.recipients24h / mailbox.recipientsPerDay : undefined;
            const tone = share === undefined ? '' : share >= 1 ? 'bad' : share >= 0.8 ? 'warn' : '';
            return [
              html`<code>${mailbox.address}</code>`,
              { num: html`${mailbox.sentLastMinute}${mailbox.messagesPerMinute ? html` <span class="muted">of ${mailbox.messagesPerMinute}/min</span>` : ''}` },
              {
                num: html`${mailbox.recipients24h}${mailbox.recipientsPerDay ? html` <span class="muted">of ${mailbox.recipientsPerDay} (${Math.round((share ?? 0) * 100)}% used)</span><svg class="bar ${tone}" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="bar-track" width="100" height="4"/><rect class="bar-used" width="${Math.min(100, Math.round((share ?? 0) * 100))}" height="4"/></svg>` : ''}`,
              },
            ];
          }),
        ),
  );

  const token = snapshot.token;
  const tokenText =
    token.state === 'valid'
      ? html`Entra ID issues tokens: the last one is valid until ${time(token.expiresAt)} (checked ${ago(token.checkedAt, now)}).`
      : token.state === 'failing'
        ? html`No token could be obtained (checked ${ago(token.checkedAt, now)}): <code>${token.code}</code> ${token.message}${token.hint ? html`<br><span class="hint">What to do: ${token.hint}</span>` : ''}`
        : token.state === 'not-used'
          ? html`${token.reason}`
          : html`Not checked yet.`;
  const credential = snapshot.credential;
  const signIn = section(
    'sign-in',
    'Sign-in',
    html`<dl class="plain">
<dt>Access token</dt><dd data-token="${token.state}">${badge(tokenTone(token), token.state === 'valid' ? 'Valid' : token.state === 'failing' ? 'Failing' : token.state === 'not-used' ? 'Not used' : 'Unknown')} ${tokenText}</dd>
<dt>${credential.kind === 'certificate' ? 'Certificate' : 'Client secret'}</dt><dd data-credential="${credential.state}">${badge(credentialTone(credential), credential.state === 'ok' ? 'Valid' : credential.state === 'warn' ? 'Renew soon' : credential.state === 'expired' ? 'Expired' : 'None')} ${credential.message}${credential.hint ? html`<br><span class="hint">What to do: ${credential.hint}</span>` : ''}</dd>
</dl>`,
  );

  const doctor = snapshot.doctor;
  const doctorTone = { pass: 'ok', warn: 'warn', fail: 'bad', skip: 'info' } as const;
  const doctorWord = { pass: 'Pass', warn: 'Warn', fail: 'Fail', skip: 'Skipped' } as const;
  const doctorSection = section(
    'doctor',
    'doctor checks',
    doctor === undefined
      ? html`<p class="muted">doctor has not finished a run yet.</p>`
      : html`<p>Last run ${ago(doctor.ranAt, now)}: ${doctor.ok ? badge('ok', 'All passed') : badge('bad', 'Some failed')}</p>${table(
          'doctor-table',
          'Checks in the order doctor runs them',
          ['Check', 'Result', 'Details'],
          doctor.checks.map((check) => [
            html`<code>${check.id}</code>`,
            badge(doctorTone[check.status], doctorWord[check.status]),
            html`${check.message}${check.code ? html` <code>${check.code}</code>` : ''}${check.hint && check.status !== 'pass' ? html`<br><span class="hint">What to do: ${check.hint}</span>` : ''}`,
          ]),
        )}`,
    'wide',
  );

  return html`<div id="content">
<p class="meta">${snapshot.transport === 'ews' ? 'EWS' : 'Microsoft Graph'} · mailbox <code>${snapshot.mailbox}</code>${snapshot.relay ? html` · SMTP on ${snapshot.relay.listening.join(', ')}` : ''} · updated ${time(now)}</p>
${banner}
<div class="grid">
${flow}
${backlog}
${held}
${failures}
${mailboxes}
${signIn}
${doctorSection}
</div>
</div>`;
}

/**
 * Renders the status page: plain server-rendered HTML that reads without JavaScript, on a phone
 * and with a screen reader. Every value is escaped; the snapshot carries no secret or message body.
 */
export function renderStatusPage(snapshot: StatusSnapshot, options: RenderStatusPageOptions): string {
  const refresh = options.refreshSeconds ?? 10;
  const title = snapshot.service === 'relay' ? 'mailbridge relay' : 'mailbridge outbox';
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} status</title>
<style nonce="${options.nonce}">${trusted(STYLE)}</style>
</head>
<body data-refresh="${refresh}">
<header>
<h1>${title} status</h1>
</header>
<main>
${renderContent(snapshot)}
</main>
<footer>
<p><a href="/">Refresh</a> · <button type="button" id="auto-refresh" aria-pressed="true" hidden>Pause auto-refresh</button> <span id="refresh-state" role="status"></span></p>
<p class="muted">Machine-readable: <a href="/metrics">/metrics</a> (Prometheus) · <a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a> · mailbridge ${snapshot.version}</p>
</footer>
<script nonce="${options.nonce}">${trusted(SCRIPT)}</script>
</body>
</html>
`;
  return page.value;
}
