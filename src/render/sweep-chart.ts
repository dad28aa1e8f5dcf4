import asciichart from 'asciichart';
import type { SweepDim, SweepRow } from '../planning/sweep.js';
import { formatInt, round } from './format.js';

export type ChartMetric = 'ttft' | 'ttit' | 'memory';

export interface ChartSeries {
  name: string;
  /** y per x, in the metric's display unit. */
  values: number[];
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
const DIM_LABEL: Record<SweepDim, string> = { nodes: 'nodes', ctx: 'context (tokens)', missRate: 'miss rate (%)', batch: 'batch', tp: 'TP' };
const dimValue = (r: SweepRow, d: SweepDim) => (d === 'missRate' ? r.missRate : d === 'ctx' ? r.ctx : d === 'tp' ? r.tpUsed : r[d]);
const dimText = (d: SweepDim, v: number) => (d === 'missRate' ? `${round(v * 100, 4)}%` : d === 'ctx' ? formatInt(v) : String(v));

/**
 * The swept metric against the first swept quantity: one series per value of
 * the second one; with a single swept quantity and a TTFT chart, one series
 * per ring variant (pass-KV and pass-Q).
 */
export function chartData(rows: readonly SweepRow[], dims: readonly SweepDim[], metric: ChartMetric): ChartData {
  const [xDim, seriesDim] = dims as [SweepDim, SweepDim | undefined];
  const x = [...new Set(rows.map((r) => dimValue(r, xDim)))];
  const at = (subset: readonly SweepRow[], f: (r: SweepRow) => number) => {
    const byX = new Map(subset.map((r) => [dimValue(r, xDim), r]));
    // A point skipped as invalid has no row: NaN leaves a gap rather than a made-up value.
    return x.map((v) => (byX.has(v) ? f(byX.get(v)!) : NaN));
  };
  let series: ChartSeries[];
  if (seriesDim) {
    const groups = [...new Set(rows.map((r) => dimValue(r, seriesDim)))];
    series = groups.map((g) => ({
      name: `${DIM_LABEL[seriesDim].replace(/ \(.*\)/, '')} ${dimText(seriesDim, g)}`,
      values: at(rows.filter((r) => dimValue(r, seriesDim) === g), METRIC[metric].value),
    }));
  } else if (metric === 'ttft') {
    series = [
      { name: 'pass-KV', values: at(rows, (r) => r.passKvTtftSec) },
      { name: 'pass-Q', values: at(rows, (r) => r.passQTtftSec) },
    ];
  } else {
    series = [{ name: METRIC[metric].label, values: at(rows, METRIC[metric].value) }];
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

/** A terminal line chart (asciichart), with a legend and the x range. */
export function terminalChart(d: ChartData, color: boolean): string {
  const plot = asciichart.plot(
    d.series.map((s) => s.values),
    { height: 12, format: (v: number) => v.toPrecision(4).padStart(9), ...(color ? { colors: ANSI.slice(0, d.series.length) } : {}) },
  );
  const legend = d.series.map((s, i) => (color ? `${s.name} (${LEGEND_MARK[i % LEGEND_MARK.length]})` : `${i + 1}: ${s.name}`)).join('   ');
  const overlap = !color && d.series.length > 1 ? ' (series are not told apart without colour; see the table or --chart-file)' : '';
  return [d.title, plot, `x: ${d.xLabel} from ${d.xText[0]} to ${d.xText[d.xText.length - 1]} (${d.x.length} points)`, `${legend}${overlap}`].join('\n') + '\n';
}
