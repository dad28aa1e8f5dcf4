import type { LayerGroup } from './layers.js';
import { BYTES_PER_ELEMENT, gemmPeakFlopsPerSec, weightDtypes } from './precision.js';
import { attentionParamsPerGpu, ffnParams, ffnParamsPerGpu } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision } from './types.js';

/**
 * Seconds of one GEMM group on one GPU: compute-bound at high token counts,
 * bound by reading its weights from HBM at low ones (decode, short prompts).
 */
export function gemmSec(flops: number, weightBytes: number, peakFlopsPerSec: number, cluster: ClusterSpec): number {
  const compute = flops / (peakFlopsPerSec * cluster.gemmEfficiency);
  const weightRead = weightBytes / (cluster.gpu.hbmBytesPerSec * cluster.hbmEfficiency);
  return Math.max(compute, weightRead);
}

/**
 * Expected distinct experts that `tokens` tokens route to, each choosing topK
 * of `experts` (uniform routing): experts x (1 - (1 - topK/experts)^tokens).
 * At decode a batch touches few experts, so only those weights are read.
 */
export function expertsTouched(experts: number, topK: number, tokens: number): number {
  if (tokens <= 0) return 0;
  return experts * (1 - Math.pow(1 - topK / experts, tokens));
}

/**
 * One layer's GEMMs on one GPU for `tokens` tokens of its TP group: the
 * attention projections and the FFN, each in the dtype its weights are stored
 * in. An MoE FFN computes its active parameters per token (topK experts and
 * the shared ones); it reads only the experts the tokens touch.
 */
export function layerGemmSec(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, tokens: number, group: LayerGroup): number {
  const dt = weightDtypes(precision.weights);
  const a = attentionParamsPerGpu(model, layout, group.attention);
  const attention = gemmSec(
    2 * (a.qo + a.kv) * tokens,
    (a.qo + a.kv) * BYTES_PER_ELEMENT[dt.attention],
    gemmPeakFlopsPerSec(cluster, dt.attention),
    cluster,
  );
  const ffnPeak = gemmPeakFlopsPerSec(cluster, dt.ffn);
  const ffnBytes = BYTES_PER_ELEMENT[dt.ffn];
  if (!group.moe || !model.moe) {
    const p = ffnParamsPerGpu(model, layout, false);
    return attention + gemmSec(2 * p * tokens, p * ffnBytes, ffnPeak, cluster);
  }
  const moe = model.moe;
  const f = ffnParams(model, true);
  // FLOPs per GPU are the same with or without EP: the group's routed tokens spread over its GPUs.
  const flops = 2 * tokens * (f.active / layout.tp);
  let read: number;
  if (layout.ep > 1) {
    // This GPU's experts / EP experts, touched by the tokens of the EP group's ep / tp TP groups.
    const touched = expertsTouched(moe.experts, moe.topK, (tokens * layout.ep) / layout.tp) / layout.ep;
    read = touched * f.expert + f.shared / layout.tp + f.router;
  } else {
    read = (expertsTouched(moe.experts, moe.topK, tokens) * f.expert + f.shared) / layout.tp + f.router;
  }
  return attention + gemmSec(flops, read * ffnBytes, ffnPeak, cluster);
}
