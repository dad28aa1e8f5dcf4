// Shared specs for unit tests: the shipped presets, and a synthetic cluster
// with round numbers for closed-form checks.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { estimate, type VariantChoice } from '../../src/model/estimate.js';
import { loadCluster, loadModel } from '../../src/presets/catalog.js';
import type { ClusterSpec, LinkSpec, ModelSpec, Precision, RingVariant } from '../../src/model/types.js';

export const llama405b = (): ModelSpec => loadModel('llama3-405b').spec;
export const gtt = (): ClusterSpec => loadCluster('gtt').spec;
export const paperPrecision: Precision = { weights: 'fp8-ffn', kvDtype: 'bf16' };

const link = (bytesPerSec: number, latencySec = 0): LinkSpec => ({
  name: 'test link',
  kind: 'test',
  bytesPerSec,
  peerBytesPerSec: bytesPerSec,
  latencySec,
  hopLatencySec: 0,
  efficiency: 1,
  allToAllEfficiency: 1,
});

/** 1 PFLOP/s BF16, 2 PFLOP/s FP8, 100 GB, 1 TB/s HBM, 100 GB/s scale-up, 10 GB/s scale-out, ideal efficiencies. */
export function roundCluster(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: 'round',
    displayName: 'round numbers',
    source: 'test',
    gpu: { name: 'gpu', bf16FlopsPerSec: 1e15, fp8FlopsPerSec: 2e15, hbmBytes: 100e9, hbmBytesPerSec: 1e12 },
    gpusPerNode: 8,
    maxNodes: 64,
    scaleUp: link(100e9),
    scaleOut: link(10e9),
    gemmEfficiency: 1,
    attentionEfficiency: 1,
    hbmEfficiency: 1,
    serialSecPerContextToken: 0,
    decodeLayerSec: 0,
    ringStepSec: 0,
    runtimeReserveBytes: 0,
    ...overrides,
  };
}

/** A full-prefill row of validation/paper-measurements.yaml. */
export interface FullPrefillCase {
  tp: number;
  cp: number;
  context: number;
  ttft_ms: number;
  role: 'fit' | 'held-out';
  ref: string;
}

export function paperFullPrefillCases(): FullPrefillCase[] {
  const text = readFileSync(new URL('../../validation/paper-measurements.yaml', import.meta.url), 'utf8');
  return (parse(text) as { full_prefill: FullPrefillCase[] }).full_prefill;
}

/** cp-plan on a paper layout (TP x CP on gtt, the paper's precision recipe, batch 1, full prefill). */
function paperRun(c: { tp: number; cp: number; context: number }, variant: VariantChoice) {
  return estimate({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    layout: { nodes: (c.tp * c.cp) / gtt().gpusPerNode, tp: c.tp, cp: c.cp },
    workload: { contextTokens: c.context, cachedTokens: 0, batch: 1 },
    variant,
  });
}

/** cp-plan's TTFT for a paper case, pass-KV as the paper ran it, in ms. */
export function predictFullPrefillMs(c: FullPrefillCase): number {
  return paperRun(c, 'pass-kv').prefill.ttftSec * 1e3;
}

/** A partial-prefill row of Table 4 (CP4 + TP8). */
export interface PartialPrefillCase {
  cached: number;
  new: number;
  pass_kv_ms: number;
  pass_q_ms: number;
  role: 'fit' | 'held-out';
}

/** A decode row of Table 6. */
export interface DecodeCase {
  tp: number;
  cp: number;
  context: number;
  ttit_ms: number;
  role: 'fit' | 'held-out';
  ref: string;
}

function validationData() {
  return parse(readFileSync(new URL('../../validation/paper-measurements.yaml', import.meta.url), 'utf8')) as {
    partial_prefill: { ref: string; rows: PartialPrefillCase[] };
    ring_iteration_us: { rows: { new: number; variant: RingVariant; sendrecv_us: number; attn_us: number; all2all_us?: number }[] };
    decode_ttit: DecodeCase[];
  };
}

export const paperPartialPrefillCases = (): PartialPrefillCase[] => validationData().partial_prefill.rows;
export const paperRingIterations = () => validationData().ring_iteration_us.rows;
export const paperDecodeCases = (): DecodeCase[] => validationData().decode_ttit;

/** cp-plan's estimate for a Table 4 row: CP4 + TP8 on gtt. */
export function estimatePartial(c: { cached: number; new: number }, variant: VariantChoice = 'auto') {
  return estimate({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    layout: { nodes: 4 },
    workload: { contextTokens: c.cached + c.new, cachedTokens: c.cached, batch: 1 },
    variant,
  });
}

/** cp-plan's TTIT for a Table 6 decode row, in ms. */
export function predictDecodeMs(c: DecodeCase): number {
  return paperRun(c, 'auto').decode.ttitSec * 1e3;
}
