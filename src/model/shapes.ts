import { layerGroups, usesMla, type LayerGroup } from './layers.js';
import { BYTES_PER_ELEMENT, weightDtypes } from './precision.js';
import type { AttentionKind, Layout, ModelSpec, WeightRecipe } from './types.js';

/**
 * Parameter counts and per-token GEMM FLOPs of one transformer layer, whole
 * (all heads) or as held by one GPU of a layout. A GEMM costs 2 FLOPs per
 * parameter per token (one multiply, one add).
 */
export interface LayerParams {
  /** Q and O projections (and a linear layer's output gate). */
  qo: number;
  /** K and V projections (MLA: the latent's down- and up-projections). */
  kv: number;
  /** The FFN: every expert of an MoE layer (what is stored). */
  ffn: number;
  /** RMSNorm weights (two per layer). */
  norms: number;
}

/** The attention projections of one layer of this kind, all heads. */
export function attentionParams(model: ModelSpec, kind: AttentionKind): { qo: number; kv: number } {
  const d = model.hiddenSize;
  const h = model.attentionHeads;
  const mla = model.attention?.mla;
  const linear = model.attention?.linear;
  if (kind === 'linear' && linear) {
    const inner = linear.heads * linear.valueDim;
    const qo = d * linear.heads * linear.keyDim + inner * d + (linear.outputGate ? d * inner : 0);
    return { qo, kv: d * linear.heads * (linear.keyDim + linear.valueDim) };
  }
  if (kind === 'full' && mla) {
    const qk = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
    const q = mla.qLoraRank === null ? d * h * qk : d * mla.qLoraRank + mla.qLoraRank * h * qk;
    const down = d * (mla.kvLoraRank + mla.qkRopeHeadDim);
    const up = mla.kvLoraRank * h * (mla.qkNopeHeadDim + mla.vHeadDim);
    return { qo: q + h * mla.vHeadDim * d, kv: down + up };
  }
  return { qo: 2 * d * h * model.headDim, kv: 2 * d * model.kvHeads * model.headDim };
}

/**
 * What one GPU holds of a layer's attention projections: heads split over TP.
 * GQA replicates K/V heads when TP exceeds them; MLA replicates its (small)
 * down-projections on every TP rank, whose heads all read the same latent.
 */
export function attentionParamsPerGpu(model: ModelSpec, layout: Layout, kind: AttentionKind): { qo: number; kv: number } {
  const whole = attentionParams(model, kind);
  const d = model.hiddenSize;
  const mla = model.attention?.mla;
  if (kind === 'linear' && model.attention?.linear) return { qo: whole.qo / layout.tp, kv: whole.kv / layout.tp };
  if (kind === 'full' && mla) {
    const qDown = mla.qLoraRank === null ? 0 : d * mla.qLoraRank;
    const kvDown = d * (mla.kvLoraRank + mla.qkRopeHeadDim);
    return { qo: qDown + (whole.qo - qDown) / layout.tp, kv: kvDown + (whole.kv - kvDown) / layout.tp };
  }
  return { qo: whole.qo / layout.tp, kv: 2 * d * layout.kvHeadsPerGpu * model.headDim };
}

/** The FFN of one layer: what is stored (total) and what one token runs (active). */
export interface FfnParams {
  total: number;
  active: number;
  /** MoE only: one routed expert, the shared experts together, and the router. */
  expert: number;
  shared: number;
  router: number;
}

export function ffnParams(model: ModelSpec, moe: boolean): FfnParams {
  const d = model.hiddenSize;
  const m = model.ffnMatrices;
  const spec = model.moe;
  if (!moe || !spec) {
    const dense = m * d * model.ffnSize;
    return { total: dense, active: dense, expert: 0, shared: 0, router: 0 };
  }
  const expert = m * d * spec.expertFfnSize;
  const shared = spec.sharedExperts * m * d * spec.sharedFfnSize;
  const router = d * spec.experts;
  return { total: spec.experts * expert + shared + router, active: spec.topK * expert + shared + router, expert, shared, router };
}

/**
 * FFN weights one GPU holds. Without EP every expert is sliced over TP; with
 * EP each GPU holds experts / EP whole routed experts, and the shared experts
 * stay sliced over TP. The router is small and replicated.
 */
export function ffnParamsPerGpu(model: ModelSpec, layout: Layout, moe: boolean): number {
  const f = ffnParams(model, moe);
  if (!moe || !model.moe) return f.total / layout.tp;
  const routed = model.moe.experts * f.expert;
  return (layout.ep > 1 ? routed / layout.ep : routed / layout.tp) + f.shared / layout.tp + f.router;
}

/** One layer of a group, whole. */
export function layerParams(model: ModelSpec, group: LayerGroup = { attention: 'full', moe: false, count: model.layers }): LayerParams {
  const attention = attentionParams(model, group.attention);
  return { ...attention, ffn: ffnParams(model, group.moe).total, norms: 2 * model.hiddenSize };
}

/** Embedding table plus the (untied) LM head. */
export function embeddingParams(model: ModelSpec): number {
  const table = model.vocabSize * model.hiddenSize;
  return model.tiedEmbeddings ? table : 2 * table;
}

/** All parameters of the model (embeddings, layers, final norm): what weight memory holds. */
export function totalParams(model: ModelSpec): number {
  let layers = 0;
  for (const g of layerGroups(model)) {
    const p = layerParams(model, g);
    layers += g.count * (p.qo + p.kv + p.ffn + p.norms);
  }
  return layers + embeddingParams(model) + model.hiddenSize;
}

/** Parameters one token runs through: an MoE layer's topK and shared experts, not all of them. */
export function activeParams(model: ModelSpec): number {
  let layers = 0;
  for (const g of layerGroups(model)) {
    const a = attentionParams(model, g.attention);
    layers += g.count * (a.qo + a.kv + ffnParams(model, g.moe).active + 2 * model.hiddenSize);
  }
  return layers + embeddingParams(model) + model.hiddenSize;
}

/** Weight bytes of one layer of a group held by one GPU. */
export function layerWeightBytesPerGpu(model: ModelSpec, layout: Layout, recipe: WeightRecipe, group: LayerGroup): number {
  const dt = weightDtypes(recipe);
  const a = attentionParamsPerGpu(model, layout, group.attention);
  return (
    (a.qo + a.kv) * BYTES_PER_ELEMENT[dt.attention] +
    ffnParamsPerGpu(model, layout, group.moe) * BYTES_PER_ELEMENT[dt.ffn] +
    2 * model.hiddenSize * BYTES_PER_ELEMENT.bf16
  );
}

/** Weight bytes held by one GPU under a precision recipe (TP shards, EP spreads experts, CP replicates). */
export function weightBytesPerGpu(model: ModelSpec, layout: Layout, recipe: WeightRecipe): number {
  const dt = weightDtypes(recipe);
  let layers = 0;
  for (const g of layerGroups(model)) layers += g.count * layerWeightBytesPerGpu(model, layout, recipe, g);
  // Vocabulary-parallel embedding and LM head: each TP rank holds vocab/TP rows.
  const embedding = (embeddingParams(model) / layout.tp) * BYTES_PER_ELEMENT[dt.embedding];
  const finalNorm = model.hiddenSize * BYTES_PER_ELEMENT.bf16;
  return layers + embedding + finalNorm;
}

/** Weight bytes of the whole model, stored once. */
export function weightBytesTotal(model: ModelSpec, recipe: WeightRecipe): number {
  const dt = weightDtypes(recipe);
  let layers = 0;
  for (const g of layerGroups(model)) {
    const p = layerParams(model, g);
    layers += g.count * ((p.qo + p.kv) * BYTES_PER_ELEMENT[dt.attention] + p.ffn * BYTES_PER_ELEMENT[dt.ffn] + p.norms * BYTES_PER_ELEMENT.bf16);
  }
  return layers + embeddingParams(model) * BYTES_PER_ELEMENT[dt.embedding] + model.hiddenSize * BYTES_PER_ELEMENT.bf16;
}

/**
 * Attention FLOPs per (query, key) pair of a softmax layer, all heads: the
 * score QK^T (2 x the QK width) and the weighted sum of V (2 x the V width)
 * per head. GQA: 4 x head_dim x heads. MLA at prefill runs as ordinary
 * attention with Q/K width nope + rope and V width vHeadDim; at decode the
 * up-projections are absorbed and each head scores the cached latent
 * (kvLoraRank + rope) and sums it (kvLoraRank).
 */
export function attentionFlopsPerPair(model: ModelSpec, phase: 'prefill' | 'decode' = 'prefill', kind: AttentionKind = 'full'): number {
  const h = model.attentionHeads;
  // MLA is only ever on full layers (the schema refuses it with windowed ones); windowed layers are GQA.
  const mla = kind === 'full' ? model.attention?.mla : undefined;
  if (!mla) return 4 * model.headDim * h;
  if (phase === 'decode') return 2 * h * (2 * mla.kvLoraRank + mla.qkRopeHeadDim);
  return 2 * h * (mla.qkNopeHeadDim + mla.qkRopeHeadDim + mla.vHeadDim);
}

/** Width per head of a softmax layer's Q (what pass-Q sends) and of its output (what comes back). */
export function qHeadDim(model: ModelSpec): number {
  const mla = model.attention?.mla;
  return mla ? mla.qkNopeHeadDim + mla.qkRopeHeadDim : model.headDim;
}

export function vHeadDim(model: ModelSpec): number {
  return model.attention?.mla?.vHeadDim ?? model.headDim;
}

/**
 * FLOPs per token of one linear-attention layer, all heads: per head, the
 * state update (k^T v, 2 dk dv) and its read (q S, 2 dk dv), plus the causal
 * half of the quadratic attention inside each block of B tokens
 * ((dk + dv) B), as lightning attention computes it.
 */
export function linearAttentionFlopsPerToken(model: ModelSpec): number {
  const l = model.attention?.linear;
  if (!l) return 0;
  return l.heads * (4 * l.keyDim * l.valueDim + (l.keyDim + l.valueDim) * l.blockTokens);
}

/**
 * (query, key) pairs a full-attention prefill of T new tokens after P cached
 * tokens computes under a causal mask: every new token sees all P cached
 * tokens and the new tokens up to and including itself.
 */
export function causalPairs(newTokens: number, cachedTokens: number): number {
  return newTokens * cachedTokens + (newTokens * (newTokens + 1)) / 2;
}

/** Whether the model's full layers are MLA (re-exported for renderers). */
export { usesMla };
