import { kvBytesPerTokenPerGpu, tokensPerCpRank } from './kv-cache.js';
import { ACTIVATION_BYTES, PARTIAL_OUTPUT_BYTES, kvBytesPerElement } from './precision.js';
import { weightBytesPerGpu } from './shapes.js';
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
  const residual = 2 * model.hiddenSize * ACTIVATION_BYTES;
  const qkv = (layout.qHeadsPerGpu + 2 * layout.kvHeadsPerGpu) * model.headDim * ACTIVATION_BYTES;
  const partialOutput = layout.qHeadsPerGpu * (model.headDim + 1) * PARTIAL_OUTPUT_BYTES;
  const ringBuffers = 2 * 2 * layout.kvHeadsPerGpu * model.headDim * kvBytesPerElement(precision.kvDtype);
  const attention = qkv + partialOutput + ringBuffers;
  const ffn = model.ffnMatrices * (model.ffnSize / layout.tp) * ACTIVATION_BYTES;
  return residual + Math.max(attention, ffn);
}

/** Memory of one GPU after prefilling `workload` (the largest per-GPU footprint of the run). */
export function memoryPerGpu(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
): MemoryEstimate {
  const weightsBytes = weightBytesPerGpu(model, layout, precision.weights);
  const reserveBytes = cluster.runtimeReserveBytes;
  const capacityBytes = cluster.gpu.hbmBytes;
  const tokensPerGpu = tokensPerCpRank(workload.contextTokens, layout.cp);
  const newTokensPerGpu = tokensPerCpRank(workload.contextTokens - workload.cachedTokens, layout.cp);
  const kvCacheBytes = workload.batch * tokensPerGpu * kvBytesPerTokenPerGpu(model, layout, precision.kvDtype);
  const activationBytes = workload.batch * newTokensPerGpu * activationBytesPerToken(model, layout, precision);
  const totalBytes = weightsBytes + kvCacheBytes + activationBytes + reserveBytes;
  return {
    perGpu: { weightsBytes, kvCacheBytes, activationBytes, reserveBytes, totalBytes, capacityBytes },
    fits: totalBytes <= capacityBytes,
    tokensPerGpu,
    maxContextTokens: maxContextThatFits(model, cluster, layout, precision, workload.batch),
  };
}

/**
 * Largest full-prefill context that fits: memory grows linearly with the
 * token slots per GPU (KV + activations), so solve for the slots and map them
 * back to tokens through the 2N-chunk sharding.
 */
export function maxContextThatFits(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  batch: number,
): number {
  const fixed = weightBytesPerGpu(model, layout, precision.weights) + cluster.runtimeReserveBytes;
  const free = cluster.gpu.hbmBytes - fixed;
  const perSlot =
    batch * (kvBytesPerTokenPerGpu(model, layout, precision.kvDtype) + activationBytesPerToken(model, layout, precision));
  if (free <= 0) return 0;
  const slots = Math.floor(free / perSlot);
  if (layout.cp <= 1) return slots;
  // Slots come in pairs of chunks: ceil(T / 2N) <= floor(slots / 2)  <=>  T <= 2N * floor(slots / 2).
  return 2 * layout.cp * Math.floor(slots / 2);
}

