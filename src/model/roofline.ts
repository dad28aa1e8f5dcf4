import { gemmSec } from './hardware/kernels.js';
import type { LayerGroup } from './layers.js';
import { BYTES_PER_ELEMENT, computeDtype, weightDtypes } from './precision.js';
import { attentionParamsPerGpu, ffnParams, ffnParamsPerGpu } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision } from './types.js';

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
  const gpu = cluster.gpu;
  const a = attentionParamsPerGpu(model, layout, group.attention);
  // Two GEMMs each (QKV fused and O; gate-up fused and down): half the group's weights is one GEMM's size.
  const attention = gemmSec(2 * (a.qo + a.kv) * tokens, (a.qo + a.kv) * BYTES_PER_ELEMENT[dt.attention], tokens, computeDtype(gpu, dt.attention), cluster, (a.qo + a.kv) / 2);
  const ffnDtype = computeDtype(gpu, dt.ffn);
  const ffnBytes = BYTES_PER_ELEMENT[dt.ffn];
  if (!group.moe || !model.moe) {
    const p = ffnParamsPerGpu(model, layout, false);
    return attention + gemmSec(2 * p * tokens, p * ffnBytes, tokens, ffnDtype, cluster, p / 2);
  }
  const moe = model.moe;
  const f = ffnParams(model, true);
  // FLOPs per GPU are the same with or without EP: the group's routed tokens spread over its GPUs.
  const flops = 2 * tokens * (f.active / layout.tp);
  let read: number;
  let touched: number;
  let routed: number;
  if (layout.ep > 1) {
    // This GPU's experts / EP experts, touched by the tokens of the EP group's ep / tp TP groups.
    routed = (tokens * layout.ep) / layout.tp;
    touched = expertsTouched(moe.experts, moe.topK, routed);
    read = (touched / layout.ep) * f.expert + f.shared / layout.tp + f.router;
  } else {
    routed = tokens;
    touched = expertsTouched(moe.experts, moe.topK, tokens);
    read = (touched * f.expert + f.shared) / layout.tp + f.router;
  }
  // A grouped expert GEMM multiplies each touched expert by the tokens routed to it: that M sets its efficiency.
  const perExpertM = touched > 0 ? (routed * moe.topK) / touched : tokens;
  // One expert's GEMMs on this GPU: whole experts under EP, TP shards of them otherwise.
  const expertWeights = (layout.ep > 1 ? f.expert : f.expert / layout.tp) / 2;
  return attention + gemmSec(flops, read * ffnBytes, perExpertM, ffnDtype, cluster, expertWeights);
}
