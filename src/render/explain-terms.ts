import { ringHop } from '../model/prefill.js';
import type { EstimateResult } from '../model/estimate.js';
import type { ClusterSpec } from '../model/types.js';
import { kvBytesPerElement } from '../model/precision.js';
import { formatBytes, formatFlops, formatInt, formatSeconds } from './format.js';

/** One model term of a run: what it is, its formula, its value with a unit. */
export interface ExplainTerm {
  phase: 'layout' | 'inputs' | 'prefill' | 'decode' | 'memory' | 'choice';
  term: string;
  formula: string;
  value: number;
  unit: string;
}

/** Unit of a 0/1 term that names a ring variant. */
export const VARIANT_UNIT = 'variant (0 = pass-KV, 1 = pass-Q)';
export const LABEL = { 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;
export const sec = formatSeconds;
export const bytes = formatBytes;
export const int = formatInt;
export const rate = (flopsPerSec: number) => `${formatFlops(flopsPerSec)}/s`;
export const bw = (bytesPerSec: number) => `${formatBytes(bytesPerSec)}/s`;
export const mega = (n: number) => `${int(n / 1e6)}M`;
export const yes = (b: boolean) => (b ? 'yes' : 'no');

/** Adds one term (left out when its value is not a finite number). */
export type Add = (phase: ExplainTerm['phase'], term: string, value: number, unit: string, formula: string) => void;
/** The pass-KV / pass-Q choice: the paper's tests and the costed variants (nothing at CP1, where there is no ring). */
export function choiceTerms(r: EstimateResult, add: Add): void {
  const { cluster: c, layout: lo, workload: w, precision } = r;
  const N = lo.cp;
  // Only the ring has the pass-KV / pass-Q choice.
  if (N === 1 || (lo.cpStyle ?? 'ring') !== 'ring') return;
  const T = w.contextTokens - w.cachedTokens;
  const eKv = kvBytesPerElement(precision.kvDtype);
  const bf16 = c.gpu.bf16FlopsPerSec;
  const cpL = ringHop(lo) === 'net' ? c.scaleOut : c.scaleUp;
  const h = r.heuristic;
  add(
    'choice',
    'C',
    h.computeFlopsPerSec,
    'FLOP/s',
    `peak·f_attn = ${rate(bf16)}·${(h.computeFlopsPerSec / bf16).toPrecision(3)} (the engine's prefill attention kernel at one ring step's block)`,
  );
  add('choice', 'BW', h.bandwidthBytesPerSec, 'B/s', `SendRecv bandwidth of one ring rank on ${cpL.name}: peer bandwidth·${cpL.sendRecvEfficiency}`);
  add('choice', 'miss rate', h.missRate, 'fraction', `T/(T+P) = ${int(T)}/${int(w.contextTokens)}`);
  // N_KV/N_H per GPU; for MLA the shared latent against the heads' Q width (and Eq.2/3 keep the paper's 4·d FLOPs per pair).
  const mla = r.model.attention?.mla;
  const heads = mla
    ? `${mla.kvLoraRank + mla.qkRopeHeadDim}/(2·${lo.qHeadsPerGpu}·${mla.qkNopeHeadDim + mla.qkRopeHeadDim})`
    : `${lo.kvHeadsPerGpu}/${lo.qHeadsPerGpu}`;
  add(
    'choice',
    'Eq.1 threshold',
    h.eq1.threshold,
    'fraction',
    `2·(N_KV/N_H)·e_kv/e_q = 2·(${heads})·${eKv}/${h.qBytesPerElement}; miss rate ≤ it: ${yes(h.eq1.holds)}`,
  );
  const cBw = (x: string) => x.replace('C', rate(h.computeFlopsPerSec)).replace('BW', bw(h.bandwidthBytesPerSec));
  add(
    'choice',
    'Eq.2 min new tokens',
    Math.ceil(h.eq2.minNewTokens),
    'tokens',
    `⌈N·C·(N_KV/N_H)·e_kv / (2·BW)⌉ = ⌈${N}·${cBw(`C·(${heads})·${eKv} / (2·BW)`)}⌉; T ≥ it: ${yes(h.eq2.holds)}`,
  );
  add(
    'choice',
    'Eq.3 min context',
    Math.ceil(h.eq3.minContextTokens),
    'tokens',
    `⌈N·e_q·C / (4·BW)⌉ = ⌈${N}·${h.qBytesPerElement}·${cBw('C / (4·BW)')}⌉; T+P ≥ it: ${yes(h.eq3.holds)}`,
  );
  add('choice', 'Eq.5 threshold', h.eq5.threshold, 'fraction', `Eq.1 − 4·T·BW / (N·C·e_q); miss rate ≤ it: ${yes(h.eq5.holds)}`);
  const variant = (v: 'pass-kv' | 'pass-q') => (v === 'pass-q' ? 1 : 0);
  add('choice', 'Algorithm 1', variant(h.algorithm1), VARIANT_UNIT, 'pass-KV if T ≥ Eq.2 or miss rate ≥ Eq.1, else pass-Q');
  add('choice', 'Algorithm 5', variant(h.algorithm5), VARIANT_UNIT, 'pass-KV if T ≥ Eq.2 or miss rate ≥ Eq.5, else pass-Q');
  add('choice', 'TTFT pass-KV', r.variants['pass-kv'].ttftSec, 's', 'the prefill sum with the pass-KV ring');
  add('choice', 'TTFT pass-Q', r.variants['pass-q'].ttftSec, 's', 'the prefill sum with the pass-Q ring and its All2All');
  add('choice', 'faster variant', variant(r.fasterVariant), VARIANT_UNIT, 'pass-Q if TTFT pass-Q < TTFT pass-KV, else pass-KV');
  if (r.crossover.missRate !== null) {
    add(
      'choice',
      'crossover miss rate',
      r.crossover.missRate,
      'fraction',
      `bisection on T where TTFT pass-KV = TTFT pass-Q; ${LABEL[r.crossover.below]} below, ${LABEL[r.crossover.above]} above`,
    );
  }
}

/** What the memory total is held against, in words: HBM x the engine's fraction, or all of HBM (SGLang's fraction). */
export const capacityFormula = (c: ClusterSpec) =>
  c.engine.memoryFractionCovers === 'all'
    ? `HBM capacity·gpuMemoryUtilization = ${bytes(c.gpu.hbmBytes)}·${c.engine.gpuMemoryUtilization} (gpu ${c.gpu.preset}: hbmCapacityGB; engine ${c.engine.name}; GB = 10⁹ B)`
    : `HBM capacity ${bytes(c.gpu.hbmBytes)} (gpu ${c.gpu.preset}: hbmCapacityGB; engine ${c.engine.name}'s gpuMemoryUtilization ${c.engine.gpuMemoryUtilization} bounds weights + KV cache)`;

/** The runtime reserve in words. */
export const reserveFormula = (c: ClusterSpec) =>
  c.engine.memoryFractionCovers === 'all'
    ? `runtimeReserveGB (engine ${c.engine.name})`
    : `max(runtimeReserveGB, HBM·(1 − gpuMemoryUtilization) − activations): what the engine keeps outside weights and KV (engine ${c.engine.name})`;
