import type { EstimateResult } from '../../model/estimate.js';
import { termProvenance, type TermProvenance } from '../../model/provenance.js';
import type { PrefillBreakdown } from '../../model/prefill.js';
import type { Layout } from '../../model/types.js';
import type { ExplainTerm } from '../explain-terms.js';
import { formatBytes, formatInt, formatSeconds, round } from '../format.js';
import { svgBarChart, svgChart } from '../svg-chart.js';
import { chart, figure, page, provenanceTag, section, table, text, warnings } from './html.js';

const VARIANT = { 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;

/** Which groups of constants each headline figure is computed from (termProvenance's terms). */
const FEEDS: Record<'ttft' | 'ttit' | 'memory', string[]> = {
  ttft: [
    'GPU peaks and HBM',
    'GEMM efficiency',
    'prefill attention efficiency',
    'NVLink measured latency and fill',
    'network measured latency and fill',
    'serial time per context token',
    'prefill fixed cost per layer',
    'attention kernel fixed cost',
    'All2All setup',
    'TP all-reduce overlap',
    'prefill chunk',
  ],
  ttit: [
    'GPU peaks and HBM',
    'GEMM efficiency',
    'decode attention bandwidth',
    'NVLink measured latency and fill',
    'network measured latency and fill',
    'decode fixed cost per layer',
    'decode fixed cost per step',
    'CP decode fixed cost per layer',
    'TP all-reduce overlap',
  ],
  memory: ['GPU peaks and HBM', 'usable share of HBM', 'runtime memory reserve'],
};

/** The terms this layout uses: no network inside one NVLink domain, no CP costs without CP, none that are zero. */
function usedTerms(r: EstimateResult): TermProvenance[] {
  const g = r.layout.groups;
  const unused = new Set<string>();
  if (Math.max(g.tp.domains, g.cp.domains, g.ep.domains) <= 1) unused.add('network measured latency and fill');
  if (r.layout.tp <= 1 && r.layout.cp <= 1 && r.layout.ep <= 1) unused.add('NVLink measured latency and fill');
  if (r.layout.cp <= 1) unused.add('CP decode fixed cost per layer');
  if (r.layout.cp <= 1 && r.layout.ep <= 1) unused.add('All2All setup');
  return termProvenance(r.cluster).filter((t) => !unused.has(t.term) && !t.inert);
}

/** "measured: GEMM efficiency, ...; transferred: ..." for one headline figure. */
export function provenanceNote(r: EstimateResult, figure: keyof typeof FEEDS): string {
  const byKind = new Map<string, string[]>();
  for (const t of usedTerms(r).filter((t) => FEEDS[figure].includes(t.term))) byKind.set(t.provenance, [...(byKind.get(t.provenance) ?? []), t.term]);
  return [...byKind.entries()].map(([p, terms]) => `${provenanceTag(p)} <span title="${text(terms.join(', '))}">${text(terms.join(', '))}</span>`).join('<br>');
}

export function describeEstimateLayout(l: Layout, variant: string): string {
  const where = l.gpus === l.nodes * l.gpusPerNode ? `${l.nodes} node${l.nodes === 1 ? '' : 's'}, ${l.gpus} GPUs` : `${l.gpus} GPU${l.gpus === 1 ? '' : 's'}`;
  const style = l.cp > 1 ? (l.cpStyle && l.cpStyle !== 'ring' ? ` ${l.cpStyle}` : ` ${variant}`) : '';
  return `${where}: TP${l.tp} × CP${l.cp}${l.dcp > 1 ? ` DCP${l.dcp}` : ''}${l.ep > 1 ? ` EP${l.ep}` : ''}${style}`;
}

const PREFILL_PARTS: [keyof PrefillBreakdown, string][] = [
  ['gemmSec', 'GEMMs'],
  ['attentionSec', 'attention'],
  ['mergeSec', 'merge'],
  ['tpCommSec', 'TP AllReduce'],
  ['cpCommExposedSec', 'CP comm exposed'],
  ['epCommSec', 'EP All2All'],
  ['lmHeadSec', 'LM head'],
  ['overheadSec', 'engine overhead'],
];

/** The charts and tables that explain one estimate: latency breakdowns, memory against HBM, pass-KV vs pass-Q. */
export function estimateSections(r: EstimateResult, curve: Curve | null, id: string): string[] {
  const ttftRows = (r.layout.cp > 1 ? (['pass-kv', 'pass-q'] as const) : ([r.prefill.variant] as const)).map((v) => ({
    label: `${r.layout.cp > 1 ? VARIANT[v] : 'prefill'}${v === r.prefill.variant && r.layout.cp > 1 ? ' (chosen)' : ''}`,
    segments: PREFILL_PARTS.map(([key, name]) => ({ name, value: r.variants[v].breakdown[key] })),
  }));
  const d = r.decode.breakdown;
  const decodeParts: [number, string][] = [
    [d.gemmSec, 'GEMMs'],
    [d.attentionSec, 'attention'],
    [d.tpCommSec, 'TP AllReduce'],
    [d.cpCommSec, 'CP comm'],
    [d.dcpCommSec, 'DCP comm'],
    [d.epCommSec, 'EP All2All'],
    [d.lmHeadSec, 'LM head'],
    [d.overheadSec, 'engine overhead'],
  ];
  const latency = [
    chart(
      svgBarChart({ title: 'Prefill: where the TTFT goes', xLabel: 'seconds', unit: 's', rows: ttftRows }, `${id}-ttft`),
      `Time to first token by component for ${formatInt(r.workload.contextTokens - r.workload.cachedTokens)} new tokens; hover a segment for its value.`,
    ),
    chart(
      svgBarChart(
        {
          title: 'Decode: where a step (TTIT) goes',
          xLabel: 'milliseconds',
          unit: 'ms',
          rows: [{ label: `batch ${r.workload.batch}`, segments: decodeParts.map(([v, name]) => ({ name, value: v * 1e3 })) }],
        },
        `${id}-ttit`,
      ),
      'Time per output token by component.',
    ),
  ];
  const m = r.memory.perGpu;
  const gb = (b: number) => round(b / 1e9, 3);
  const limits = [{ value: gb(m.capacityBytes), label: `usable HBM ${formatBytes(m.capacityBytes)}` }];
  if (Math.abs(r.cluster.gpu.hbmBytes - m.capacityBytes) > 1e6)
    limits.push({ value: gb(r.cluster.gpu.hbmBytes), label: `HBM ${formatBytes(r.cluster.gpu.hbmBytes)}` });
  const memory = chart(
    svgBarChart(
      {
        title: 'Memory per GPU against HBM capacity',
        xLabel: 'GB per GPU',
        unit: 'GB',
        rows: [
          {
            label: r.memory.fits ? 'fits' : 'does not fit',
            segments: [
              { name: 'weights', value: gb(m.weightsBytes) },
              { name: 'KV cache', value: gb(m.kvCacheBytes) },
              { name: 'activations', value: gb(m.activationBytes) },
              { name: 'runtime reserve', value: gb(m.reserveBytes) },
            ],
          },
        ],
        limits,
      },
      `${id}-memory`,
    ),
    `${formatBytes(m.totalBytes)} per GPU of ${formatBytes(m.capacityBytes)} usable; this layout holds at most ${formatInt(r.memory.maxContextTokens)} tokens per sequence at batch ${r.workload.batch}.`,
  );
  const out = [section(`${id}-latency`, 'Latency breakdown', latency.join('\n')), section(`${id}-mem`, 'Memory', memory)];
  if (curve && curve.length > 1) out.push(section(`${id}-variants`, 'pass-KV or pass-Q across miss rates', variantChart(r, curve, id)));
  return out;
}

export type Curve = { missRate: number; passKvSec: number; passQSec: number }[];

function variantChart(r: EstimateResult, curve: Curve, id: string): string {
  const x = curve.map((p) => round(p.missRate * 100, 4));
  const here = round(((r.workload.contextTokens - r.workload.cachedTokens) / r.workload.contextTokens) * 100, 4);
  const hereIndex = x.indexOf(here);
  const c = r.crossover.missRate;
  const svg = svgChart(
    {
      title: 'TTFT of pass-KV and pass-Q against the miss rate',
      xLabel: 'miss rate (%)',
      yLabel: 'TTFT (s)',
      x,
      xText: x.map((v) => `${v}%`),
      series: [
        { name: 'pass-KV', values: curve.map((p) => p.passKvSec) },
        { name: 'pass-Q', values: curve.map((p) => p.passQSec) },
      ],
    },
    {
      id: `${id}-curve`,
      unit: 's',
      vLines: c === null ? [] : [{ value: c * 100, label: `crossover ${round(c * 100, 2)}%` }],
      ...(hereIndex >= 0 ? { highlight: { series: r.prefill.variant === 'pass-q' ? 1 : 0, index: hereIndex, label: `this run (${here}%)` } } : {}),
    },
  );
  const why =
    c === null
      ? `${VARIANT[r.crossover.below]} is faster at every miss rate for this layout.`
      : `Below ${round(c * 100, 2)}% new tokens ${VARIANT[r.crossover.below]} is faster, above it ${VARIANT[r.crossover.above]}.`;
  return chart(svg, `${why} Whole prompts, this layout and batch; the x axis is spaced by point, not by value.`);
}

export interface EstimateReportInput {
  r: EstimateResult;
  /** The estimate --json document (cost, pipeline, emit). */
  doc: {
    cost: { perHourUsd: number; pricePerGpuHourUsd: number; perMillionInputTokensUsd: number; perMillionOutputTokensUsd: number } | null;
    pipeline?: { stages: number; ttftMs: number; ttitMs: number };
    emit?: { engine: string; version: string; command: string };
  };
  terms: ExplainTerm[];
  curve: Curve | null;
  /** The stderr lines of the run (warnings, does not fit). */
  messages: string[];
  presets: {
    model: { name: string; file: string; source: string };
    cluster: { name: string; file: string; source: string };
    gpu: { name: string; kernelTable: string; kernelProvenance: string };
    engine: { name: string; file: string };
  };
  argv: readonly string[];
  version: string;
}

/** The `estimate --report` page. Pure. */
export function estimateReport(i: EstimateReportInput): string {
  const { r, doc } = i;
  const fits = r.memory.fits;
  const layout = describeEstimateLayout(r.layout, VARIANT[r.prefill.variant]);
  const figs = [
    figure('Layout', layout, `${text(r.cluster.engine.displayName)} on ${text(r.cluster.gpu.preset)}`),
    figure('TTFT (time to first token)', formatSeconds(r.prefill.ttftSec), provenanceNote(r, 'ttft')),
    figure(
      'TTIT (time per output token)',
      formatSeconds(r.decode.ttitSec),
      `${r.decode.tokensPerSecondAggregate.toFixed(1)} tokens/s at batch ${r.workload.batch}<br>${provenanceNote(r, 'ttit')}`,
    ),
    figure(
      'Memory per GPU',
      `${formatBytes(r.memory.perGpu.totalBytes)} of ${formatBytes(r.memory.perGpu.capacityBytes)}`,
      `${fits ? 'fits' : '<strong>does not fit</strong>'}<br>${provenanceNote(r, 'memory')}`,
    ),
    doc.cost
      ? figure(
          'Cost',
          `$${doc.cost.perHourUsd.toFixed(2)}/hour`,
          text(
            `at $${doc.cost.pricePerGpuHourUsd}/GPU-hour; $${doc.cost.perMillionInputTokensUsd.toFixed(3)} per million prompt tokens, $${doc.cost.perMillionOutputTokensUsd.toFixed(3)} per million output tokens`,
          ),
        )
      : figure('Cost', 'unknown', 'no price for this cluster: give --price-per-gpu-hour'),
  ];
  if (doc.pipeline)
    figs.push(
      figure(
        `Pipeline PP${doc.pipeline.stages}`,
        `TTFT ${formatSeconds(doc.pipeline.ttftMs / 1e3)}`,
        text(`TTIT ${formatSeconds(doc.pipeline.ttitMs / 1e3)}; the rest of the page is one stage's GPUs running the whole model`),
      ),
    );
  const answer = [
    `<div class="figs">${figs.join('')}</div>`,
    `<p>${text(choiceSentence(r))}</p>`,
    warnings(i.messages.filter((m) => m.startsWith('warning: ')).map((m) => m.slice('warning: '.length))),
    ...i.messages.filter((m) => m.startsWith('does not fit')).map((m) => `<p class="verdict fail">${text(m)}</p>`),
    doc.emit ? `<p>Launch (${text(doc.emit.engine)} ${text(doc.emit.version)}):</p><pre class="cmd"><code>${text(doc.emit.command)}</code></pre>` : '',
  ].join('\n');
  const w = r.workload;
  return page({
    title: `cp-plan estimate: ${r.model.displayName} on ${r.cluster.name}, ${formatInt(w.contextTokens)} tokens`,
    argv: i.argv,
    version: i.version,
    verdict: fits ? 'pass' : 'fail',
    verdictText: fits
      ? `Fits: TTFT ${formatSeconds(r.prefill.ttftSec)}, TTIT ${formatSeconds(r.decode.ttitSec)} on ${r.layout.gpus} GPUs`
      : `Does not fit in GPU memory on ${r.layout.gpus} GPUs`,
    inputs: inputsOf(i.presets, [
      [
        'Workload',
        text(
          `${formatInt(w.contextTokens)} tokens of context, ${formatInt(w.cachedTokens)} cached (${formatInt(w.contextTokens - w.cachedTokens)} new), batch ${w.batch}${w.prefillChunkTokens ? `, prefill chunk ${formatInt(w.prefillChunkTokens)}` : ''}`,
        ),
      ],
      ['Precision', text(`weights ${r.precision.weights}, KV ${r.precision.kvDtype}, attention ${r.precision.attentionDtype ?? 'bf16'}`)],
    ]),
    answer,
    sections: [...estimateSections(r, i.curve, 'e'), provenanceSection(r), explainSection(i.terms)],
  });
}

function choiceSentence(r: EstimateResult): string {
  if (r.layout.cp <= 1) return 'CP1: no ring, so no pass-KV / pass-Q choice.';
  const other = r.prefill.variant === 'pass-kv' ? 'pass-q' : 'pass-kv';
  return `${VARIANT[r.prefill.variant]} ${formatSeconds(r.variants[r.prefill.variant].ttftSec)} against ${VARIANT[other]} ${formatSeconds(r.variants[other].ttftSec)}.`;
}

/** The question's inputs: the presets (name, file, source) and what the command adds. */
export function inputsOf(p: EstimateReportInput['presets'], more: [string, string][]): [string, string][] {
  return [
    ['Model', `${text(p.model.name)} <small>(${text(p.model.file)}; ${text(p.model.source)})</small>`],
    ['Cluster', `${text(p.cluster.name)} <small>(${text(p.cluster.file)}; ${text(p.cluster.source)})</small>`],
    ['GPU', `${text(p.gpu.name)}, kernel table ${text(p.gpu.kernelTable)} ${provenanceTag(p.gpu.kernelProvenance)}`],
    ['Engine', `${text(p.engine.name)} <small>(${text(p.engine.file)})</small>`],
    ...more,
  ];
}

export function provenanceSection(r: EstimateResult): string {
  const used = new Set(usedTerms(r).map((t) => t.term));
  const rows = termProvenance(r.cluster);
  return section(
    'prov',
    'Where the numbers come from',
    table(
      rows,
      [
        { head: 'Constants', cell: (t) => t.term },
        { head: 'Provenance', cell: (t) => ({ html: provenanceTag(t.provenance), v: t.provenance }) },
        { head: 'Source', cell: (t) => t.detail },
        { head: 'Used here', cell: (t) => (used.has(t.term) ? 'yes' : t.inert ? 'no (zero)' : 'no (not in this layout)') },
      ],
      {
        sortable: true,
        caption: 'measured: on this hardware; fitted: calibrated here; datasheet: vendor figures; transferred: measured elsewhere; assumed: no source',
      },
    ),
  );
}

export function explainSection(terms: readonly ExplainTerm[]): string {
  const unit = (t: ExplainTerm) =>
    t.unit === 's' ? formatSeconds(t.value) : t.unit === 'B' ? formatBytes(t.value) : `${Number(t.value.toPrecision(6))} ${t.unit}`;
  return `<details id="explain"><summary>Every model term (--explain): ${terms.length} terms with formula and value</summary>\n${table(
    terms,
    [
      { head: 'Phase', cell: (t) => t.phase },
      { head: 'Term', cell: (t) => t.term },
      { head: 'Value', cell: (t) => ({ html: text(unit(t)), v: t.value }), num: true },
      { head: 'Formula', cell: (t) => t.formula },
    ],
    { sortable: true },
  )}\n</details>`;
}
