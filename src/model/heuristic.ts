import { sendRecvBytesPerSec } from './hardware/collectives.js';
import { attentionFlopsPerSec } from './hardware/kernels.js';
import { kvElementsPerTokenPerGpu, tokensPerCpRank } from './kv-cache.js';
import { ringHop } from './prefill.js';
import { ACTIVATION_BYTES, kvBytesPerElement } from './precision.js';
import { qHeadDim } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

/**
 * The paper's closed-form tests (Sec. 3.4, Algorithm 1, Appendix C) for this
 * configuration. C is the achieved attention FLOP/s of one GPU and BW the
 * achieved ring bandwidth of one GPU (the ratio C/BW is the same per host).
 * N_KV/N_H is taken per GPU (KV heads replicated by TP > N_KV count once per
 * GPU), and Q and KV keep their own element sizes (e_q = 2 for BF16
 * activations, e_kv from --kv-dtype); with the paper's setup both reduce to
 * its equations. Like the paper, they count attention without the causal mask.
 */
export interface HeuristicReport {
  computeFlopsPerSec: number;
  bandwidthBytesPerSec: number;
  /** Bytes per element of Q (activations) and of the KV cache. */
  qBytesPerElement: number;
  kvBytesPerElement: number;
  missRate: number;
  /** Eq. 1: Q messages are smaller than KV messages when T/(T+P) <= 2 (N_KV/N_H) e_kv/e_q. */
  eq1: { threshold: number; holds: boolean };
  /** Eq. 2: pass-KV hides its SendRecv when T >= N C N_KV e_kv / (2 N_H BW). */
  eq2: { minNewTokens: number; holds: boolean };
  /** Eq. 3: pass-Q hides its SendRecv when T + P >= N e_q C / (4 BW). */
  eq3: { minContextTokens: number; holds: boolean };
  /** Eq. 5 (pass-Q beats pass-KV's exposed SendRecv): T/(T+P) <= 2 (N_KV/N_H) e_kv/e_q - 4 T BW / (N C e_q). */
  eq5: { threshold: number; holds: boolean };
  algorithm1: RingVariant;
  algorithm5: RingVariant;
}

export function paperHeuristic(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): HeuristicReport {
  const T = workload.contextTokens - workload.cachedTokens;
  const context = workload.contextTokens;
  const N = layout.cp;
  // The paper's C: achieved attention FLOP/s, here the engine's prefill kernel at this rank's block of the context.
  const perRank = tokensPerCpRank(T, N);
  const C = attentionFlopsPerSec(cluster, precision.attentionDtype ?? 'bf16', perRank, Math.ceil(workload.cachedTokens / N) + perRank);
  const BW = sendRecvBytesPerSec(ringHop(layout), cluster);
  const eKv = kvBytesPerElement(precision.kvDtype);
  const eQ = ACTIVATION_BYTES;
  // N_KV/N_H per GPU, generalised to what a token's KV and Q actually hold: for GQA it is
  // kvHeads/qHeads; for MLA the shared latent (kvLoraRank + rope) against the heads' Q width.
  const ratio = kvElementsPerTokenPerGpu(model, layout, 'full') / (2 * layout.qHeadsPerGpu * qHeadDim(model));
  const missRate = T / context;

  const eq1 = (2 * ratio * eKv) / eQ;
  const eq2 = (N * C * ratio * eKv) / (2 * BW);
  const eq3 = (N * eQ * C) / (4 * BW);
  const eq5 = eq1 - (4 * T * BW) / (N * C * eQ);
  const passKvByEq2 = T >= eq2;
  return {
    computeFlopsPerSec: C,
    bandwidthBytesPerSec: BW,
    qBytesPerElement: eQ,
    kvBytesPerElement: eKv,
    missRate,
    eq1: { threshold: eq1, holds: missRate <= eq1 },
    eq2: { minNewTokens: eq2, holds: passKvByEq2 },
    eq3: { minContextTokens: eq3, holds: context >= eq3 },
    eq5: { threshold: eq5, holds: missRate <= eq5 },
    algorithm1: passKvByEq2 || missRate >= eq1 ? 'pass-kv' : 'pass-q',
    algorithm5: passKvByEq2 || missRate >= eq5 ? 'pass-kv' : 'pass-q',
  };
}
