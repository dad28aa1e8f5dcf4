import { InputError } from '../errors.js';
import { CP_STYLES, type SweepDim, type SweepRow } from '../planning/sweep.js';
import { formatBytes, formatInt, formatSeconds, round } from './format.js';
import type { LineChartOptions } from './svg-chart.js';

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
  /** How the x values are best spaced: 'linear' for an evenly stepped numeric range (default: index). */
  xScale?: 'index' | 'linear';
  /** The x values are whole numbers (ticks at whole steps only). */
  xInteger?: boolean;
  /** The text of an x tick between the data's values (linear scale), as the axis shows values. */
  xTick?: (v: number) => string;
}

const METRIC: Record<ChartMetric, { label: string; value: (r: SweepRow) => number }> = {
  ttft: { label: 'TTFT (s)', value: (r) => r.ttftSec },
  ttit: { label: 'TTIT (ms)', value: (r) => r.ttitSec * 1e3 },
  memory: { label: 'memory per GPU (GB)', value: (r) => r.memoryBytes / 1e9 },
};
const DIM_LABEL: Record<SweepDim, string> = {
  nodes: 'nodes',
  gpus: 'GPUs',
  ctx: 'context (tokens)',
  missRate: 'miss rate (%)',
  batch: 'batch',
  tp: 'TP',
  pp: 'PP',
  cpStyle: 'CP style',
};
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
const dimText = (d: SweepDim, v: number) =>
  d === 'missRate' ? `${round(v * 100, 4)}%` : d === 'ctx' ? formatInt(v) : d === 'cpStyle' ? CP_STYLES[v]! : String(v);

/**
 * The swept metric against the first swept quantity: one series per value of
 * the second one; with a single swept quantity and a TTFT chart, one series
 * per ring variant (pass-KV and pass-Q).
 */
/** More lines than this cannot be read; ask for a narrower sweep. */
export const MAX_SERIES = 8;

export function chartData(rows: readonly SweepRow[], dims: readonly SweepDim[], metric: ChartMetric, subject?: string): ChartData {
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
  // An evenly stepped range is placed by value, with round ticks; a list (8K, 128K, 1M) is spaced evenly, each value labelled.
  const step = x.length > 2 ? x[1]! - x[0]! : 0;
  const even = step > 0 && x.every((v, i) => i === 0 || Math.abs(v - x[i - 1]! - step) <= step * 1e-6);
  return {
    title: `${METRIC[metric].label} vs ${DIM_LABEL[xDim]}${subject ? `: ${subject}` : ''}`,
    xLabel: DIM_LABEL[xDim],
    yLabel: METRIC[metric].label,
    x,
    xText: x.map((v) => dimText(xDim, v)),
    series,
    ...(even && xDim !== 'cpStyle' ? { xScale: 'linear' as const, xInteger: xDim !== 'missRate', xTick: (v: number) => dimText(xDim, v) } : {}),
  };
}

/** What a sweep chart draws besides its series: the limits it is read against. */
export interface ChartLimits {
  /** Usable HBM per GPU: the memory chart's capacity line. */
  capacityBytes?: number;
  /** SLOs: a line on the TTFT or TTIT chart, and crosses on the points above it. */
  maxTtftSec?: number;
  maxTtitSec?: number;
  logY?: boolean;
}

/** The chart options of a sweep metric: its unit, scale, capacity line and SLO. */
export function chartOptions(metric: ChartMetric, l: ChartLimits): LineChartOptions {
  const o: LineChartOptions = { unit: metric === 'ttft' ? 's' : metric === 'ttit' ? 'ms' : 'GB', ...(l.logY ? { logY: true } : {}) };
  if (metric === 'memory' && l.capacityBytes !== undefined)
    o.hLines = [{ value: l.capacityBytes / 1e9, label: `usable HBM ${formatBytes(l.capacityBytes)} per GPU` }];
  const slo = metric === 'ttft' ? l.maxTtftSec : metric === 'ttit' ? l.maxTtitSec : undefined;
  if (slo !== undefined) {
    const label = `${metric.toUpperCase()} SLO ${formatSeconds(slo)}`;
    const value = metric === 'ttit' ? slo * 1e3 : slo;
    o.hLines = [{ value, label }];
    o.over = { value, label: `the ${metric.toUpperCase()} SLO` };
  }
  return o;
}
