import Table from './table.js';
import type { SweepDim, SweepRow } from '../planning/sweep.js';
import { COMPACT_CHARS, tableStyle } from './color.js';
import { formatBytes, formatInt, formatSeconds, round } from './format.js';
import { footnoteLines, footnotes } from './warnings.js';

export interface Column {
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
  pp: { key: 'pp', head: 'PP', value: (r) => r.pp, text: (r) => String(r.pp) },
  cpStyle: { key: 'cpStyle', head: 'CP style', value: (r) => r.cpStyleUsed ?? '', text: (r) => r.cpStyleUsed ?? '-' },
};

/**
 * How a row's layout reads: PP (when > 1), TP, CP, DCP and EP (when > 1); for people (machine = false) with the
 * CP style when it is not ring; for machines as one token (the style has its own column).
 */
function layoutText(r: SweepRow, machine: boolean): string {
  const parts = [...(r.pp > 1 ? [`PP${r.pp}`] : []), `TP${r.tpUsed}`, `CP${r.cp}`];
  if (machine) return [...parts, ...(r.dcp > 1 ? [`DCP${r.dcp}`] : []), ...(r.ep > 1 ? [`EP${r.ep}`] : [])].join('x');
  const style = r.cpStyleUsed && r.cpStyleUsed !== 'ring' ? ` ${r.cpStyleUsed}` : '';
  return `${parts.join(' x ')}${style}${r.dcp > 1 ? ` DCP${r.dcp}` : ''}${r.ep > 1 ? ` EP${r.ep}` : ''}`;
}

const ms = (sec: number) => round(sec * 1e3, 3);
/** A ring (ring CP over more than one rank) is where pass-KV and pass-Q differ. */
const hasRing = (r: SweepRow) => r.cpStyleUsed === 'ring';
const METRIC_COLUMNS: Column[] = [
  { key: 'gpus', head: 'GPUs', value: (r) => r.gpus, text: (r) => String(r.gpus) },
  {
    key: 'layout',
    head: 'Layout',
    value: (r) => layoutText(r, true),
    text: (r) => layoutText(r, false),
  },
  {
    key: 'variant',
    head: 'Variant',
    value: (r) => (hasRing(r) ? r.variant : ''),
    text: (r) => (!hasRing(r) ? 'no ring' : r.variant === 'pass-q' ? 'pass-Q' : 'pass-KV'),
  },
  { key: 'ttftMs', head: 'TTFT', value: (r) => ms(r.ttftSec), text: (r) => formatSeconds(r.ttftSec) },
  { key: 'passKvTtftMs', head: 'pass-KV', value: (r) => ms(r.passKvTtftSec), text: (r) => formatSeconds(r.passKvTtftSec) },
  { key: 'passQTtftMs', head: 'pass-Q', value: (r) => ms(r.passQTtftSec), text: (r) => formatSeconds(r.passQTtftSec) },
  { key: 'ttitMs', head: 'TTIT', value: (r) => ms(r.ttitSec), text: (r) => formatSeconds(r.ttitSec) },
  { key: 'tokensPerSecond', head: 'Decode tok/s', value: (r) => round(r.tokensPerSec, 3), text: (r) => r.tokensPerSec.toFixed(1) },
  { key: 'memoryPerGpuBytes', head: 'Memory/GPU', value: (r) => Math.round(r.memoryBytes), text: (r) => formatBytes(r.memoryBytes) },
  { key: 'fits', head: 'Fits', value: (r) => r.fits, text: (r) => (r.fits ? 'yes' : 'NO') },
];

export function columns(dims: readonly SweepDim[]): Column[] {
  // A swept GPU count is already a column.
  return [...dims.map((d) => DIM_COLUMNS[d]), ...METRIC_COLUMNS.filter((c) => !(c.key === 'gpus' && dims.includes('gpus')))];
}

/**
 * The columns for people, with a Warnings column when some row has a warning: each row's numbers
 * ("[1,2]"), the notes under the table.
 */
function withWarnings(rows: readonly SweepRow[], dims: readonly SweepDim[]): { cols: Column[]; notes: string[] } {
  const notes = footnotes(rows.map((r) => r.warnings));
  const marker = new Map(rows.map((r, i) => [r, notes.markers[i]!]));
  const cols = columns(dims);
  if (notes.notes.length) cols.push({ key: 'warnings', head: 'Warnings', value: () => '', text: (r) => marker.get(r) || '-' });
  return { cols, notes: notes.notes };
}

export function sweepToTable(rows: readonly SweepRow[], dims: readonly SweepDim[], color: boolean): string {
  const { cols, notes } = withWarnings(rows, dims);
  const t = new Table({ head: cols.map((c) => c.head), colAligns: cols.map(() => 'right' as const), style: tableStyle(color), chars: COMPACT_CHARS });
  for (const r of rows) t.push(cols.map((c) => c.text(r)));
  return [t.toString(), ...footnoteLines(notes)].join('\n') + '\n';
}

/** The inputs of a whole sweep that every machine row repeats. */
export interface SweepInputs {
  model: string;
  cluster: string;
  engine: string;
  /** The precision every point was costed with. */
  weights: string;
  kvDtype: string;
  attentionDtype: string;
  /** The prefill chunk every point was costed with (null: whole prompts). */
  prefillChunkTokens: number | null;
}

/**
 * The machine row (CSV and JSON), the same columns whatever was swept: every input (model, cluster, engine, precision,
 * nodes, GPUs, TP, CP, DCP, EP, PP, CP style, context, cached tokens, batch, miss rate, prefill chunk), the numbers beside the
 * layout's display string, then the metrics (keys name their units). The contract is in the README.
 */
const MACHINE_COLUMNS = (inputs: SweepInputs): Column[] => [
  { key: 'model', head: 'Model', value: () => inputs.model, text: () => inputs.model },
  { key: 'cluster', head: 'Cluster', value: () => inputs.cluster, text: () => inputs.cluster },
  { key: 'engine', head: 'Engine', value: () => inputs.engine, text: () => inputs.engine },
  { key: 'weights', head: 'Weights', value: () => inputs.weights, text: () => inputs.weights },
  { key: 'kvDtype', head: 'KV dtype', value: () => inputs.kvDtype, text: () => inputs.kvDtype },
  { key: 'attentionDtype', head: 'Attention dtype', value: () => inputs.attentionDtype, text: () => inputs.attentionDtype },
  DIM_COLUMNS.nodes,
  DIM_COLUMNS.gpus,
  { key: 'tp', head: 'TP', value: (r) => r.tpUsed, text: (r) => String(r.tpUsed) },
  { key: 'cp', head: 'CP', value: (r) => r.cp, text: (r) => String(r.cp) },
  { key: 'dcp', head: 'DCP', value: (r) => r.dcp, text: (r) => String(r.dcp) },
  { key: 'ep', head: 'EP', value: (r) => r.ep, text: (r) => String(r.ep) },
  DIM_COLUMNS.pp,
  DIM_COLUMNS.cpStyle,
  DIM_COLUMNS.ctx,
  { key: 'cachedTokens', head: 'Cached', value: (r) => r.cachedTokens, text: (r) => formatInt(r.cachedTokens) },
  DIM_COLUMNS.batch,
  DIM_COLUMNS.missRate,
  // 0: whole prompts (no chunking), as --prefill-chunk none.
  { key: 'prefillChunkTokens', head: 'Chunk', value: () => inputs.prefillChunkTokens ?? 0, text: () => formatInt(inputs.prefillChunkTokens ?? 0) },
  ...METRIC_COLUMNS.filter((c) => c.key !== 'gpus'),
];

/** RFC 4180 CSV: a header of machine keys, one row per point (values never contain commas or quotes). */
export function sweepToCsv(rows: readonly SweepRow[], inputs: SweepInputs): string {
  const cols = MACHINE_COLUMNS(inputs);
  return [cols.map((c) => c.key).join(','), ...rows.map((r) => cols.map((c) => csvCell(c.value(r))).join(','))].join('\n') + '\n';
}

/** A CSV cell: quoted (RFC 4180) when it holds a comma, a quote or a line break (a preset name from a file may). */
function csvCell(v: number | string | boolean): string {
  const text = String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sweepToMarkdown(rows: readonly SweepRow[], dims: readonly SweepDim[]): string {
  const { cols, notes } = withWarnings(rows, dims);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const noteLines = notes.length ? ['', ...footnoteLines(notes).map((l, i) => (i === 0 ? `**${l}**` : `- ${l.trim().replace(/\|/g, '\\|')}`))] : [];
  return [line(cols.map((c) => c.head)), line(cols.map(() => '---:')), ...rows.map((r) => line(cols.map((c) => c.text(r)))), ...noteLines].join('\n') + '\n';
}

/** Rows for JSON; each row's `warnings` are the indices of its warnings in the document's `warnings` list (`warningIndex`). */
export function sweepRowsJson(rows: readonly SweepRow[], inputs: SweepInputs, warningIndex: (warning: string) => number) {
  const cols = MACHINE_COLUMNS(inputs);
  // JSON says "none" with null: no CP style without CP, no variant without a ring.
  const none: Record<string, (r: SweepRow) => unknown> = { cpStyle: (r) => r.cpStyleUsed, variant: (r) => (hasRing(r) ? r.variant : null) };
  return rows.map((r) => ({
    ...Object.fromEntries(cols.map((c) => [c.key, none[c.key] ? none[c.key]!(r) : c.value(r)])),
    warnings: r.warnings.map(warningIndex).sort((a, b) => a - b),
  }));
}
