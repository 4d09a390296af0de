// Charts as inline SVG (no chart library; classes styled in style.css, no inline style, so the
// Content-Security-Policy holds): a 0–100 % line chart of a metric's points and a progress bar
// with ticks at checkpoints.
import { h } from '../ui.js';

export interface Series {
  /** epoch ms, ascending */
  times: number[];
  values: number[];
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag: string, attrs: Record<string, string | number>, ...children: (Element | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** The progress bar with a tick at each checkpoint. */
export function svgBar(percent: number, checkpoints: number[]): SVGElement {
  return svg(
    'svg',
    { viewBox: '0 0 100 6', preserveAspectRatio: 'none', class: 'bar', 'aria-hidden': 'true' },
    svg('rect', { x: 0, y: 0, width: 100, height: 6, class: 'bar-back' }),
    svg('rect', { x: 0, y: 0, width: Math.min(100, percent), height: 6, class: 'bar-done' }),
    ...checkpoints.map((c) => svg('rect', { x: Math.min(99.5, c), y: 0, width: 0.5, height: 6, class: 'bar-tick' }, svg('title', {}, `checkpoint ${c}%`))),
  );
}

/** A line chart of the series as an inline SVG (0–100 %), its points listed for screen readers. */
export function chart(s: Series): HTMLElement {
  if (!s.times.length) return h('p', { class: 'hint', id: 'cpu-empty' }, 'No CPUUtilization data points for this group yet.');
  const W = 600;
  const H = 160;
  const t0 = s.times[0];
  const span = Math.max(1, s.times[s.times.length - 1] - t0);
  const top = Math.max(100, ...s.values);
  const x = (t: number) => 40 + ((t - t0) / span) * (W - 50);
  const y = (v: number) => 10 + (1 - v / top) * (H - 30);
  const points = s.times.map((t, i) => `${x(t).toFixed(1)},${y(s.values[i]).toFixed(1)}`).join(' ');
  const grid = [0, 50, 100].map((v) => [svg('line', { x1: 40, x2: W - 10, y1: y(v), y2: y(v), class: 'grid' }), svg('text', { x: 34, y: y(v) + 4, 'text-anchor': 'end', class: 'label' }, `${v}%`)]).flat();
  const clock = (t: number) => new Date(t).toISOString().slice(11, 16);
  const figure = h('figure', { class: 'chart', id: 'cpu-chart' });
  figure.append(
    svg(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `CPU utilization, ${s.values.length} points, last ${s.values[s.values.length - 1].toFixed(1)}%` },
      ...grid,
      svg('text', { x: 40, y: H - 4, class: 'label' }, clock(t0)),
      svg('text', { x: W - 10, y: H - 4, 'text-anchor': 'end', class: 'label' }, `${clock(t0 + span)} UTC`),
      svg('polyline', { points, class: 'line' }),
      ...s.times.map((t, i) => svg('circle', { cx: x(t), cy: y(s.values[i]), r: 2.5, class: 'dot' }, svg('title', {}, `${clock(t)} ${s.values[i].toFixed(1)}%`))),
    ),
  );
  return figure;
}

