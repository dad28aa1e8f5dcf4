// Shared specs for unit tests: the shipped presets, and a synthetic cluster
// with round numbers for closed-form checks.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { estimate } from '../../src/model/estimate.js';
import { loadCluster, loadModel } from '../../src/presets/catalog.js';
import type { ClusterSpec, LinkSpec, ModelSpec, Precision } from '../../src/model/types.js';

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

/** cp-plan's TTFT for a paper case (gtt, the paper's precision recipe, pass-KV), in ms. */
export function predictFullPrefillMs(c: FullPrefillCase): number {
  const r = estimate({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    layout: { nodes: (c.tp * c.cp) / gtt().gpusPerNode, tp: c.tp, cp: c.cp },
    workload: { contextTokens: c.context, cachedTokens: 0, batch: 1 },
    variant: 'pass-kv',
  });
  return r.prefill.ttftSec * 1e3;
}
