import { collective } from '../hardware/collectives.js';
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
  return {
    attentionSec: compute + expandSec,
    exposedSec: collective('all-to-all', qkv, layout.groups.cp, cluster).sec + collective('all-to-all', out, layout.groups.cp, cluster).sec,
  };
}
