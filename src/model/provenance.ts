import { familyUsed } from './hardware/kernels.js';
import type { ClusterSpec, EngineSpec, Layout, Provenance } from './types.js';

/**
 * Where each group of the model's constants comes from for this cluster and
 * engine: measured on this hardware, from a datasheet, fitted here, or
 * transferred from another machine or engine (or assumed). `--explain` and
 * JSON show the list; the warning names what is transferred or assumed.
 */
export interface TermProvenance {
  term: string;
  provenance: Provenance;
  /** What the constants are and where they come from, in a few words. */
  detail: string;
  /** True when the constant is zero here (it adds nothing, whatever its provenance). */
  inert?: boolean;
}

/** The engine constants that the model reads: preset key, label, and the spec field that holds the value. */
const ENGINE_TERMS: [string, string, keyof EngineSpec][] = [
  ['serialUsPerContextToken', 'serial time per context token', 'serialSecPerContextToken'],
  ['prefillLayerUs', 'prefill fixed cost per layer', 'prefillLayerSec'],
  ['decodeLayerUs', 'decode fixed cost per layer', 'decodeLayerSec'],
  ['decodeStepUs', 'decode fixed cost per step', 'decodeStepSec'],
  ['attentionKernelUs', 'attention kernel fixed cost', 'attentionKernelSec'],
  ['cpDecodeLayerUs', 'CP decode fixed cost per layer', 'cpDecodeLayerSec'],
  ['allToAllSetupUs', 'All2All setup', 'allToAllSetupSec'],
  ['tpCommOverlapFraction', 'TP all-reduce overlap', 'tpCommOverlapFraction'],
  ['gpuMemoryUtilization', 'usable share of HBM', 'gpuMemoryUtilization'],
  ['runtimeReserveGB', 'runtime memory reserve', 'runtimeReserveBytes'],
  ['prefillChunkTokens', 'prefill chunk', 'prefillChunkTokens'],
  ['maxRunningSequences', 'running sequences limit', 'maxRunningSequences'],
];

export function termProvenance(cluster: ClusterSpec): TermProvenance[] {
  const k = cluster.gpu.kernels;
  const calibrated = cluster.scales.engine !== null;
  const calibration = cluster.scales.provenance ?? 'fitted';
  const tables = k.provenance === 'measured' ? `measured on ${k.measuredOn}` : `measured on ${k.measuredOn}, not on this GPU`;
  const fit = calibrated ? `, scaled by ${cluster.name}'s calibration with ${cluster.scales.engine} (${calibration})` : '';
  // A kernel family the table lacks reads another family's curve: that term is transferred whatever the table.
  const kernel = (scaled: boolean, substituted = false): Provenance => (scaled && calibrated ? calibration : substituted ? 'transferred' : k.provenance);
  const family = (which: 'attention' | 'decodeAttention', own: string) => {
    const used = familyUsed(cluster, which, 'bf16');
    return { substituted: used !== own, text: used === own ? own : `${own} (not in the table: ${used}'s curve)` };
  };
  const prefill = family('attention', cluster.engine.prefillAttention);
  const decode = family('decodeAttention', cluster.engine.decodeAttention);
  const terms: TermProvenance[] = [
    { term: 'GPU peaks and HBM', provenance: cluster.gpu.figuresProvenance, detail: `gpu preset ${cluster.gpu.preset}` },
    {
      term: 'GEMM efficiency',
      provenance: kernel(cluster.scales.gemmScale !== 1 || cluster.scales.gemmBandwidthScale !== 1),
      detail: `kernel table ${k.name} (${tables})${fit}`,
    },
    {
      term: 'prefill attention efficiency',
      provenance: kernel(cluster.scales.attentionScale !== 1, prefill.substituted),
      detail: `${prefill.text} in kernel table ${k.name} (${tables})${fit}`,
    },
    {
      term: 'decode attention bandwidth',
      provenance: kernel(cluster.scales.decodeAttentionScale !== 1, decode.substituted),
      detail: `${decode.text} in kernel table ${k.name} (${tables})${fit}`,
    },
    { term: 'NVLink measured latency and fill', provenance: cluster.linkProvenance.scaleUp, detail: `cluster ${cluster.name}: scaleUp` },
    { term: 'network measured latency and fill', provenance: cluster.linkProvenance.scaleOut, detail: `cluster ${cluster.name}: scaleOut` },
  ];
  for (const [key, label, field] of ENGINE_TERMS) {
    const p = cluster.engine.provenance[key] ?? 'assumed';
    // A constant that is zero (or absent) adds nothing to an estimate: its provenance cannot mislead.
    const value = cluster.engine[field];
    const inert = value === null || value === 0 || (field === 'gpuMemoryUtilization' && value === 1);
    terms.push({ term: label, provenance: p, detail: `engine ${cluster.engine.name}: ${key}`, inert });
  }
  return terms;
}

/**
 * The terms of an estimate whose constants were not measured or fitted for this GPU and engine, grouped for
 * one warning line. With a layout, only the terms it uses: the network only when a group leaves an NVLink
 * domain, the CP decode cost and the All2All only under CP (or EP).
 */
export function transferredTerms(cluster: ClusterSpec, layout?: Layout): string[] {
  const unused = new Set<string>();
  if (layout) {
    const g = layout.groups;
    if (Math.max(g.tp.domains, g.cp.domains, g.ep.domains) <= 1) unused.add('network measured latency and fill');
    if (layout.tp <= 1 && layout.cp <= 1 && layout.ep <= 1) unused.add('NVLink measured latency and fill');
    if (layout.cp <= 1) unused.add('CP decode fixed cost per layer');
    if (layout.cp <= 1 && layout.ep <= 1) unused.add('All2All setup');
  }
  const all = termProvenance(cluster).filter((t) => !unused.has(t.term));
  const out: string[] = [];
  const kernels = all.filter((t) => t.term.includes('efficiency') || t.term.includes('bandwidth')).filter((t) => t.provenance === 'transferred');
  const k = cluster.gpu.kernels;
  if (kernels.length)
    out.push(
      `${kernels.map((t) => t.term).join(', ')} (kernel table ${k.name}${k.provenance === 'transferred' ? `, measured on ${k.measuredOn}` : ", another kernel's curve"})`,
    );
  const figures = all.find((t) => t.term === 'GPU peaks and HBM');
  if (figures && figures.provenance === 'assumed') out.push(`GPU peaks and HBM (assumed: ${figures.detail})`);
  for (const tier of all.filter((t) => t.term.startsWith('NVLink') || t.term.startsWith('network'))) {
    if (tier.provenance === 'transferred' || tier.provenance === 'assumed') out.push(`${tier.term}${tier.provenance === 'assumed' ? ' (assumed)' : ''}`);
  }
  const engine = all.filter((t) => t.detail.startsWith('engine ') && !t.inert && (t.provenance === 'transferred' || t.provenance === 'assumed'));
  if (engine.length) out.push(`engine ${cluster.engine.name}: ${engine.map((t) => `${t.term} (${t.provenance})`).join(', ')}`);
  return out;
}
