import { contextTokensPerKvSlot, kvBytesPerTokenPerGpu, kvCacheBytesPerGpu, kvElementsPerTokenPerGpu, kvTokensPerGpu, tokensPerCpRank } from './kv-cache.js';
import { layerGroups } from './layers.js';
import { ACTIVATION_BYTES, PARTIAL_OUTPUT_BYTES, kvBytesPerElement } from './precision.js';
import { qHeadDim, vHeadDim, weightBytesPerGpu } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from './types.js';

export interface MemoryPerGpu {
  weightsBytes: number;
  kvCacheBytes: number;
  activationBytes: number;
  reserveBytes: number;
  totalBytes: number;
  capacityBytes: number;
}

export interface MemoryEstimate {
  perGpu: MemoryPerGpu;
  fits: boolean;
  /** Token slots of KV one GPU holds (per sequence, after load-balanced padding). */
  tokensPerGpu: number;
  /** Largest context (per sequence, at this batch) whose prefill fits this layout; 0 if none. */
  maxContextTokens: number;
  /** Tokens of KV one GPU can hold next to its weights and runtime reserve. */
  kvCapacityTokensPerGpu: number;
  /**
   * Tokens of one context the CP group (and DCP) holds in that capacity: per GPU times the ring's ranges and
   * the head shards (contextTokensPerKvSlot); all-gather keeps the whole context on every rank, so its
   * figure is the per-GPU one.
   */
  kvCapacityContextTokens: number;
  /** Largest batch of sequences of this context whose prefill and KV fit; 0 if none. */
  maxBatch: number;
  /** Sequences of this context whose KV fits at once beside one prefill's (or chunk's) activations. */
  maxConcurrentSequences: number;
}

/**
 * Peak transient bytes per token held on one GPU while one layer runs its
 * prefill. The residual stream and the normed input are full width on every
 * TP rank (2 x hidden). On top sits the larger of the two phases:
 * attention - the Q/K/V projections, the FP32 partial output being merged,
 * and two ring buffers (one arriving, one in use) of KV; FFN - the
 * intermediate tensors of this rank's FFN slice (gate, up and their product
 * for SwiGLU; up and its activation for GELU).
 */
export function activationBytesPerToken(model: ModelSpec, layout: Layout, precision: Precision): number {
  const parts = activationParts(model, layout, precision);
  return parts.residual + Math.max(parts.attention, parts.ffn);
}

/**
 * The three terms of activationBytesPerToken, bytes per token, each the
 * largest over the model's layer kinds. MLA at prefill expands the latent into
 * per-head K and V; a linear layer holds its Q/K/V and no ring buffers; an MoE
 * FFN holds the intermediates of a token's topK and shared experts.
 */
export function activationParts(model: ModelSpec, layout: Layout, precision: Precision) {
  const residual = 2 * model.hiddenSize * ACTIVATION_BYTES;
  const eKv = kvBytesPerElement(precision.kvDtype);
  const qh = layout.qHeadsPerGpu;
  let attention = 0;
  let ffn = 0;
  for (const g of layerGroups(model)) {
    let part: number;
    if (g.attention === 'linear') {
      const l = model.attention!.linear!;
      part = ((l.heads / layout.tp) * (2 * l.keyDim + l.valueDim) + (l.heads / layout.tp) * l.valueDim) * ACTIVATION_BYTES;
    } else {
      const cache = kvElementsPerTokenPerGpu(model, layout, g.attention);
      const qkv =
        g.attention === 'full' && model.attention?.mla
          ? (qh * (2 * qHeadDim(model) + vHeadDim(model)) + cache) * ACTIVATION_BYTES
          : (qh + 2 * layout.kvHeadsPerGpu) * model.headDim * ACTIVATION_BYTES;
      const partialOutput = qh * (vHeadDim(model) + 1) * PARTIAL_OUTPUT_BYTES;
      const ringBuffers = 2 * cache * eKv;
      part = qkv + partialOutput + ringBuffers;
    }
    attention = Math.max(attention, part);
    const moe = g.moe ? model.moe : null;
    const width = moe ? moe.topK * moe.expertFfnSize + moe.sharedExperts * moe.sharedFfnSize : model.ffnSize;
    // Fused MoE kernels permute each token's input into expert order: topK copies of the hidden state.
    const dispatched = moe ? moe.topK * model.hiddenSize : 0;
    ffn = Math.max(ffn, (model.ffnMatrices * (width / layout.tp) + dispatched) * ACTIVATION_BYTES);
  }
  return { residual, attention, ffn };
}

/** Memory of one GPU after prefilling `workload` (the largest per-GPU footprint of the run). */
export function memoryPerGpu(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): MemoryEstimate {
  const parts = memoryParts(model, cluster, layout, precision, workload);
  // KV capacity next to the weights and the runtime's share (under a weights-and-KV fraction: the fraction's pool,
  // less what activations take beyond the rest of HBM).
  const free = parts.capacityBytes - parts.weightsBytes - parts.reserveBytes - (cluster.engine.memoryFractionCovers === 'all' ? 0 : parts.activationBytes);
  const fitsAt = fitsAtFor(model, cluster, layout, precision);
  const kvCapacityTokensPerGpu = kvCapacityTokens(free, kvBytesPerTokenPerGpu(model, layout, precision.kvDtype));
  return {
    perGpu: parts,
    fits: parts.totalBytes <= parts.capacityBytes,
    tokensPerGpu: kvTokensPerGpu(workload.contextTokens, layout),
    maxContextTokens: maxContextThatFits(model, cluster, layout, precision, workload.batch, workload.prefillChunkTokens ?? null),
    kvCapacityTokensPerGpu,
    kvCapacityContextTokens: kvCapacityTokensPerGpu * contextTokensPerKvSlot(layout),
    maxBatch: largestFitting((batch) => fitsAt({ ...workload, batch })),
    maxConcurrentSequences: maxConcurrentSequences(model, cluster, layout, precision, workload),
  };
}

export function memoryParts(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): MemoryPerGpu {
  const weightsBytes = weightBytesPerGpu(model, layout, precision.weights);
  const newTokensPerGpu = activationTokensPerGpu(workload, layout);
  const kvCacheBytes = workload.batch * kvCacheBytesPerGpu(model, layout, precision.kvDtype, workload.contextTokens);
  const activationBytes = workload.batch * newTokensPerGpu * activationBytesPerToken(model, layout, precision);
  const reserveBytes = reserveBytesFor(cluster, activationBytes);
  const totalBytes = weightsBytes + kvCacheBytes + activationBytes + reserveBytes;
  return { weightsBytes, kvCacheBytes, activationBytes, reserveBytes, totalBytes, capacityBytes: usableHbmBytes(cluster) };
}

/** New tokens whose activations one GPU holds at once: its CP share of the prompt, or of one prefill chunk. */
export function activationTokensPerGpu(workload: Workload, layout: Layout): number {
  const newTokens = workload.contextTokens - workload.cachedTokens;
  const chunk = workload.prefillChunkTokens ?? null;
  return tokensPerCpRank(chunk === null ? newTokens : Math.min(newTokens, Math.max(chunk, layout.cp)), layout.cp);
}

/**
 * Sequences of this context whose KV one GPU's share holds at once, next to the weights, the runtime reserve
 * and the activations of one prefill (one chunk with chunked prefill): what continuous batching can keep
 * running. 0 if not one fits.
 */
export function maxConcurrentSequences(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): number {
  const one = memoryParts(model, cluster, layout, precision, { ...workload, batch: 1 });
  const free = one.capacityBytes - one.weightsBytes - one.reserveBytes - one.activationBytes;
  if (one.kvCacheBytes <= 0) return 0;
  return Math.max(0, Math.floor(free / one.kvCacheBytes));
}

/**
 * The HBM the memory total is held against: the GPU's capacity times the engine's memory-utilisation setting
 * when that bounds everything the engine allocates; the whole HBM when it bounds weights and KV only (SGLang),
 * whose rest is then reserved (reserveBytesFor).
 */
export function usableHbmBytes(cluster: ClusterSpec): number {
  const e = cluster.engine;
  return e.memoryFractionCovers === 'all' ? cluster.gpu.hbmBytes * e.gpuMemoryUtilization : cluster.gpu.hbmBytes;
}

/**
 * HBM held outside weights, KV and activations. Under a weights-and-KV fraction (SGLang), the rest of HBM,
 * (1 - fraction) x HBM, is kept for activations and the runtime: what activations leave of it, at least the
 * engine's own reserve. The total then fits when weights + KV fit in the fraction; when activations outgrow
 * the rest, it fits only as the engine would with a lower fraction.
 */
export function reserveBytesFor(cluster: ClusterSpec, activationBytes: number): number {
  const e = cluster.engine;
  if (e.memoryFractionCovers === 'all') return e.runtimeReserveBytes;
  return Math.max(e.runtimeReserveBytes, cluster.gpu.hbmBytes * (1 - e.gpuMemoryUtilization) - activationBytes);
}

/**
 * Tokens of growing KV (full-attention layers) that fit in `freeBytes`. The
 * bounded layers' windows and linear layers' states are per sequence and small,
 * so they are not in this per-token figure (they are in the memory total).
 */
function kvCapacityTokens(freeBytes: number, bytesPerToken: number): number {
  if (bytesPerToken <= 0) return 0;
  return Math.max(0, Math.floor(freeBytes / bytesPerToken));
}

/**
 * A memory test for many workloads of one layout (the bisections below):
 * the same sum as memoryParts, with the parts that do not depend on the
 * workload (weights, reserve, activation bytes per token) computed once.
 */
function fitsAtFor(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision): (workload: Workload) => boolean {
  const weights = weightBytesPerGpu(model, layout, precision.weights);
  const activationPerToken = activationBytesPerToken(model, layout, precision);
  return (workload) => {
    const newTokensPerGpu = activationTokensPerGpu(workload, layout);
    const kv = workload.batch * kvCacheBytesPerGpu(model, layout, precision.kvDtype, workload.contextTokens);
    // Summed in memoryParts' order, so that both agree to the last bit at the boundary.
    const activations = workload.batch * newTokensPerGpu * activationPerToken;
    return weights + kv + activations + reserveBytesFor(cluster, activations) <= usableHbmBytes(cluster);
  };
}

/** Largest full-prefill context that fits at `batch`; memory grows monotonically with context. */
export function maxContextThatFits(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  batch: number,
  prefillChunkTokens: number | null = null,
): number {
  const fitsAt = fitsAtFor(model, cluster, layout, precision);
  return largestFitting((contextTokens) => fitsAt({ contextTokens, cachedTokens: 0, batch, prefillChunkTokens }));
}

/** The largest positive integer x with fits(x), for a monotone predicate; 0 if fits(1) is false. */
function largestFitting(fits: (x: number) => boolean): number {
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (fits(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > Number.MAX_SAFE_INTEGER) return lo;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
