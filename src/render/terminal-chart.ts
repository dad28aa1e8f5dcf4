import { niceTicks, valueAxis } from './chart-scale.js';
import type { ChartData } from './sweep-chart.js';
import { valueText, type LineChartOptions } from './svg-chart.js';

/**
 * The terminal line chart of `sweep --chart`: as wide as the terminal (80 columns when stdout is
 * not one), round ticks labelled on both axes, and each series drawn with its own glyph, so that
 * the series are told apart without colour (colour, when on, only adds to the glyphs). A point
 * that does not fit in memory is the hollow form of its series' glyph; a missing point is a gap;
 * reference lines (the usable HBM, an SLO) are dashed rows named in the legend. Pure.
 */
const FILLED = ['●', '■', '▲', '◆', '▼', '★', '◀', '▶'];
const HOLLOW = ['○', '□', '△', '◇', '▽', '☆', '◁', '▷'];
/** Where two series meet in one cell. */
const SEVERAL = '*';
const DOT = '·';
const RULE = '-';
const ANSI = [34, 31, 32, 35, 33, 36, 94, 91];
const MIN_WIDTH = 40;
const MAX_WIDTH = 200;

export interface TerminalChartOptions {
  color: boolean;
  /** The terminal's width; undefined (not a terminal) draws 80 columns. */
  columns?: number | undefined;
}

/** Words joined by spaces into lines of at most `width` characters. */
function wrap(items: string[], width: number, sep = '   '): string[] {
  const lines: string[] = [];
  for (const item of items) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + sep.length + item.length <= width) lines[lines.length - 1] = last + sep + item;
    else lines.push(item);
  }
  return lines;
}

export function terminalChart(d: ChartData, o: LineChartOptions, t: TerminalChartOptions): string {
  const width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.floor(t.columns ?? 80)));
  const title = `${d.title}${o.logY ? ' (log scale)' : ''}`;
  const refs = o.hLines ?? [];
  const y = valueAxis([...d.series.flatMap((s) => s.values), ...refs.map((l) => l.value)], o.logY === true, false);
  if (!d.series.some((s) => s.values.some((v) => y.drawable(v)))) return `${title}\n(no point to draw; see the table)\n`;

  // The y axis: a label on each tick row, the ticks a whole number of rows apart (about 15 rows in all).
  const labels = y.ticks.map(valueText);
  const gutter = Math.max(...labels.map((l) => l.length)) + 1;
  const per = Math.max(1, Math.round(15 / (y.ticks.length - 1)));
  const rows = (y.ticks.length - 1) * per + 1;
  const cols = width - gutter - 2;
  const rowOf = (v: number) => Math.round((1 - y.at(v)) * (rows - 1));
  const n = d.x.length;
  const linear = d.xScale === 'linear' && n > 1;
  const xLo = Math.min(...d.x);
  const xHi = Math.max(...d.x);
  const colAt = (x: number) => Math.round(((x - xLo) / (xHi - xLo || 1)) * (cols - 1));
  const colOf = (i: number) => (linear ? colAt(d.x[i]!) : n === 1 ? Math.floor(cols / 2) : Math.round((i / (n - 1)) * (cols - 1)));

  const grid = Array.from({ length: rows }, () => new Array<string>(cols).fill(' '));
  /** The series drawn in a cell (-1: several), for colour. */
  const owner = Array.from({ length: rows }, () => new Array<number>(cols).fill(-1));
  for (const l of refs) {
    if (!y.drawable(l.value)) continue;
    const r = rowOf(l.value);
    for (let c = 0; c < cols; c += 2) grid[r]![c] = RULE;
  }
  // Lines first (dots between neighbouring points), then the points over them.
  d.series.forEach((s, k) => {
    for (let i = 0; i + 1 < n; i++) {
      const a = s.values[i]!;
      const b = s.values[i + 1]!;
      if (!y.drawable(a) || !y.drawable(b)) continue;
      const [c0, c1, r0, r1] = [colOf(i), colOf(i + 1), rowOf(a), rowOf(b)];
      for (let c = c0 + 1; c < c1; c++) {
        const r = Math.round(r0 + ((c - c0) / (c1 - c0)) * (r1 - r0));
        if (grid[r]![c] === ' ' || grid[r]![c] === RULE) {
          grid[r]![c] = DOT;
          owner[r]![c] = k;
        }
      }
    }
  });
  let several = false;
  let anyBad = false;
  let over = 0;
  d.series.forEach((s, k) => {
    s.values.forEach((v, i) => {
      if (!y.drawable(v)) return;
      const bad = s.bad?.[i] === true;
      anyBad ||= bad;
      if (o.over !== undefined && v > o.over.value) over++;
      const [r, c] = [rowOf(v), colOf(i)];
      const here = grid[r]![c]!;
      const glyph = (bad ? HOLLOW : FILLED)[k % FILLED.length]!;
      const taken = here !== ' ' && here !== DOT && here !== RULE && owner[r]![c] !== k;
      several ||= taken;
      grid[r]![c] = taken ? SEVERAL : glyph;
      owner[r]![c] = taken ? -1 : k;
    });
  });
  const paint = (text: string, k: number) => (t.color && k >= 0 ? `\x1b[${ANSI[k % ANSI.length]}m${text}\x1b[39m` : text);

  const out = [title];
  grid.forEach((row, r) => {
    const tick = r % per === 0 ? y.ticks.length - 1 - r / per : -1;
    const label = tick >= 0 ? labels[tick]! : '';
    const cells = row.map((ch, c) => (ch === ' ' || ch === RULE ? ch : paint(ch, owner[r]![c]!))).join('');
    out.push(`${label.padStart(gutter - 1)} ${tick >= 0 ? '┤' : '│'}${cells}`.trimEnd());
  });

  // The x axis: a mark under each labelled tick, labels centred on it where they do not overlap.
  const marks: { col: number; text: string }[] = linear
    ? niceTicks(xLo, xHi, { cover: false, integer: d.xInteger === true }).map((v) => ({ col: colAt(v), text: d.xTick ? d.xTick(v) : valueText(v) }))
    : d.x.map((_, i) => ({ col: colOf(i), text: d.xText[i]! })).filter((_, i) => i % (n <= 10 ? 1 : Math.ceil(n / 8)) === 0);
  const axis = new Array<string>(cols).fill('─');
  const under = new Array<string>(cols + gutter + 2).fill(' ');
  let free = 0;
  for (const m of marks) {
    const start = Math.min(Math.max(0, gutter + 1 + m.col - Math.floor((m.text.length - 1) / 2)), under.length - m.text.length);
    if (start < free) continue;
    axis[m.col] = '┬';
    for (let j = 0; j < m.text.length; j++) under[start + j] = m.text[j]!;
    free = start + m.text.length + 2;
  }
  out.push(`${' '.repeat(gutter)}└${axis.join('')}`, under.join('').trimEnd());
  out.push(`${' '.repeat(Math.max(0, gutter + 1 + Math.floor((cols - d.xLabel.length) / 2)))}${d.xLabel}`);

  const legend = d.series.map((s, k) => `${paint(FILLED[k % FILLED.length]!, k)} ${s.name}`);
  if (anyBad) legend.push(`${d.series.map((_, k) => paint(HOLLOW[k % HOLLOW.length]!, k)).join('')} does not fit in memory`);
  for (const l of refs) if (y.drawable(l.value)) legend.push(`${RULE} ${RULE} ${l.label}`);
  if (several) legend.push(`${SEVERAL} several series`);
  // Wrapped by visible width: colour codes take no columns.
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const lines: string[] = [];
  for (const item of legend) {
    const last = lines[lines.length - 1];
    if (last !== undefined && visible(last) + 3 + visible(item) <= width) lines[lines.length - 1] = `${last}   ${item}`;
    else lines.push(item);
  }
  out.push(...lines);
  const notes: string[] = [];
  if (over) notes.push(`${over} point(s) above ${o.over!.label}`);
  const gaps = d.series.reduce((sum, s) => sum + s.values.filter((v) => !Number.isFinite(v)).length, 0);
  if (gaps) notes.push(`${gaps} gap(s) where a point is not a valid layout (see the warning)`);
  if (notes.length) out.push(...wrap(notes, width, '; '));
  return out.join('\n') + '\n';
}
