import asciichart from 'asciichart';
import { InputError } from '../errors.js';
import { CP_STYLES, type SweepDim, type SweepRow } from '../planning/sweep.js';
import { formatInt, round } from './format.js';

export type ChartMetric = 'ttft' | 'ttit' | 'memory';

export interface ChartSeries {
  name: string;
  /** y per x, in the metric's display unit. */
  values: number[];
  /** Per x: true where the point does not fit in memory (drawn as a ring, not a dot). */
  bad?: boolean[];
}

export interface ChartData {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  xText: string[];
  series: ChartSeries[];
}

const METRIC: Record<ChartMetric, { label: string; value: (r: SweepRow) => number }> = {
  ttft: { label: 'TTFT (s)', value: (r) => r.ttftSec },
  ttit: { label: 'TTIT (ms)', value: (r) => r.ttitSec * 1e3 },
  memory: { label: 'memory per GPU (GB)', value: (r) => r.memoryBytes / 1e9 },
};
const DIM_LABEL: Record<SweepDim, string> = { nodes: 'nodes', gpus: 'GPUs', ctx: 'context (tokens)', missRate: 'miss rate (%)', batch: 'batch', tp: 'TP', pp: 'PP', cpStyle: 'CP style' };
/** A row's value of a swept quantity, as a number (a CP style by its index in CP_STYLES). */
function dimValue(r: SweepRow, d: SweepDim): number {
  switch (d) {
    case 'missRate':
      return r.missRate;
    case 'ctx':
      return r.ctx;
    case 'tp':
      return r.tpUsed;
    case 'cpStyle':
      return CP_STYLES.indexOf(r.cpStyle ?? 'ring');
    default:
      return r[d];
  }
}
const dimText = (d: SweepDim, v: number) => (d === 'missRate' ? `${round(v * 100, 4)}%` : d === 'ctx' ? formatInt(v) : d === 'cpStyle' ? CP_STYLES[v]! : String(v));

/**
 * The swept metric against the first swept quantity: one series per value of
 * the second one; with a single swept quantity and a TTFT chart, one series
 * per ring variant (pass-KV and pass-Q).
 */
/** More lines than this cannot be read; ask for a narrower sweep. */
export const MAX_SERIES = 8;

export function chartData(rows: readonly SweepRow[], dims: readonly SweepDim[], metric: ChartMetric): ChartData {
  // The quantity with more values goes on the x axis; the other makes the series.
  const count = (d: SweepDim) => new Set(rows.map((r) => dimValue(r, d))).size;
  const [xDim, seriesDim] = (dims.length === 2 && count(dims[1]!) > count(dims[0]!) ? [dims[1], dims[0]] : dims) as [SweepDim, SweepDim | undefined];
  const x = [...new Set(rows.map((r) => dimValue(r, xDim)))];
  const at = (subset: readonly SweepRow[], f: (r: SweepRow) => number) => {
    const byX = new Map(subset.map((r) => [dimValue(r, xDim), r]));
    // A point skipped as invalid has no row: NaN leaves a gap rather than a made-up value.
    return x.map((v) => (byX.has(v) ? f(byX.get(v)!) : NaN));
  };
  const badAt = (subset: readonly SweepRow[]) => at(subset, (r) => (r.fits ? 0 : 1)).map((v) => v === 1);
  let series: ChartSeries[];
  if (seriesDim) {
    const groups = new Map<number, SweepRow[]>();
    for (const r of rows) groups.set(dimValue(r, seriesDim), [...(groups.get(dimValue(r, seriesDim)) ?? []), r]);
    if (groups.size > MAX_SERIES) {
      throw new InputError(`a chart of ${groups.size} lines cannot be read; sweep at most ${MAX_SERIES} values of ${DIM_LABEL[seriesDim]}`);
    }
    series = [...groups.entries()].map(([g, subset]) => ({
      name: seriesDim === 'cpStyle' ? dimText(seriesDim, g) : `${DIM_LABEL[seriesDim].replace(/ \(.*\)/, '')} ${dimText(seriesDim, g)}`,
      values: at(subset, METRIC[metric].value),
      bad: badAt(subset),
    }));
  } else if (metric === 'ttft') {
    series = [
      { name: 'pass-KV', values: at(rows, (r) => r.passKvTtftSec), bad: badAt(rows) },
      { name: 'pass-Q', values: at(rows, (r) => r.passQTtftSec), bad: badAt(rows) },
    ];
  } else {
    series = [{ name: METRIC[metric].label, values: at(rows, METRIC[metric].value), bad: badAt(rows) }];
  }
  return {
    title: `${METRIC[metric].label} vs ${DIM_LABEL[xDim]}`,
    xLabel: DIM_LABEL[xDim],
    yLabel: METRIC[metric].label,
    x,
    xText: x.map((v) => dimText(xDim, v)),
    series,
  };
}

const ANSI = [asciichart.blue, asciichart.red, asciichart.green, asciichart.magenta, asciichart.yellow, asciichart.cyan];
const LEGEND_MARK = ['blue', 'red', 'green', 'magenta', 'yellow', 'cyan'];

/**
 * A terminal line chart (asciichart), with a legend and the x range. asciichart
 * cannot draw gaps (a NaN spoils its scale), so only the x points where every
 * series has a value are drawn, and the report says how many were left out.
 */
export function terminalChart(d: ChartData, color: boolean): string {
  const keep = d.x.map((_, i) => i).filter((i) => d.series.every((s) => Number.isFinite(s.values[i])));
  if (keep.length === 0) return `${d.title}\n(no x value where every series is valid; see the table or --chart-file)\n`;
  const plot = asciichart.plot(
    d.series.map((s) => keep.map((i) => s.values[i]!)),
    { height: 12, format: (v: number) => v.toPrecision(4).padStart(9), ...(color ? { colors: ANSI.slice(0, d.series.length) } : {}) },
  );
  const legend = d.series.map((s, i) => (color ? `${s.name} (${LEGEND_MARK[i % LEGEND_MARK.length]})` : `${i + 1}: ${s.name}`)).join('   ');
  const overlap = !color && d.series.length > 1 ? ' (series are not told apart without colour; see the table or --chart-file)' : '';
  const left = d.x.length - keep.length;
  const gaps = left ? `; ${left} point(s) where some series is invalid are left out (--chart-file shows them as gaps)` : '';
  return (
    [d.title, plot, `x: ${d.xLabel} from ${d.xText[keep[0]!]} to ${d.xText[keep[keep.length - 1]!]} (${keep.length} points${gaps})`, `${legend}${overlap}`].join('\n') + '\n'
  );
}
