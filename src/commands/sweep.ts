import { quoted } from '../render/quote.js';
import { EXIT_OK, InputError, printable } from '../errors.js';
import type { CpStyle, KvDtype, RingVariant, WeightRecipe } from '../model/types.js';
import { CP_STYLES, SWEEP_DIMS, sweep, sweepGrid, type SweepDim, type SweepPoint, type SweepRow } from '../planning/sweep.js';
import { colorEnabled } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { chartData, chartOptions, type ChartLimits, type ChartMetric } from '../render/sweep-chart.js';
import { terminalChart } from '../render/terminal-chart.js';
import { sweepRowsJson, sweepToCsv, sweepToMarkdown, sweepToTable } from '../render/sweep-output.js';
import { documentHead, presetsJson } from '../render/provenance.js';
import { svgChart } from '../render/svg-chart.js';
import { parsePositiveInt, parseRate, parseSweepValues, parseTokenCount } from '../units.js';
import { assertWritable, writeWhole } from '../write-file.js';
import { distinct } from '../render/warnings.js';
import type { CommandContext, CommandResult } from './result.js';
import { chunkFlag, loadInputs } from './workload-options.js';
import { prefillChunkOf } from '../model/prefill-chunked.js';
import { checkChartPath, checkReportPath, writeReport, wroteLine } from '../report-file.js';
import { usableHbmBytes } from '../model/memory.js';

export interface SweepOptions {
  model: string;
  cluster: string;
  weights?: WeightRecipe;
  kvDtype?: KvDtype;
  nodes?: string;
  gpus?: string;
  ctx: string;
  missRate: string;
  batch: string;
  /** Most new tokens per forward pass; 0: whole prompts; absent: the engine's. */
  prefillChunk?: number;
  tp?: string;
  pp?: string;
  cpStyle?: string;
  /** Expert parallelism at every point; default 1. */
  ep?: number;
  variant: 'auto' | RingVariant;
  format: 'table' | 'csv' | 'json' | 'markdown';
  json: boolean;
  chart: boolean;
  chartMetric: ChartMetric;
  chartFile?: string;
  /** A log-scale y axis on the charts. */
  logY?: boolean;
  /** SLOs (seconds): a line on the matching chart, and the points above it marked. */
  maxTtft?: number;
  maxTtit?: number;
  /** Also write an HTML report to this file. */
  report?: string;
  color: boolean;
}

const MAX_POINTS = 100_000;
const CHUNK = 5_000;
const MAX_TABLE_ROWS = 500;

function values(opts: SweepOptions): Record<SweepDim, number[]> {
  if (opts.nodes !== undefined && opts.gpus !== undefined) throw new InputError('--nodes and --gpus both say how many GPUs; give one of them');
  const v = {
    nodes: opts.gpus !== undefined ? [] : parseSweepValues(opts.nodes ?? '1', '--nodes', parsePositiveInt),
    gpus: opts.gpus === undefined ? [] : parseSweepValues(opts.gpus, '--gpus', parsePositiveInt),
    ctx: parseSweepValues(opts.ctx, '--ctx', parseTokenCount),
    missRate: parseSweepValues(opts.missRate, '--miss-rate', parseRate, 10_000, 0.01),
    batch: parseSweepValues(opts.batch, '--batch', parsePositiveInt),
    tp: opts.tp === undefined ? [] : parseSweepValues(opts.tp, '--tp', parsePositiveInt),
    pp: opts.pp === undefined ? [] : parseSweepValues(opts.pp, '--pp', parsePositiveInt),
    cpStyle: opts.cpStyle === undefined ? [] : parseStyles(opts.cpStyle),
  };
  for (const m of v.missRate) if (m <= 0 || m > 1) throw new InputError(`--miss-rate: ${m * 100}% is outside (0, 100%]`);
  return v;
}

/** --cp-style ring,all-gather: indices into CP_STYLES, each once. */
function parseStyles(text: string): number[] {
  const names = text.split(',').map((t) => t.trim());
  const out: number[] = [];
  for (const name of names) {
    const i = CP_STYLES.indexOf(name as CpStyle);
    if (i < 0) throw new InputError(`--cp-style: ${printable(name)} is not a CP style; give ${CP_STYLES.join(', ')} or a comma-separated list`);
    if (!out.includes(i)) out.push(i);
  }
  return out;
}

/** Evaluates a grid of one or two varied quantities and renders it as a table, CSV, JSON, markdown and charts. */
export async function runSweep(opts: SweepOptions, ctx: CommandContext): Promise<CommandResult> {
  checkReportPath(opts.report);
  checkChartPath(opts.chartFile);
  const grid = values(opts);
  const swept = SWEEP_DIMS.filter((d) => grid[d].length > 1);
  const flagOf: Record<SweepDim, string> = {
    nodes: '--nodes',
    gpus: '--gpus',
    ctx: '--ctx',
    missRate: '--miss-rate',
    batch: '--batch',
    tp: '--tp',
    pp: '--pp',
    cpStyle: '--cp-style',
  };
  if (swept.length > 2) throw new InputError(`sweep varies at most two quantities; ${swept.map((d) => flagOf[d]).join(', ')} all have several values`);
  const charted = opts.chart || opts.chartFile !== undefined;
  if (charted && swept.length === 0) throw new InputError('--chart needs a swept quantity with at least two values, e.g. --nodes 1..16');
  const chartOnly = opts.logY ? '--log-y' : opts.maxTtft !== undefined ? '--max-ttft' : opts.maxTtit !== undefined ? '--max-ttit' : undefined;
  if (chartOnly && !charted && !opts.report) throw new InputError(`${chartOnly} changes the chart; add --chart, --chart-file FILE.svg or --report FILE.html`);
  const size = SWEEP_DIMS.reduce((n, d) => n * Math.max(1, grid[d].length), 1);
  if (size > MAX_POINTS) throw new InputError(`the sweep has ${size} points; at most ${MAX_POINTS}: narrow a range or raise its step`);
  const points = sweepGrid(grid);
  const { model, cluster, precision } = await loadInputs(opts);
  const engine = cluster.spec.engine;
  if (grid.pp.some((p) => p > 1) && !engine.ppSupported)
    throw new InputError(`--pp: engine ${engine.name} runs no pipeline parallelism; use --engine vllm, sglang or trtllm, or drop --pp`);
  const notRun = grid.cpStyle.map((i) => CP_STYLES[i]!).filter((st) => !engine.cpStyles.includes(st));
  if (notRun.length)
    throw new InputError(`--cp-style ${notRun.join(',')}: engine ${engine.name} runs ${engine.cpStyles.join(', ')}; choose among those or another --engine`);
  // Refused before the sweep runs (a long one), and again when written.
  if (opts.chartFile !== undefined) assertWritable(opts.chartFile, '--chart-file', 'chart.svg');
  const forced = opts.variant === 'auto' ? undefined : opts.variant;
  const format = opts.json ? 'json' : opts.format;
  // Every point is costed with the chunking estimate uses: --prefill-chunk, else the engine's default.
  const chunk = prefillChunkOf(chunkFlag(opts.prefillChunk), cluster.spec);

  // Long sweeps go in chunks so that a spinner can turn on an interactive terminal.
  const rows: SweepRow[] = [];
  const skipped: { point: SweepPoint; reason: string }[] = [];
  const spinner = points.length > CHUNK && format === 'table' && ctx.progress ? await ctx.progress(`sweeping ${points.length} points`) : undefined;
  for (let i = 0; i < points.length; i += CHUNK) {
    const part = sweep(model.spec, cluster.spec, precision, points.slice(i, i + CHUNK), forced, opts.ep ?? 1, chunk);
    rows.push(...part.rows);
    skipped.push(...part.skipped);
    if (spinner) {
      spinner.update(`sweeping: ${Math.min(i + CHUNK, points.length)} of ${points.length} points`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  spinner?.stop();
  if (rows.length === 0) throw new InputError(`no valid point in the sweep: ${skipped[0]?.reason ?? 'empty'}`);

  const stderr: string[] = [];
  if (skipped.length) {
    // Group reasons by their wording with the numbers taken out, and quote the first of each kind.
    const kinds = new Map<string, string>();
    for (const s of skipped) {
      const first = s.reason.split(';')[0]!;
      const kind = first.replace(/\d+/g, '#');
      if (!kinds.has(kind)) kinds.set(kind, first);
    }
    const reasons = [...kinds.values()].slice(0, 2).join('; ');
    stderr.push(`warning: skipped ${skipped.length} point(s) that are not valid layouts or workloads (e.g. ${reasons})`);
  }
  // Each point's warnings (estimate's, for its layout and context), each distinct one once.
  const pointWarnings = distinct(rows.flatMap((r) => r.warnings));
  stderr.push(...pointWarnings.map((w) => `warning: ${w}`));
  const dims = swept.length ? swept : ([opts.gpus !== undefined ? 'gpus' : 'nodes'] as SweepDim[]);
  const subject = `${model.spec.displayName} on ${cluster.spec.name}`;
  const limits: ChartLimits = { capacityBytes: usableHbmBytes(cluster.spec), logY: opts.logY === true };
  if (opts.maxTtft !== undefined) limits.maxTtftSec = opts.maxTtft;
  if (opts.maxTtit !== undefined) limits.maxTtitSec = opts.maxTtit;
  const data = swept.length && charted ? chartData(rows, swept, opts.chartMetric, subject) : undefined;
  const options = chartOptions(opts.chartMetric, limits);
  if (opts.chartFile !== undefined && data) {
    writeWhole(opts.chartFile, svgChart(data, options), '--chart-file', 'chart.svg');
    stderr.push(wroteLine(opts.chartFile));
  }
  if (opts.report) {
    const { sweepReport } = await import('../render/report/sweep-report.js');
    const title = `${subject}, ${rows.length} points`;
    const html = sweepReport({
      rows,
      swept,
      dims,
      limits,
      title,
      presets: presetsJson(model, cluster),
      argv: ctx.argv ?? [],
      version: ctx.version,
      messages: [...stderr],
    });
    stderr.push(writeReport(opts.report, html));
  }

  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: format !== 'table' });
  const inputs = {
    model: model.spec.name,
    cluster: cluster.spec.name,
    engine: cluster.spec.engine.name,
    weights: precision.weights,
    kvDtype: precision.kvDtype,
    attentionDtype: precision.attentionDtype ?? 'bf16',
    prefillChunkTokens: chunk,
  };
  let stdout: string;
  switch (format) {
    case 'csv':
      stdout = sweepToCsv(rows, inputs);
      break;
    case 'markdown':
      stdout = sweepToMarkdown(rows, dims);
      break;
    case 'json': {
      const warnings = stderr.filter((l) => l.startsWith('warning: ')).map((l) => l.slice('warning: '.length));
      stdout =
        JSON.stringify(
          {
            ...documentHead(ctx.version, SCHEMA_VERSION, model, cluster),
            presets: presetsJson(model, cluster),
            swept,
            rows: sweepRowsJson(rows, inputs, (w) => warnings.indexOf(w)),
            skipped: skipped.length,
            warnings,
          },
          null,
          2,
        ) + '\n';
      break;
    }
    default:
      // Nobody reads more than a few hundred rows in a terminal; the other formats give them all.
      if (rows.length > MAX_TABLE_ROWS) {
        stderr.push(`note: the table shows the first ${MAX_TABLE_ROWS} of ${rows.length} rows; --format csv, json or markdown give them all`);
      }
      stdout =
        sweepToTable(rows.slice(0, MAX_TABLE_ROWS), dims, color) +
        (opts.chart && data ? '\n' + terminalChart(quoted(data), options, { color, columns: ctx.columns }) : '');
  }
  if (opts.chart && format !== 'table' && data) stderr.push('note: --chart is drawn only with the table format; use --chart-file for an SVG');
  return { stdout, stderr, exitCode: EXIT_OK };
}
