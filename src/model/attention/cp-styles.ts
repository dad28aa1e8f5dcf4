import { collective, sendRecv } from '../hardware/collectives.js';
import { singleDomainGroup } from '../hardware/topology.js';
import { attentionFlopsPerSec } from '../hardware/kernels.js';
import { kvElementsPerTokenPerGpu, tokensPerCpRank } from '../kv-cache.js';
import { attentionPairs } from '../layers.js';
import { ACTIVATION_BYTES, kvBytesPerElement } from '../precision.js';
import { attentionFlopsPerPair, qHeadDim, vHeadDim } from '../shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from '../types.js';

/**
 * One full-attention layer of prefill under all-gather or Ulysses CP (the ring is prefill.ts's): one attention
 * kernel per layer over the whole context (the zigzag shards keep the causal work even over the ranks), after
 * communication that nothing overlaps.
 *
 * - all-gather (vLLM and SGLang prefill CP): every rank gathers the new tokens' K and V of this layer from
 *   the others (the cached prefix is already whole on every rank): B·T·(KV elements per token per GPU)·e bytes.
 * - Ulysses (DeepSpeed): Q, K and V of this rank's tokens go to the ranks owning their heads (an All2All),
 *   and the output comes back (another); each rank attends over the whole context with 1/N of the heads.
 * - hierarchical (Megatron a2a+p2p, USP): Ulysses inside an NVLink domain, a ring across domains.
 *
 * `expandSec` is MLA's latent expansion of one shard (all-gather expands every gathered shard). Pure.
 */
export function gatheredAttentionLayer(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  expandSec: number,
): { attentionSec: number; exposedSec: number } {
  const n = layout.cp;
  const b = workload.batch;
  const p = workload.cachedTokens;
  const t = workload.contextTokens - p;
  const tokens = b * tokensPerCpRank(t, n);
  const headShare = layout.qHeadsPerGpu / model.attentionHeads;
  const pairsPerRank = (b * attentionPairs(model, 'full', t, p)) / n;
  const rate = attentionFlopsPerSec(cluster, precision.attentionDtype ?? 'bf16', tokensPerCpRank(t, n), p + t);
  const compute = (pairsPerRank * attentionFlopsPerPair(model) * headShare) / rate;
  const e = kvBytesPerElement(precision.kvDtype);
  const kvWidth = kvElementsPerTokenPerGpu(model, layout, 'full');
  if (layout.cpStyle === 'all-gather') {
    return { attentionSec: compute + n * expandSec, exposedSec: collective('all-gather', b * t * kvWidth * e, layout.groups.cp, cluster).sec };
  }
  const qkv = tokens * (layout.qHeadsPerGpu * qHeadDim(model) * ACTIVATION_BYTES + kvWidth * e);
  const out = tokens * layout.qHeadsPerGpu * vHeadDim(model) * ACTIVATION_BYTES;
  if (layout.cpStyle === 'hierarchical') {
    // Ulysses over the u CP ranks of one NVLink domain (two All2Alls there), then a ring over the r domains:
    // each of r steps attends the domain's tokens (u shards, 1/u of the heads) against one domain's KV, and
    // sends that KV (u shards' tokens at 1/u of the width: one rank's shard) to the next domain, hidden
    // under the step's attention when it is shorter (as the ring's pass-KV).
    const u = layout.groups.cp.perDomain;
    const r = n / u;
    const inDomain = singleDomainGroup(u);
    const a2a = collective('all-to-all', qkv, inDomain, cluster).sec + collective('all-to-all', out, inDomain, cluster).sec;
    const stepRate = attentionFlopsPerSec(cluster, precision.attentionDtype ?? 'bf16', u * tokensPerCpRank(t, n), Math.ceil((p + t) / r));
    const stepSec = (pairsPerRank * attentionFlopsPerPair(model) * headShare) / r / stepRate;
    const send = r > 1 ? sendRecv(b * (Math.ceil(p / n) + tokensPerCpRank(t, n)) * kvWidth * e, 'net', cluster).sec : 0;
    return { attentionSec: r * stepSec + r * expandSec, exposedSec: a2a + (r - 1) * Math.max(0, send - stepSec) };
  }
  return {
    attentionSec: compute + expandSec,
    exposedSec: collective('all-to-all', qkv, layout.groups.cp, cluster).sec + collective('all-to-all', out, layout.groups.cp, cluster).sec,
  };
}
