import { collective, sendRecv, type CollectiveCost } from '../hardware/collectives.js';
import { singleDomainGroup } from '../hardware/topology.js';
import { attentionFlopsPerSec, hbmBytesPerSec } from '../hardware/kernels.js';
import { kvElementsPerTokenPerGpu, tokensPerCpRank } from '../kv-cache.js';
import { attentionPairs } from '../layers.js';
import { ACTIVATION_BYTES, kvBytesPerElement } from '../precision.js';
import { attentionFlopsPerPair, qHeadDim, vHeadDim } from '../shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from '../types.js';

/** The ring part of hierarchical CP (across NVLink domains), per layer, as prefill.ts's RingTiming for pass-KV. */
export interface StyleRing {
  /** Ring steps r: the NVLink domains. */
  steps: number;
  /** One step's attention (this domain's tokens against one domain's KV), plus the merge and MLA expansion. */
  stepComputeSec: number;
  stepSendRecvSec: number;
  /** One rank's KV shard: ⌈P/N⌉ + 2⌈T/2N⌉ tokens. */
  messageBytes: number;
  /** (r−1)·max(0, SendRecv − step compute). */
  exposedSec: number;
  /** The step's SendRecv as NCCL runs it (protocol, latency). */
  sendRecv: CollectiveCost;
}

/** One full-attention layer of prefill under a CP style other than the ring (the --explain terms read these). */
export interface StyleLayerCost {
  attentionSec: number;
  /** Log-sum-exp merges of the ring part's partial outputs (hierarchical across domains; 0 otherwise). */
  mergeSec: number;
  /** Communication not hidden under compute: the all-gather, the All2Alls, the ring part's exposed SendRecvs. */
  exposedSec: number;
  /** all-gather: bytes one rank gathers (B·T·KV elements per token per GPU·e) and the collective's time. */
  allGatherBytes: number;
  allGatherSec: number;
  /** Ulysses (hierarchical: inside a domain): bytes of this rank's Q, K, V sent, of its output returned, and both All2Alls' time. */
  qkvBytes: number;
  outBytes: number;
  allToAllSec: number;
  /** Hierarchical with more than one domain: its ring across domains. */
  ring: StyleRing | null;
}

/**
 * One full-attention layer of prefill under all-gather or Ulysses CP (the ring is prefill.ts's): one attention
 * kernel per layer over the whole context (the zigzag shards keep the causal work even over the ranks), after
 * communication that nothing overlaps.
 *
 * - all-gather (vLLM and SGLang prefill CP): every rank gathers the new tokens' K and V of this layer from
 *   the others (the cached prefix is already whole on every rank): B·T·(KV elements per token per GPU)·e bytes.
 * - Ulysses (DeepSpeed): Q, K and V of this rank's tokens go to the ranks owning their heads (an All2All),
 *   and the output comes back (another); each rank attends over the whole context with 1/N of the heads.
 * - hierarchical (Megatron a2a+p2p, USP): Ulysses inside an NVLink domain, a ring pass-KV across domains that
 *   pays what the ring pays (its steps' merges, its SendRecvs beyond the steps' compute): with one CP rank per
 *   domain it is the ring's pass-KV exactly.
 *
 * `expandSec` is MLA's latent expansion of one shard (all-gather expands every gathered shard);
 * `mergeBytes` the bytes the ring's merge of one step's partial output moves (prefill.ts). Pure.
 */
export function gatheredAttentionLayer(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  expandSec: number,
  mergeBytes: number,
): StyleLayerCost {
  const n = layout.cp;
  const b = workload.batch;
  const p = workload.cachedTokens;
  const t = workload.contextTokens - p;
  const newPerRank = tokensPerCpRank(t, n);
  const tokens = b * newPerRank;
  const headShare = layout.qHeadsPerGpu / model.attentionHeads;
  const pairsPerRank = (b * attentionPairs(model, 'full', t, p)) / n;
  const e = kvBytesPerElement(precision.kvDtype);
  const kvWidth = kvElementsPerTokenPerGpu(model, layout, 'full');
  const none = { mergeSec: 0, allGatherBytes: 0, allGatherSec: 0, qkvBytes: 0, outBytes: 0, allToAllSec: 0, ring: null };
  const wholeRate = () => attentionFlopsPerSec(cluster, precision.attentionDtype ?? 'bf16', newPerRank, p + t);
  if (layout.cpStyle === 'all-gather') {
    const compute = (pairsPerRank * attentionFlopsPerPair(model) * headShare) / wholeRate();
    const allGatherBytes = b * t * kvWidth * e;
    const allGatherSec = collective('all-gather', allGatherBytes, layout.groups.cp, cluster).sec;
    return { ...none, attentionSec: compute + n * expandSec, exposedSec: allGatherSec, allGatherBytes, allGatherSec };
  }
  const qkvBytes = tokens * (layout.qHeadsPerGpu * qHeadDim(model) * ACTIVATION_BYTES + kvWidth * e);
  const outBytes = tokens * layout.qHeadsPerGpu * vHeadDim(model) * ACTIVATION_BYTES;
  if (layout.cpStyle === 'hierarchical') {
    // Ulysses over the u CP ranks of one NVLink domain (two All2Alls there), then a ring pass-KV over the r
    // domains: each of r steps attends the domain's tokens (u shards, 1/u of the heads) against one domain's KV
    // (⌈P/r⌉ cached and u shards' new tokens: the ring's block at u = 1), merges its partial output, and sends one
    // rank's KV shard (u shards' tokens at 1/u of the width) to the next domain, hidden under the step when shorter.
    const u = layout.groups.cp.perDomain;
    const r = n / u;
    const inDomain = singleDomainGroup(u);
    const allToAllSec = u > 1 ? collective('all-to-all', qkvBytes, inDomain, cluster).sec + collective('all-to-all', outBytes, inDomain, cluster).sec : 0;
    const stepRate = attentionFlopsPerSec(cluster, precision.attentionDtype ?? 'bf16', u * newPerRank, Math.ceil(p / r) + u * newPerRank);
    const stepSec = (pairsPerRank * attentionFlopsPerPair(model) * headShare) / r / stepRate;
    const mergeSec = r > 1 ? ((r - 1) * mergeBytes) / hbmBytesPerSec(cluster) : 0;
    let ring: StyleRing | null = null;
    if (r > 1) {
      const messageBytes = b * (Math.ceil(p / n) + newPerRank) * kvWidth * e;
      const step = sendRecv(messageBytes, 'net', cluster);
      const stepSendRecvSec = step.sec;
      const stepComputeSec = stepSec + mergeSec / (r - 1) + expandSec;
      ring = { steps: r, stepComputeSec, stepSendRecvSec, messageBytes, exposedSec: (r - 1) * Math.max(0, stepSendRecvSec - stepComputeSec), sendRecv: step };
    }
    return {
      ...none,
      attentionSec: r * stepSec + r * expandSec,
      mergeSec,
      exposedSec: allToAllSec + (ring?.exposedSec ?? 0),
      qkvBytes,
      outBytes,
      allToAllSec,
      ring,
    };
  }
  const compute = (pairsPerRank * attentionFlopsPerPair(model) * headShare) / wholeRate();
  const allToAllSec = collective('all-to-all', qkvBytes, layout.groups.cp, cluster).sec + collective('all-to-all', outBytes, layout.groups.cp, cluster).sec;
  return { ...none, attentionSec: compute + expandSec, exposedSec: allToAllSec, qkvBytes, outBytes, allToAllSec };
}
