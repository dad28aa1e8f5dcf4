import { InputError } from '../../errors.js';
import type { SweepDim, SweepRow } from '../../planning/sweep.js';
import { formatInt, formatSeconds, round } from '../format.js';
import { chartData, chartOptions, type ChartData, type ChartLimits, type ChartMetric } from '../sweep-chart.js';
import { columns } from '../sweep-output.js';
import { svgChart, type LineChartOptions } from '../svg-chart.js';
import { inputsOf, type EstimateReportInput } from './estimate-report.js';
import { chart, figure, page, section, table, text, warningNotes, warnings } from './html.js';

/** More rows than this make a page too heavy to open; the rest are in --format csv. */
export const MAX_REPORT_ROWS = 1000;

export interface SweepReportInput {
  rows: readonly SweepRow[];
  /** The swept quantities (charts), and the table's dimension columns. */
  swept: readonly SweepDim[];
  dims: readonly SweepDim[];
  /** Usable HBM per GPU (the memory chart's limit line), SLO lines, log scale. */
  limits: ChartLimits;
  title: string;
  presets: EstimateReportInput['presets'];
  argv: readonly string[];
  version: string;
  messages: string[];
}

const METRICS: { metric: ChartMetric; caption: string }[] = [
  { metric: 'ttft', caption: 'Time to first token.' },
  { metric: 'ttit', caption: 'Time per output token.' },
  { metric: 'memory', caption: 'Memory per GPU against the usable HBM.' },
];

/** Where pass-KV and pass-Q TTFT tie along a swept miss rate (linear between points); null if they never swap. */
function crossover(d: ChartData): number | null {
  const [kv, q] = d.series;
  if (!kv || !q || kv.name !== 'pass-KV') return null;
  for (let i = 0; i + 1 < d.x.length; i++) {
    const a = kv.values[i]! - q.values[i]!;
    const b = kv.values[i + 1]! - q.values[i + 1]!;
    if (Number.isFinite(a) && Number.isFinite(b) && a !== b && Math.sign(a) !== Math.sign(b)) return d.x[i]! + (a / (a - b)) * (d.x[i + 1]! - d.x[i]!);
  }
  return null;
}

function charts(i: SweepReportInput): string {
  if (i.swept.length === 0) return '<p>Nothing is swept (every quantity has one value): there is no curve to draw.</p>';
  const out: string[] = [];
  for (const { metric, caption } of METRICS) {
    let d: ChartData;
    try {
      d = chartData(i.rows, i.swept, metric);
    } catch (error) {
      if (error instanceof InputError) return `<p>${text(error.message)}; the table below has every point.</p>`;
      throw error;
    }
    const o: LineChartOptions = { id: `sweep-${metric}`, ...chartOptions(metric, i.limits) };
    let note = '';
    if (metric === 'ttft' && i.swept.length === 1 && i.swept[0] === 'missRate') {
      // Miss rates are percentages on the axis.
      const c = crossover({ ...d, x: d.x.map((v) => v * 100) });
      if (c !== null) {
        o.vLines = [{ value: c / 100, label: `crossover ${round(c, 2)}%` }];
        note = ` pass-KV and pass-Q swap at about ${round(c, 2)}% new tokens.`;
      }
    }
    const bad = d.series.some((s) => s.bad?.some(Boolean)) ? ' Hollow points on dashed lines do not fit in memory.' : '';
    out.push(chart(svgChart(d, o), `${caption}${note}${bad} Hover a point for its value.`));
  }
  return out.join('\n');
}

/** The `sweep --report` page. Pure. */
export function sweepReport(i: SweepReportInput): string {
  const fit = i.rows.filter((r) => r.fits);
  const cols = columns(i.dims);
  const where = (r: SweepRow) =>
    cols
      .slice(0, i.dims.length)
      .map((c) => `${c.head.toLowerCase()} ${c.text(r)}`)
      .join(', ');
  const fastest = fit.length ? fit.reduce((a, b) => (b.ttftSec < a.ttftSec ? b : a)) : null;
  const leanest = fit.length ? fit.reduce((a, b) => (b.gpus < a.gpus || (b.gpus === a.gpus && b.ttftSec < a.ttftSec) ? b : a)) : null;
  const figs = [
    figure('Points', formatInt(i.rows.length), text(`${formatInt(fit.length)} fit in memory`)),
    fastest
      ? figure('Fastest TTFT that fits', formatSeconds(fastest.ttftSec), text(`${where(fastest)}; TTIT ${formatSeconds(fastest.ttitSec)}`))
      : figure('Fastest TTFT that fits', 'none', 'no point fits in memory'),
    leanest ? figure('Fewest GPUs that fit', formatInt(leanest.gpus), text(`${where(leanest)}; TTFT ${formatSeconds(leanest.ttftSec)}`)) : '',
  ];
  const shown = i.rows.slice(0, MAX_REPORT_ROWS);
  const cut =
    i.rows.length > shown.length
      ? `<p>The table shows the first ${formatInt(shown.length)} of ${formatInt(i.rows.length)} points; --format csv gives them all.</p>`
      : '';
  const notes = warningNotes(shown, (r) => r.warnings, 'points');
  const tableHtml =
    table(
      shown,
      [
        ...cols.map((c) => ({
          head: c.head,
          num: c.key !== 'layout' && c.key !== 'variant',
          cell: (r: SweepRow) => {
            const v = c.value(r);
            return { html: text(c.text(r)), ...(typeof v === 'number' ? { v } : {}) };
          },
        })),
        notes.column,
      ],
      { sortable: true, rowClass: (r) => (r.fits ? '' : 'fail') },
    ) + notes.list;
  return page({
    title: `cp-plan sweep: ${i.title}`,
    argv: i.argv,
    version: i.version,
    verdict: fit.length ? 'pass' : 'fail',
    verdictText: `${formatInt(fit.length)} of ${formatInt(i.rows.length)} points fit in memory`,
    inputs: inputsOf(i.presets, [['Swept', text(i.swept.length ? i.swept.join(' and ') : 'nothing')]]),
    answer: `<div class="figs">${figs.join('')}</div>\n${warnings(i.messages.filter((m) => m.startsWith('warning: ')).map((m) => m.slice(9)))}`,
    sections: [section('curves', 'The swept curves', charts(i)), section('points', 'Every point', cut + tableHtml)],
  });
}
