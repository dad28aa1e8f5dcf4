import { BYTES_PER_ELEMENT, weightDtypes } from './precision.js';
import type { Layout, ModelSpec, WeightRecipe } from './types.js';

/**
 * Parameter counts and per-token GEMM FLOPs of one transformer layer, whole
 * (all heads) or as held by one GPU of a layout. A GEMM costs 2 FLOPs per
 * parameter per token (one multiply, one add).
 */
export interface LayerParams {
  /** Q and O projections. */
  qo: number;
  /** K and V projections. */
  kv: number;
  ffn: number;
  /** RMSNorm weights (two per layer). */
  norms: number;
}

export function layerParams(model: ModelSpec): LayerParams {
  const { hiddenSize: d, attentionHeads: h, kvHeads, headDim, ffnSize, ffnMatrices } = model;
  return {
    qo: 2 * d * h * headDim,
    kv: 2 * d * kvHeads * headDim,
    ffn: ffnMatrices * d * ffnSize,
    norms: 2 * d,
  };
}

/** What one GPU holds of a layer: Q/O and FFN split over TP, K/V replicated when TP > KV heads. */
export function layerParamsPerGpu(model: ModelSpec, layout: Layout): LayerParams {
  const whole = layerParams(model);
  return {
    qo: whole.qo / layout.tp,
    kv: 2 * model.hiddenSize * layout.kvHeadsPerGpu * model.headDim,
    ffn: whole.ffn / layout.tp,
    norms: whole.norms,
  };
}

/** Embedding table plus the (untied) LM head. */
export function embeddingParams(model: ModelSpec): number {
  const table = model.vocabSize * model.hiddenSize;
  return model.tiedEmbeddings ? table : 2 * table;
}

/** All parameters of the model (embeddings, layers, final norm). */
export function totalParams(model: ModelSpec): number {
  const p = layerParams(model);
  return model.layers * (p.qo + p.kv + p.ffn + p.norms) + embeddingParams(model) + model.hiddenSize;
}

/** Weight bytes held by one GPU under a precision recipe (TP shards, CP replicates). */
export function weightBytesPerGpu(model: ModelSpec, layout: Layout, recipe: WeightRecipe): number {
  const dt = weightDtypes(recipe);
  const p = layerParamsPerGpu(model, layout);
  const perLayer =
    (p.qo + p.kv) * BYTES_PER_ELEMENT[dt.attention] +
    p.ffn * BYTES_PER_ELEMENT[dt.ffn] +
    p.norms * BYTES_PER_ELEMENT.bf16;
  // Vocabulary-parallel embedding and LM head: each TP rank holds vocab/TP rows.
  const embedding = (embeddingParams(model) / layout.tp) * BYTES_PER_ELEMENT[dt.embedding];
  const finalNorm = model.hiddenSize * BYTES_PER_ELEMENT.bf16;
  return model.layers * perLayer + embedding + finalNorm;
}

/** Weight bytes of the whole model, stored once. */
export function weightBytesTotal(model: ModelSpec, recipe: WeightRecipe): number {
  const dt = weightDtypes(recipe);
  const p = layerParams(model);
  const perLayer =
    (p.qo + p.kv) * BYTES_PER_ELEMENT[dt.attention] + p.ffn * BYTES_PER_ELEMENT[dt.ffn] + p.norms * BYTES_PER_ELEMENT.bf16;
  return model.layers * perLayer + embeddingParams(model) * BYTES_PER_ELEMENT[dt.embedding] + model.hiddenSize * BYTES_PER_ELEMENT.bf16;
}

/**
 * Attention FLOPs per (query, key) pair for the whole model width: QK^T and
 * PV are each 2 * head_dim FLOPs per head.
 */
export function attentionFlopsPerPair(model: ModelSpec): number {
  return 4 * model.headDim * model.attentionHeads;
}

/**
 * (query, key) pairs a prefill of T new tokens after P cached tokens computes
 * under a causal mask: every new token sees all P cached tokens and the new
 * tokens up to and including itself.
 */
export function causalPairs(newTokens: number, cachedTokens: number): number {
  return newTokens * cachedTokens + (newTokens * (newTokens + 1)) / 2;
}
