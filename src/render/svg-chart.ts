import { niceTicks, valueAxis } from './chart-scale.js';
import type { ChartData } from './sweep-chart.js';

/**
 * cp-plan's one SVG renderer: line charts (sweeps, curves, frontiers) and
 * stacked bar charts (breakdowns against a limit), for --chart-file and the
 * HTML reports. Pure and deterministic. Every chart is an image with a title
 * (role="img", <title>), and every data point carries a <title> with its value,
 * which a browser shows on hover without any script. Elements carry classes
 * (bg, axis, grid, tick, label, point, ref) so that a page can restyle them
 * (dark mode); a standalone file draws with its own attributes.
 */
const W = 720;
const H = 420;
const M = { left: 70, right: 20, top: 40, bottom: 80 };
export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
/** The legend's colour for a marking that applies to every series (hollow: does not fit). */
const GREY = '#555';
const REF = '#e6550d';

/** Text for SVG: control characters shown escaped (\x1b), markup escaped. */
const esc = (s: string) =>
  s
    .replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
const num = (v: number) => Number(v.toFixed(2));
/** A value as a label shows it: at most four significant digits, no exponent. */
export const valueText = (v: number) => (Math.abs(v) >= 1e4 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(4))));

/** Round ticks covering [lo, hi] (the bar charts' value axis). */
const ticks = (lo: number, hi: number) => niceTicks(lo, hi, { cover: true });

/** A reference line: an SLO, a capacity, a crossover. */
export interface RefLine {
  value: number;
  label: string;
}

export interface LineChartOptions {
  /** Unique on the page: the chart's title element is `${id}-title`. */
  id?: string;
  /** 'index' spaces the x values evenly; 'linear' places them by value (default: the data's xScale, else index). */
  xScale?: 'index' | 'linear';
  /** A logarithmic y axis with decade ticks (values that differ by orders of magnitude). */
  logY?: boolean;
  /** Points above this y value are marked with a cross (an SLO; draw its line with hLines). */
  over?: { value: number; label: string };
  /** Horizontal reference lines, in y units (SLOs, HBM capacity). */
  hLines?: RefLine[];
  /** Vertical reference lines, in x units (a crossover). */
  vLines?: RefLine[];
  /** One point drawn larger and labelled (the chosen layout). */
  highlight?: { series: number; index: number; label: string };
  /** The y unit a point's hover text ends with (default: none; the axis label names it). */
  unit?: string;
}

/** The chart's frame: the image and its title, background, heading, and the axes meeting at (left, h - bottom). */
function open(id: string, title: string, desc: string, left = M.left, h = H): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="${esc(id)}-title" class="chart">`,
    `<title id="${esc(id)}-title">${esc(title)}${desc ? `: ${esc(desc)}` : ''}</title>`,
    `<rect class="bg" width="${W}" height="${h}" fill="white"/>`,
    `<text class="label" x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line class="axis" x1="${left}" y1="${h - M.bottom}" x2="${W - M.right}" y2="${h - M.bottom}" stroke="black"/>`,
    `<line class="axis" x1="${left}" y1="${M.top}" x2="${left}" y2="${h - M.bottom}" stroke="black"/>`,
  ];
}

type LegendMark = 'line' | 'ring' | 'dash' | 'cross';

/** Legend entries, four to a row under the axis title. */
function legend(parts: string[], entries: { name: string; color: string; mark?: LegendMark }[], h = H): void {
  entries.forEach((e, k) => {
    const lx = M.left + 10 + (k % 4) * 155;
    const ly = h - M.bottom + 48 + Math.floor(k / 4) * 14;
    if (e.mark === 'ring') {
      parts.push(`<line class="legend" x1="${lx}" y1="${ly + 2}" x2="${lx + 14}" y2="${ly + 2}" stroke="${e.color}" stroke-width="2" stroke-dasharray="4 3"/>`);
      parts.push(`<circle class="legend" cx="${lx + 7}" cy="${ly + 2}" r="4" fill="white" stroke="${e.color}" stroke-width="2"/>`);
    } else if (e.mark === 'dash')
      parts.push(
        `<line class="legend ref" x1="${lx}" y1="${ly + 2}" x2="${lx + 14}" y2="${ly + 2}" stroke="${e.color}" stroke-width="2" stroke-dasharray="4 3"/>`,
      );
    else if (e.mark === 'cross') parts.push(`<path class="legend" d="${cross(lx + 7, ly + 2)}" stroke="${e.color}" stroke-width="2"/>`);
    else parts.push(`<rect class="legend" x="${lx}" y="${ly}" width="14" height="4" fill="${e.color}"/>`);
    parts.push(`<text class="label" x="${lx + 22}" y="${ly + 5}">${esc(e.name)}</text>`);
  });
}

/** An x-shaped mark of half-width 5 at (x, y). */
const cross = (x: number, y: number) => `M${num(x - 5)},${num(y - 5)}L${num(x + 5)},${num(y + 5)}M${num(x - 5)},${num(y + 5)}L${num(x + 5)},${num(y - 5)}`;

/**
 * A line chart: one line per series, a dot with a hover value on every point, gaps where a value is
 * missing. A point that does not fit in memory is hollow and the lines to it dashed; a point above
 * the SLO (options.over) carries a cross.
 */
export function svgChart(d: ChartData, o: LineChartOptions = {}): string {
  const y = valueAxis([...d.series.flatMap((s) => s.values), ...(o.hLines ?? []).map((l) => l.value)], o.logY === true);
  const yTicks = y.ticks;
  const n = d.x.length;
  const linear = (o.xScale ?? d.xScale) === 'linear' && n > 1;
  const xLo = Math.min(...d.x);
  const xHi = Math.max(...d.x);
  const xTicks = linear ? niceTicks(xLo, xHi, { cover: false, integer: d.xInteger === true }) : [];
  const pxOf = (x: number) => M.left + ((x - xLo) / (xHi - xLo || 1)) * (W - M.left - M.right);
  const px = (i: number) => (linear ? pxOf(d.x[i]!) : M.left + (n === 1 ? 0.5 : i / (n - 1)) * (W - M.left - M.right));
  /** An x value between the data's: interpolated between its neighbours' positions (index scale). */
  const pxAt = (x: number) => {
    if (linear) return pxOf(x);
    const i = d.x.findIndex((v, k) => k < n - 1 && (v - x) * (d.x[k + 1]! - x) <= 0);
    if (i < 0) return px(x <= d.x[0]! ? 0 : n - 1);
    const span = d.x[i + 1]! - d.x[i]!;
    return px(i) + (span ? (x - d.x[i]!) / span : 0) * (px(i + 1) - px(i));
  };
  const py = (v: number) => H - M.bottom - y.at(v) * (H - M.top - M.bottom);
  const id = o.id ?? 'chart';
  const parts = open(id, d.title, `${d.series.length} series over ${n} values of ${d.xLabel}${o.logY ? ', log scale' : ''}`);
  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="${M.left}" y1="${num(py(t))}" x2="${W - M.right}" y2="${num(py(t))}" stroke="#ddd"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${num(py(t) + 4)}" text-anchor="end">${esc(valueText(t))}</text>`);
  }
  const xTick = (x: number, label: string) => {
    parts.push(`<line class="tick-mark" x1="${num(x)}" y1="${H - M.bottom}" x2="${num(x)}" y2="${H - M.bottom + 5}" stroke="black"/>`);
    parts.push(`<text class="tick" x="${num(x)}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(label)}</text>`);
  };
  if (linear) {
    for (const t of xTicks) xTick(pxOf(t), d.xTick ? d.xTick(t) : valueText(t));
  } else {
    // Every value while they fit (about 60 px each), else every k-th: at most eight labels.
    const every = n <= 10 ? 1 : Math.ceil(n / 8);
    d.xText.forEach((label, i) => {
      if (i % every === 0) xTick(px(i), label);
    });
  }
  parts.push(`<text class="label" x="${W / 2}" y="${H - M.bottom + 38}" text-anchor="middle">${esc(d.xLabel)}</text>`);
  parts.push(
    `<text class="label" x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(`${d.yLabel}${o.logY ? ', log scale' : ''}`)}</text>`,
  );
  for (const l of o.hLines ?? []) {
    if (!y.drawable(l.value)) continue;
    const ly = num(py(l.value));
    parts.push(
      `<line class="ref" x1="${M.left}" y1="${ly}" x2="${W - M.right}" y2="${ly}" stroke="${REF}" stroke-width="1.5" stroke-dasharray="6 4"><title>${esc(l.label)}</title></line>`,
    );
    parts.push(`<text class="label ref-label" x="${W - M.right - 4}" y="${num(ly - 5)}" text-anchor="end" fill="${REF}">${esc(l.label)}</text>`);
  }
  for (const l of o.vLines ?? []) {
    const x = num(pxAt(l.value));
    parts.push(
      `<line class="ref" x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="${REF}" stroke-width="1.5" stroke-dasharray="6 4"><title>${esc(l.label)}</title></line>`,
    );
    parts.push(`<text class="label ref-label" x="${num(x + 4)}" y="${M.top + 12}" fill="${REF}">${esc(l.label)}</text>`);
  }
  const unit = o.unit ? ` ${o.unit}` : '';
  let anyBad = false;
  let anyOver = false;
  d.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const bad = (i: number) => s.bad?.[i] === true;
    const at = (i: number) => `${num(px(i))},${num(py(s.values[i]!))}`;
    // A missing point (an invalid layout) splits the line into segments; within one, a step to or from
    // a point that does not fit is dashed, so a run of same-styled steps is one polyline.
    const segments: number[][] = [[]];
    s.values.forEach((v, i) => (y.drawable(v) ? segments[segments.length - 1]!.push(i) : segments.push([])));
    for (const seg of segments.filter((g) => g.length > 1)) {
      let run = [seg[0]!];
      for (let j = 1; j < seg.length; j++) {
        const dashed = bad(seg[j - 1]!) || bad(seg[j]!);
        const next = seg[j + 1];
        run.push(seg[j]!);
        if (next === undefined || dashed !== (bad(seg[j]!) || bad(next))) {
          parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="5 4"' : ''} points="${run.map(at).join(' ')}"/>`);
          run = [seg[j]!];
        }
      }
    }
    // A dot on every point, so that isolated points (between gaps) show too.
    parts.push(`<g class="points" fill="${color}">`);
    for (const i of segments.flat()) {
      const v = s.values[i]!;
      const over = o.over !== undefined && v > o.over.value;
      anyBad ||= bad(i);
      anyOver ||= over;
      const notes = `${bad(i) ? ' (does not fit in memory)' : ''}${over ? ` (above ${o.over!.label})` : ''}`;
      const hover = `${s.name}, ${d.xLabel} ${d.xText[i]}: ${valueText(v)}${unit}${notes}`;
      const shape = bad(i) ? `r="4" fill="white" stroke="${color}" stroke-width="2"` : 'r="2.5"';
      parts.push(
        `<circle class="point${bad(i) ? ' bad' : ''}${over ? ' over' : ''}" cx="${num(px(i))}" cy="${num(py(v))}" ${shape}><title>${esc(hover)}</title></circle>`,
      );
      if (over) parts.push(`<path class="over-mark" d="${cross(px(i), py(v))}" stroke="${REF}" stroke-width="1.5"/>`);
    }
    parts.push('</g>');
  });
  if (o.highlight && y.drawable(d.series[o.highlight.series]?.values[o.highlight.index] ?? NaN)) {
    const { series, index, label } = o.highlight;
    const cx = num(px(index));
    const cy = num(py(d.series[series]!.values[index]!));
    parts.push(
      `<circle class="point highlight" cx="${cx}" cy="${cy}" r="7" fill="none" stroke="${REF}" stroke-width="3"><title>${esc(label)}</title></circle>`,
    );
    const right = cx > W / 2;
    parts.push(`<text class="label" x="${num(right ? cx - 10 : cx + 10)}" y="${num(cy - 10)}"${right ? ' text-anchor="end"' : ''}>${esc(label)}</text>`);
  }
  const entries: Parameters<typeof legend>[1] = d.series.map((s, k) => ({ name: s.name, color: COLORS[k % COLORS.length]! }));
  if (anyBad) entries.push({ name: 'does not fit in memory', color: GREY, mark: 'ring' });
  if (anyOver) entries.push({ name: `above ${o.over!.label}`, color: REF, mark: 'cross' });
  legend(parts, entries);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export interface BarChartData {
  title: string;
  /** The value axis label, with its unit. */
  xLabel: string;
  /** The unit a segment's hover text ends with. */
  unit: string;
  /** One horizontal bar per row, its segments stacked left to right; a segment name keeps its colour across rows. */
  rows: { label: string; segments: { name: string; value: number }[] }[];
  /** Vertical reference lines (a capacity, 100% of an SLO). */
  limits?: RefLine[];
}

/** A horizontal stacked bar chart: a breakdown per row, against reference lines. */
export function svgBarChart(d: BarChartData, id = 'chart'): string {
  const names = [...new Set(d.rows.flatMap((r) => r.segments.filter((s) => s.value > 0).map((s) => s.name)))];
  const totals = d.rows.map((r) => r.segments.reduce((sum, s) => sum + Math.max(0, s.value), 0));
  const refs = (d.limits ?? []).map((l) => l.value);
  const xTicks = ticks(0, Math.max(...totals, ...refs, 0));
  const xHi = Math.max(xTicks[xTicks.length - 1]!, ...totals, ...refs);
  const left = Math.min(260, Math.max(M.left, 12 + 6.5 * Math.max(...d.rows.map((r) => r.label.length))));
  const px = (v: number) => left + (v / (xHi || 1)) * (W - left - M.right);
  // The height follows the rows: a band of 56 for each, and room for the legend's rows.
  const band = 56;
  const legendRows = Math.ceil((names.length + refs.length) / 4);
  const h = M.top + 10 + band * d.rows.length + M.bottom + Math.max(0, legendRows - 2) * 14;
  const bar = 30;
  const parts = open(id, d.title, `${d.rows.length} bar(s) of ${names.join(', ')}`, left, h);
  for (const t of xTicks) {
    parts.push(`<line class="grid" x1="${num(px(t))}" y1="${M.top}" x2="${num(px(t))}" y2="${h - M.bottom}" stroke="#ddd"/>`);
    parts.push(`<text class="tick" x="${num(px(t))}" y="${h - M.bottom + 18}" text-anchor="middle">${esc(valueText(t))}</text>`);
  }
  parts.push(`<text class="label" x="${num((left + W - M.right) / 2)}" y="${h - M.bottom + 38}" text-anchor="middle">${esc(d.xLabel)}</text>`);
  d.rows.forEach((r, i) => {
    const y = M.top + 10 + band * i + (band - bar) / 2;
    parts.push(`<text class="tick" x="${left - 6}" y="${num(y + bar / 2 + 4)}" text-anchor="end">${esc(r.label)}</text>`);
    let at = 0;
    parts.push('<g class="points">');
    for (const s of r.segments) {
      if (!(s.value > 0)) continue;
      const color = COLORS[names.indexOf(s.name) % COLORS.length]!;
      const share = totals[i] ? ` (${((s.value / totals[i]!) * 100).toFixed(1)}%)` : '';
      parts.push(
        `<rect class="point" x="${num(px(at))}" y="${num(y)}" width="${num(px(at + s.value) - px(at))}" height="${num(bar)}" fill="${color}"><title>${esc(`${r.label}, ${s.name}: ${valueText(s.value)} ${d.unit}${share}`)}</title></rect>`,
      );
      at += s.value;
    }
    parts.push('</g>');
    parts.push(`<text class="tick" x="${num(Math.min(px(at) + 4, W - M.right - 40))}" y="${num(y - 3)}">${esc(`${valueText(totals[i]!)} ${d.unit}`)}</text>`);
  });
  for (const l of d.limits ?? []) {
    const x = num(px(l.value));
    parts.push(
      `<line class="ref" x1="${x}" y1="${M.top}" x2="${x}" y2="${h - M.bottom}" stroke="${REF}" stroke-width="2" stroke-dasharray="6 4"><title>${esc(l.label)}</title></line>`,
    );
  }
  legend(
    parts,
    [
      ...names.map((name, k) => ({ name, color: COLORS[k % COLORS.length]! })),
      ...(d.limits ?? []).map((l) => ({ name: l.label, color: REF, mark: 'dash' as const })),
    ],
    h,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
