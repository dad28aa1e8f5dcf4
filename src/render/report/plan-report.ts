import type { EstimateResult } from '../../model/estimate.js';
import type { Layout } from '../../model/types.js';
import type { Candidate } from '../../planning/candidates.js';
import type { FleetPlan, PrefillPool } from '../../planning/fleet.js';
import type { PlanResult } from '../../planning/plan.js';
import { formatBytes, formatInt, formatSeconds } from '../format.js';
import { describeLayout, describeViolation } from '../plan-report.js';
import { svgBarChart, svgChart } from '../svg-chart.js';
import { estimateSections, explainSection, inputsOf, provenanceSection, type Curve, type EstimateReportInput } from './estimate-report.js';
import type { ExplainTerm } from '../explain-terms.js';
import { chart, figure, page, section, table, text, warningNotes, warnings } from './html.js';

interface Common {
  presets: EstimateReportInput['presets'];
  argv: readonly string[];
  version: string;
  /** The run's stderr lines. */
  messages: string[];
}

export interface PlanReportInput extends Common {
  result: PlanResult;
  title: string;
  sloText: string;
  maxTtftSec?: number | undefined;
  top: number;
  /** The chosen layout's estimate, its pass-KV vs pass-Q curve and terms (null when nothing qualifies). */
  chosen: { r: EstimateResult; curve: Curve | null; terms: ExplainTerm[] } | null;
  /** What qualifies a candidate's estimate (estimate's warnings for its layout), beside its row. */
  warningsOf: (c: Candidate) => readonly string[];
}

const messageList = (messages: readonly string[]) =>
  warnings(messages.filter((m) => m.startsWith('warning: ')).map((m) => m.slice(9))) +
  messages
    .filter((m) => m.startsWith('check failed'))
    .map((m) => `<p class="verdict fail">${text(m)}</p>`)
    .join('');

/** The `plan --report` page for one request. Pure. */
export function planReport(i: PlanReportInput): string {
  const r = i.result;
  const b = r.best;
  const figs = b
    ? [
        figure('Layout', describeLayout(b)),
        figure('GPUs', formatInt(b.layout.gpus), `${r.qualifying.length} of ${r.evaluated} layouts x variants meet every constraint`),
        figure('TTFT', formatSeconds(b.ttftSec)),
        figure('TTIT', formatSeconds(b.ttitSec), text(`${b.tokensPerSec.toFixed(1)} tokens/s`)),
        figure('Memory per GPU', `${formatBytes(b.memoryBytes)} of ${formatBytes(b.capacityBytes)}`),
      ]
    : [];
  const worst = r.closest ? [...r.closest.violations].sort((x, y) => y.factor - x.factor)[0] : undefined;
  const answer = [
    `<p>SLOs: ${text(i.sloText)}.</p>`,
    b ? `<div class="figs">${figs.join('')}</div>` : '',
    !b && r.closest && worst
      ? `<p>No layout meets every constraint. The closest, ${text(describeLayout(r.closest))} on ${r.closest.layout.gpus} GPUs, ${text(describeViolation(worst))} (${worst.factor.toFixed(2)}x off).</p>`
      : '',
    messageList(i.messages),
  ].join('\n');
  const cols = [
    { head: 'GPUs', cell: (c: Candidate) => ({ html: String(c.layout.gpus), v: c.layout.gpus }), num: true },
    { head: 'Layout', cell: (c: Candidate) => describeLayout(c) },
    { head: 'TTFT', cell: (c: Candidate) => ({ html: text(formatSeconds(c.ttftSec)), v: c.ttftSec }), num: true },
    { head: 'TTIT', cell: (c: Candidate) => ({ html: text(formatSeconds(c.ttitSec)), v: c.ttitSec }), num: true },
    { head: 'Decode tok/s', cell: (c: Candidate) => ({ html: c.tokensPerSec.toFixed(1), v: c.tokensPerSec }), num: true },
    { head: 'Memory/GPU', cell: (c: Candidate) => ({ html: text(formatBytes(c.memoryBytes)), v: c.memoryBytes }), num: true },
  ];
  const sections = [section('frontier', 'GPUs against TTFT', paretoChart(r, i.maxTtftSec))];
  if (b) {
    const shown = r.qualifying.slice(0, i.top);
    const notes = warningNotes(shown, i.warningsOf, 'best');
    sections.push(
      section(
        'best',
        `The ${Math.min(i.top, r.qualifying.length)} best layouts`,
        table(shown, [...cols, notes.column], { sortable: true, rowClass: (c) => (c === b ? 'chosen' : '') }) + notes.list,
      ),
    );
  }
  if (r.smaller.length) {
    sections.push(
      section(
        'smaller',
        b ? 'Why fewer GPUs do not do' : 'The closest layout at each size',
        table(
          r.smaller,
          [
            { head: 'GPUs', cell: (s) => ({ html: String(s.gpus), v: s.gpus }), num: true },
            { head: 'Closest layout', cell: (s) => describeLayout(s.closest) },
            { head: 'Misses', cell: (s) => ({ html: text(s.closest.violations.map(describeViolation).join('; ')), cls: 'fail' }) },
          ],
          { sortable: true },
        ),
      ),
    );
  }
  if (i.chosen) sections.push(...estimateSections(i.chosen.r, i.chosen.curve, 'p'), provenanceSection(i.chosen.r), explainSection(i.chosen.terms));
  return page({
    title: `cp-plan plan: ${i.title}`,
    argv: i.argv,
    version: i.version,
    verdict: b ? 'pass' : 'fail',
    verdictText: b ? `Meets the SLOs: ${describeLayout(b)} on ${b.layout.gpus} GPUs` : 'No layout meets the SLOs',
    inputs: inputsOf(i.presets, [['SLOs', text(i.sloText)]]),
    answer,
    sections,
  });
}

/** The Pareto frontier (fastest TTFT that fits, by GPUs), the layouts that meet every SLO, the chosen one ringed. */
function paretoChart(r: PlanResult, maxTtftSec?: number): string {
  if (r.pareto.length === 0) return '<p>No layout fits in memory: there is no frontier to draw.</p>';
  const x = [...new Set([...r.pareto, ...r.qualifying].map((c) => c.layout.gpus))].sort((a, b) => a - b);
  const fastest = (cs: readonly Candidate[], g: number) => Math.min(...cs.filter((c) => c.layout.gpus === g).map((c) => c.ttftSec));
  const meets = x.map((g) => (r.best && g === r.best.layout.gpus ? r.best.ttftSec : fastest(r.qualifying, g)));
  const svg = svgChart(
    {
      title: 'Pareto frontier: GPUs against TTFT',
      xLabel: 'GPUs',
      yLabel: 'TTFT (s)',
      x,
      xText: x.map(String),
      series: [
        { name: 'fastest that fits', values: x.map((g) => fastest(r.pareto, g)) },
        { name: 'meets every SLO', values: meets.map((v) => (Number.isFinite(v) ? v : NaN)) },
      ],
    },
    {
      id: 'pareto',
      xScale: 'linear',
      unit: 's',
      hLines: maxTtftSec === undefined ? [] : [{ value: maxTtftSec, label: `TTFT SLO ${formatSeconds(maxTtftSec)}` }],
      ...(r.best ? { highlight: { series: 1, index: x.indexOf(r.best.layout.gpus), label: `chosen: ${describeLayout(r.best)}` } } : {}),
    },
  );
  return chart(svg, 'Each point is the fastest layout at that GPU count; the frontier keeps those no smaller layout beats. The ringed point is the answer.');
}

export interface FleetReportInput extends Common {
  plan: FleetPlan;
  disaggregated: boolean;
  heading: string;
  sloText: string;
  maxTtftSec?: number | undefined;
  maxTtitSec?: number | undefined;
  price: number | null;
  /** Every prefill pool that meets the TTFT SLO, for the frontier. */
  pools: PrefillPool[];
}

const describeFleetLayout = (l: Layout) =>
  `${l.gpus} GPUs: TP${l.tp}${l.cp > 1 ? ` x CP${l.cp}` : ''}${l.dcp > 1 ? ` DCP${l.dcp}` : ''}${l.ep > 1 ? ` EP${l.ep}` : ''}`;

/** The `plan --isl --osl --rate --report` page: a fleet, co-located or disaggregated. Pure. */
export function fleetReport(i: FleetReportInput): string {
  const { disaggregated: d, colocated: c } = i.plan;
  const chosen = i.disaggregated ? d : c;
  const money = (gpus: number) => (i.price === null ? 'unknown (give --price-per-gpu-hour)' : `$${(gpus * i.price).toFixed(2)}/hour`);
  const figs: string[] = [];
  if (i.disaggregated && d) {
    figs.push(
      figure(
        'Prefill pool',
        `${d.prefill.instances} x ${describeFleetLayout(d.prefill.layout)}`,
        text(
          `mean TTFT ${formatSeconds(d.prefill.meanTtftSec)}: ${formatSeconds(d.prefill.serviceSec)} prefill + ${formatSeconds(d.prefill.waitSec)} wait + ${formatSeconds(d.prefill.transferSec)} KV transfer`,
        ),
      ),
      figure(
        'Decode pool',
        `${d.decode.instances} x ${describeFleetLayout(d.decode.layout)}`,
        text(`TTIT ${formatSeconds(d.decode.ttitSec)}, ${d.decode.batchPerInstance} sequence(s) per instance`),
      ),
      figure('GPUs', formatInt(d.gpus)),
      figure('Cost', money(d.gpus)),
    );
  } else if (!i.disaggregated && c) {
    figs.push(
      figure('Replicas', `${c.replicas} x ${describeFleetLayout(c.layout)}`),
      figure('Mean TTFT', formatSeconds(c.meanTtftSec)),
      figure('Mean TTIT', formatSeconds(c.meanTtitSec)),
      figure('GPUs', formatInt(c.gpus)),
      figure('Cost', money(c.gpus)),
    );
  }
  const answer = [`<p>${text(i.heading)}</p>`, `<div class="figs">${figs.join('')}</div>`, messageList(i.messages)].join('\n');
  const rows: { label: string; segments: { name: string; value: number }[] }[] = [];
  if (d)
    rows.push({
      label: `disaggregated${i.disaggregated ? ' (chosen)' : ''}`,
      segments: [
        { name: 'prefill pool', value: d.prefill.gpus },
        { name: 'decode pool', value: d.decode.gpus },
      ],
    });
  if (c) rows.push({ label: `co-located${i.disaggregated ? '' : ' (chosen)'}`, segments: [{ name: 'replicas', value: c.gpus }] });
  const sections: string[] = [];
  type Pool = { fleet: string; layout: Layout; instances: number; gpus: number; ttft: number | null; ttit: number | null };
  const pools: Pool[] = [];
  if (d)
    pools.push(
      {
        fleet: 'disaggregated: prefill pool',
        layout: d.prefill.layout,
        instances: d.prefill.instances,
        gpus: d.prefill.gpus,
        ttft: d.prefill.meanTtftSec,
        ttit: null,
      },
      { fleet: 'disaggregated: decode pool', layout: d.decode.layout, instances: d.decode.instances, gpus: d.decode.gpus, ttft: null, ttit: d.decode.ttitSec },
    );
  if (c) pools.push({ fleet: 'co-located replicas', layout: c.layout, instances: c.replicas, gpus: c.gpus, ttft: c.meanTtftSec, ttit: c.meanTtitSec });
  const seconds = (v: number | null) => ({ html: v === null ? '' : text(formatSeconds(v)), v: v ?? '' });
  const poolTable = table(
    pools,
    [
      { head: 'Fleet', cell: (p) => p.fleet },
      { head: 'Layout', cell: (p) => describeFleetLayout(p.layout) },
      { head: 'Instances', cell: (p) => ({ html: String(p.instances), v: p.instances }), num: true },
      { head: 'GPUs', cell: (p) => ({ html: formatInt(p.gpus), v: p.gpus }), num: true },
      { head: 'Mean TTFT', cell: (p) => seconds(p.ttft), num: true },
      { head: 'TTIT', cell: (p) => seconds(p.ttit), num: true },
      ...(i.price === null ? [] : [{ head: '$/hour', cell: (p: Pool) => ({ html: `$${(p.gpus * i.price!).toFixed(2)}`, v: p.gpus }), num: true }]),
    ],
    { sortable: true },
  );
  if (rows.length)
    sections.push(
      section(
        'fleets',
        'The fleets side by side',
        chart(
          svgBarChart({ title: 'GPUs per fleet', xLabel: 'GPUs', unit: 'GPUs', rows }, 'fleets'),
          'Both ways of serving the stream that meet the SLOs; hover for pool sizes.',
        ) + poolTable,
      ),
    );
  if (d) {
    const ttft = svgBarChart(
      {
        title: 'Mean TTFT of the disaggregated fleet',
        xLabel: 'seconds',
        unit: 's',
        rows: [
          {
            label: 'mean TTFT',
            segments: [
              { name: 'prefill', value: d.prefill.serviceSec },
              { name: 'queueing wait', value: d.prefill.waitSec },
              { name: 'KV transfer', value: d.prefill.transferSec },
            ],
          },
        ],
        limits: i.maxTtftSec === undefined ? [] : [{ value: i.maxTtftSec, label: `TTFT SLO ${formatSeconds(i.maxTtftSec)}` }],
      },
      'fleet-ttft',
    );
    sections.push(
      section(
        'latency',
        'Latency against the SLOs',
        chart(ttft, `Prefill at ${(d.prefill.utilisation * 100).toFixed(0)}% busy (M/D/1 wait), then the KV cache to the decode pool.`),
      ),
    );
  }
  if (i.pools.length) sections.push(section('frontier', 'Prefill pools: GPUs against TTFT', poolFrontier(i.pools, d?.prefill ?? null, i.maxTtftSec)));
  const problems = [
    i.plan.disaggregatedProblem && `disaggregated: ${i.plan.disaggregatedProblem}`,
    i.plan.colocatedProblem && `co-located: ${i.plan.colocatedProblem}`,
  ].filter(Boolean) as string[];
  if (problems.length) sections.push(section('problems', 'What was not found', `<ul>${problems.map((p) => `<li>${text(p)}</li>`).join('')}</ul>`));
  return page({
    title: `cp-plan plan: ${i.heading.split(':')[0]}`,
    argv: i.argv,
    version: i.version,
    verdict: chosen ? 'pass' : 'fail',
    verdictText: chosen
      ? `Meets the SLOs with ${formatInt(chosen.gpus)} GPUs (${i.disaggregated ? 'disaggregated' : 'co-located'})`
      : 'No fleet meets the SLOs',
    inputs: inputsOf(i.presets, [['Traffic and SLOs', text(i.heading)]]),
    answer,
    sections,
  });
}

/** The cheapest prefill pool at each size that meets the TTFT SLO, frontier only, the chosen pool ringed. */
function poolFrontier(pools: readonly PrefillPool[], chosen: PrefillPool | null, maxTtftSec?: number): string {
  const best = new Map<number, PrefillPool>();
  for (const p of pools) if (!best.has(p.gpus) || best.get(p.gpus)!.meanTtftSec > p.meanTtftSec) best.set(p.gpus, p);
  const frontier: PrefillPool[] = [];
  for (const g of [...best.keys()].sort((a, b) => a - b))
    if (frontier.length === 0 || best.get(g)!.meanTtftSec < frontier[frontier.length - 1]!.meanTtftSec) frontier.push(best.get(g)!);
  // The chosen pool is the cheapest that meets the SLO: shown even where a smaller pool is faster.
  if (chosen && !frontier.some((p) => p.gpus === chosen.gpus)) frontier.push(chosen);
  frontier.sort((a, b) => a.gpus - b.gpus);
  const x = frontier.map((p) => p.gpus);
  const at = chosen ? x.indexOf(chosen.gpus) : -1;
  const values = frontier.map((p, k) => (k === at ? chosen!.meanTtftSec : p.meanTtftSec));
  const svg = svgChart(
    {
      title: 'Prefill pool: GPUs against mean TTFT',
      xLabel: 'prefill pool GPUs',
      yLabel: 'mean TTFT (s)',
      x,
      xText: x.map(String),
      series: [{ name: 'fastest pool at this size', values }],
    },
    {
      id: 'pool-frontier',
      xScale: 'linear',
      unit: 's',
      hLines: maxTtftSec === undefined ? [] : [{ value: maxTtftSec, label: `TTFT SLO ${formatSeconds(maxTtftSec)}` }],
      ...(chosen && at >= 0 ? { highlight: { series: 0, index: at, label: `chosen: ${chosen.instances} x ${describeFleetLayout(chosen.layout)}` } } : {}),
    },
  );
  return chart(svg, 'Prefill pools that meet the TTFT SLO; at each size the fastest, kept only when faster than every smaller pool.');
}
