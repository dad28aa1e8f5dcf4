import Table from './table.js';
import type { SweepDim, SweepRow } from '../planning/sweep.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatBytes, formatInt, formatSeconds, round } from './format.js';

interface Column {
  key: string;
  head: string;
  /** The machine value (CSV, JSON): SI-derived units named in the key. */
  value: (r: SweepRow) => number | string | boolean;
  /** The human value (table, markdown). */
  text: (r: SweepRow) => string;
}

const DIM_COLUMNS: Record<SweepDim, Column> = {
  nodes: { key: 'nodes', head: 'Nodes', value: (r) => r.nodes, text: (r) => String(r.nodes) },
  gpus: { key: 'gpus', head: 'GPUs', value: (r) => r.gpus, text: (r) => String(r.gpus) },
  ctx: { key: 'contextTokens', head: 'Context', value: (r) => r.ctx, text: (r) => formatInt(r.ctx) },
  missRate: { key: 'missRate', head: 'Miss rate', value: (r) => round(r.missRate, 6), text: (r) => `${round(r.missRate * 100, 4)}%` },
  batch: { key: 'batch', head: 'Batch', value: (r) => r.batch, text: (r) => String(r.batch) },
  tp: { key: 'tp', head: 'TP', value: (r) => r.tpUsed, text: (r) => String(r.tpUsed) },
};

const ms = (sec: number) => round(sec * 1e3, 3);
const METRIC_COLUMNS: Column[] = [
  { key: 'gpus', head: 'GPUs', value: (r) => r.gpus, text: (r) => String(r.gpus) },
  {
    key: 'layout',
    head: 'Layout',
    value: (r) => `TP${r.tpUsed}xCP${r.cp}${r.ep > 1 ? `xEP${r.ep}` : ''}`,
    text: (r) => `TP${r.tpUsed} x CP${r.cp}${r.ep > 1 ? ` EP${r.ep}` : ''}`,
  },
  { key: 'variant', head: 'Variant', value: (r) => r.variant, text: (r) => (r.variant === 'pass-q' ? 'pass-Q' : 'pass-KV') },
  { key: 'ttftMs', head: 'TTFT', value: (r) => ms(r.ttftSec), text: (r) => formatSeconds(r.ttftSec) },
  { key: 'passKvTtftMs', head: 'pass-KV', value: (r) => ms(r.passKvTtftSec), text: (r) => formatSeconds(r.passKvTtftSec) },
  { key: 'passQTtftMs', head: 'pass-Q', value: (r) => ms(r.passQTtftSec), text: (r) => formatSeconds(r.passQTtftSec) },
  { key: 'ttitMs', head: 'TTIT', value: (r) => ms(r.ttitSec), text: (r) => formatSeconds(r.ttitSec) },
  { key: 'tokensPerSecond', head: 'Decode tok/s', value: (r) => round(r.tokensPerSec, 3), text: (r) => r.tokensPerSec.toFixed(1) },
  { key: 'memoryPerGpuBytes', head: 'Memory/GPU', value: (r) => Math.round(r.memoryBytes), text: (r) => formatBytes(r.memoryBytes) },
  { key: 'fits', head: 'Fits', value: (r) => r.fits, text: (r) => (r.fits ? 'yes' : 'NO') },
];

function columns(dims: readonly SweepDim[]): Column[] {
  // A swept GPU count is already a column.
  return [...dims.map((d) => DIM_COLUMNS[d]), ...METRIC_COLUMNS.filter((c) => !(c.key === 'gpus' && dims.includes('gpus')))];
}

export function sweepToTable(rows: readonly SweepRow[], dims: readonly SweepDim[], color: boolean): string {
  const cols = columns(dims);
  const t = new Table({ head: cols.map((c) => c.head), colAligns: cols.map(() => 'right' as const), style: tableStyle(color), chars: COMPACT_CHARS });
  for (const r of rows) t.push(cols.map((c) => c.text(r)));
  return t.toString() + '\n';
}

/** RFC 4180 CSV: a header of machine keys, one row per point. Values never contain commas or quotes. */
export function sweepToCsv(rows: readonly SweepRow[], dims: readonly SweepDim[]): string {
  const cols = columns(dims);
  return [cols.map((c) => c.key).join(','), ...rows.map((r) => cols.map((c) => String(c.value(r))).join(','))].join('\n') + '\n';
}

export function sweepToMarkdown(rows: readonly SweepRow[], dims: readonly SweepDim[]): string {
  const cols = columns(dims);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(cols.map((c) => c.head)), line(cols.map(() => '---:')), ...rows.map((r) => line(cols.map((c) => c.text(r))))].join('\n') + '\n';
}

export function sweepRowsJson(rows: readonly SweepRow[], dims: readonly SweepDim[]) {
  const cols = columns(dims);
  return rows.map((r) => Object.fromEntries(cols.map((c) => [c.key, c.value(r)])));
}
