import type { ChartData } from './sweep-chart.js';

const W = 720;
const H = 420;
const M = { left: 70, right: 20, top: 40, bottom: 80 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => Number(v.toFixed(2));

/** Round tick steps (1, 2, 5 x 10^k) covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** A static SVG line chart of the sweep for reports. Pure and deterministic. */
export function svgChart(d: ChartData): string {
  const ys = d.series.flatMap((s) => s.values).filter(Number.isFinite);
  const yTicks = ticks(Math.min(0, ...ys), Math.max(...ys));
  const yLo = yTicks[0]!;
  const yHi = Math.max(yTicks[yTicks.length - 1]!, ...ys);
  const n = d.x.length;
  const px = (i: number) => M.left + (n === 1 ? 0.5 : i / (n - 1)) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((v - yLo) / (yHi - yLo || 1)) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(d.title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
  ];
  for (const t of yTicks) {
    parts.push(`<line x1="${M.left}" y1="${num(py(t))}" x2="${W - M.right}" y2="${num(py(t))}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${num(py(t) + 4)}" text-anchor="end">${esc(String(t))}</text>`);
  }
  const every = Math.max(1, Math.ceil(n / 10));
  d.xText.forEach((label, i) => {
    if (i % every === 0 || i === n - 1) parts.push(`<text x="${num(px(i))}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(label)}</text>`);
  });
  parts.push(`<text x="${W / 2}" y="${H - M.bottom + 38}" text-anchor="middle">${esc(d.xLabel)}</text>`);
  parts.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(d.yLabel)}</text>`);
  d.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    // A missing point (an invalid layout) splits the line into segments.
    const segments: string[][] = [[]];
    s.values.forEach((v, i) => (Number.isFinite(v) ? segments[segments.length - 1]!.push(`${num(px(i))},${num(py(v))}`) : segments.push([])));
    for (const seg of segments.filter((g) => g.length > 1)) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${seg.join(' ')}"/>`);
    }
    // A dot on every point, so that isolated points (between gaps) show too.
    for (const [cx, cy] of segments.flat().map((p) => p.split(','))) parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
    // Legend: four entries per row under the axis title.
    const lx = M.left + 10 + (k % 4) * 150;
    const ly = H - M.bottom + 44 + Math.floor(k / 4) * 14;
    parts.push(`<rect x="${lx}" y="${ly}" width="14" height="4" fill="${color}"/>`);
    parts.push(`<text x="${lx + 20}" y="${ly + 5}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
