import { html, type SafeHtml } from './html.js';
import type { FlowMinute } from './status-snapshot.js';

// The plot is stretched to the card's width (preserveAspectRatio="none"), so it holds no text:
// the axis labels are HTML around it and keep their shape on any screen.
const WIDTH = 600;
const HEIGHT = 150;
const PAD = 4;

/** The three series, each with its own line style so the chart does not depend on colour. */
export const FLOW_SERIES = [
  { key: 'accepted', label: 'Accepted', dash: '', width: 2 },
  { key: 'delivered', label: 'Delivered', dash: '6 3', width: 2.5 },
  { key: 'failed', label: 'Failed', dash: '2 3', width: 3 },
] as const;

/** A round upper bound for the y axis (1, 2, 5, 10, 20, 50, ...). */
function niceMax(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/**
 * The mail flow of the last hour as an inline SVG line chart: accepted (solid), delivered (dashed)
 * and failed (dotted) per minute. It is an image with a text alternative (title and a summary in
 * `desc`); the numbers are also in a table below it for screen readers and copying.
 */
export function renderFlowChart(flow: FlowMinute[]): SafeHtml {
  const plotHeight = HEIGHT - 2 * PAD;
  const peak = Math.max(0, ...flow.flatMap((minute) => [minute.accepted, minute.delivered, minute.failed]));
  const max = niceMax(peak);
  const x = (index: number) => (flow.length <= 1 ? WIDTH : (index / (flow.length - 1)) * WIDTH);
  const y = (value: number) => PAD + plotHeight - (value / max) * plotHeight;
  const totals = { accepted: 0, delivered: 0, failed: 0 };
  for (const minute of flow) {
    totals.accepted += minute.accepted;
    totals.delivered += minute.delivered;
    totals.failed += minute.failed;
  }
  const summary = `Last ${flow.length} minutes: ${totals.accepted} accepted, ${totals.delivered} delivered, ${totals.failed} failed; at most ${peak} in one minute.`;
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

  return html`<div class="chart"><div class="y-axis" aria-hidden="true"><span>${fmt(max)}</span><span>${fmt(max / 2)}</span><span>0</span></div>
<svg class="flow-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="flow-title flow-desc" preserveAspectRatio="none">
<title id="flow-title">Messages per minute, last hour</title>
<desc id="flow-desc">${summary}</desc>
${[0, max / 2, max].map((value) => html`<line class="grid" x1="0" x2="${WIDTH}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" vector-effect="non-scaling-stroke"/>`)}
${FLOW_SERIES.map((series) => {
  const points = flow.map((minute, index) => `${x(index).toFixed(1)},${y(minute[series.key]).toFixed(1)}`).join(' ');
  return html`<polyline class="series series-${series.key}" points="${points}" fill="none" stroke-width="${series.width}"${series.dash ? html` stroke-dasharray="${series.dash}"` : ''} vector-effect="non-scaling-stroke"/>`;
})}
</svg>
<div class="x-axis" aria-hidden="true"><span>${flow.length} min ago</span><span>${Math.round(flow.length / 2)} min ago</span><span>now</span></div></div>`;
}

/** The chart's legend: each series' line sample and its name (the names carry the meaning, not the colours). */
export function renderFlowLegend(totals: { accepted: number; delivered: number; failed: number }): SafeHtml {
  return html`<ul class="legend">${FLOW_SERIES.map(
    (series) =>
      html`<li><svg width="28" height="10" aria-hidden="true" focusable="false"><line class="series series-${series.key}" x1="0" x2="28" y1="5" y2="5" stroke-width="${series.width}"${series.dash ? html` stroke-dasharray="${series.dash}"` : ''}/></svg> ${series.label}: <strong data-flow="${series.key}">${totals[series.key]}</strong></li>`,
  )}</ul>`;
}
