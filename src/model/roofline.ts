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
 * in, each GEMM call paying the table's fixed cost. An MoE FFN computes its
 * topK routed experts per token as one grouped GEMM at the tokens each touched
 * expert receives, reading only the experts the tokens touch; its shared
 * experts and router are ordinary GEMMs over all the tokens.
 */
export function layerGemmSec(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, tokens: number, group: LayerGroup): number {
  const dt = weightDtypes(precision.weights);
  const gpu = cluster.gpu;
  const a = attentionParamsPerGpu(model, layout, group.attention);
  const attentionCalls = attentionGemmCalls(model, group);
  const attentionWeights = a.qo + a.kv;
  const attention = gemmSec(
    2 * attentionWeights * tokens,
    attentionWeights * BYTES_PER_ELEMENT[dt.attention],
    tokens,
    computeDtype(gpu, dt.attention),
    cluster,
    attentionWeights / attentionCalls,
    attentionCalls,
  );
  const ffnDtype = computeDtype(gpu, dt.ffn);
  const ffnBytes = BYTES_PER_ELEMENT[dt.ffn];
  if (!group.moe || !model.moe) {
    // Gate-up (fused) and down: two calls, each half the FFN's weights.
    const p = ffnParamsPerGpu(model, layout, false);
    return attention + gemmSec(2 * p * tokens, p * ffnBytes, tokens, ffnDtype, cluster, p / 2, 2);
  }
  const moe = model.moe;
  const f = ffnParams(model, true);
  // Routed FLOPs per GPU are the same with or without EP: the group's routed tokens spread over its GPUs.
  const routedFlops = 2 * tokens * ((moe.topK * f.expert) / layout.tp);
  let read: number;
  let touched: number;
  let routed: number;
  if (layout.ep > 1) {
    // This GPU's experts / EP experts, touched by the tokens of the EP group's ep / tp TP groups.
    routed = (tokens * layout.ep) / layout.tp;
    touched = expertsTouched(moe.experts, moe.topK, routed);
    read = (touched / layout.ep) * f.expert;
  } else {
    routed = tokens;
    touched = expertsTouched(moe.experts, moe.topK, tokens);
    read = (touched * f.expert) / layout.tp;
  }
  // A grouped expert GEMM multiplies each touched expert by the tokens routed to it: that M sets its efficiency.
  const perExpertM = touched > 0 ? (routed * moe.topK) / touched : tokens;
  // One expert's GEMMs on this GPU: whole experts under EP, TP shards of them otherwise.
  const expertWeights = (layout.ep > 1 ? f.expert : f.expert / layout.tp) / 2;
  const experts = gemmSec(routedFlops, read * ffnBytes, perExpertM, ffnDtype, cluster, expertWeights, 2);
  // Shared experts, sliced over TP, see every token; the router (replicated, BF16) scores every token.
  const shared = f.shared / layout.tp;
  const sharedSec = shared > 0 ? gemmSec(2 * tokens * shared, shared * ffnBytes, tokens, ffnDtype, cluster, shared / 2, 2) : 0;
  const routerSec = gemmSec(2 * tokens * f.router, f.router * BYTES_PER_ELEMENT.bf16, tokens, 'bf16', cluster, f.router);
  return attention + experts + sharedSec + routerSec;
}

/** GEMM calls of one layer's attention: QKV (fused) and O; MLA's down and up projections of Q and KV, and O. */
export function attentionGemmCalls(model: ModelSpec, group: LayerGroup): number {
  const mla = model.attention?.mla;
  if (group.attention === 'full' && mla) return mla.qLoraRank === null ? 4 : 5;
  return 2;
}
