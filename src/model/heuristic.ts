import { cpRingLink } from './collectives.js';
import { kvBytesPerElement } from './precision.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

/**
 * The paper's closed-form tests (Sec. 3.4, Algorithm 1, Appendix C) for this
 * configuration. C is the achieved attention FLOP/s of one GPU and BW the
 * achieved ring bandwidth of one GPU (the ratio C/BW is the same per host).
 * The equations count attention without the causal mask, as the paper does.
 */
export interface HeuristicReport {
  computeFlopsPerSec: number;
  bandwidthBytesPerSec: number;
  bytesPerElement: number;
  missRate: number;
  /** Eq. 1: Q messages are smaller than KV messages when T/(T+P) <= 2 N_KV / N_H. */
  eq1: { threshold: number; holds: boolean };
  /** Eq. 2: pass-KV hides its SendRecv when T >= N C N_KV e / (2 N_H BW). */
  eq2: { minNewTokens: number; holds: boolean };
  /** Eq. 3: pass-Q hides its SendRecv when T + P >= N e C / (4 BW). */
  eq3: { minContextTokens: number; holds: boolean };
  /** Eq. 5: pass-KV when T/(T+P) >= 2 N_KV / N_H - 4 T BW / (N C e). */
  eq5: { threshold: number; holds: boolean };
  algorithm1: RingVariant;
  algorithm5: RingVariant;
}

export function paperHeuristic(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
): HeuristicReport {
  const T = workload.contextTokens - workload.cachedTokens;
  const context = workload.contextTokens;
  const N = layout.cp;
  const C = cluster.gpu.bf16FlopsPerSec * cluster.attentionEfficiency;
  const link = cpRingLink(cluster, layout);
  const BW = link.peerBytesPerSec * link.efficiency;
  const e = kvBytesPerElement(precision.kvDtype);
  const ratio = model.kvHeads / model.attentionHeads;
  const missRate = T / context;

  const eq1 = 2 * ratio;
  const eq2 = (N * C * model.kvHeads * e) / (2 * model.attentionHeads * BW);
  const eq3 = (N * e * C) / (4 * BW);
  const eq5 = 2 * ratio - (4 * T * BW) / (N * C * e);
  const passKvByEq2 = T >= eq2;
  return {
    computeFlopsPerSec: C,
    bandwidthBytesPerSec: BW,
    bytesPerElement: e,
    missRate,
    eq1: { threshold: eq1, holds: missRate <= eq1 },
    eq2: { minNewTokens: eq2, holds: passKvByEq2 },
    eq3: { minContextTokens: eq3, holds: context >= eq3 },
    eq5: { threshold: eq5, holds: missRate >= eq5 },
    algorithm1: passKvByEq2 || missRate >= eq1 ? 'pass-kv' : 'pass-q',
    algorithm5: passKvByEq2 || missRate >= eq5 ? 'pass-kv' : 'pass-q',
  };
}
