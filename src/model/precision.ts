import type { ClusterSpec, KvDtype, WeightRecipe } from './types.js';

/** Bytes per element of the two storage types cp-plan models. */
export const BYTES_PER_ELEMENT = { bf16: 2, fp8: 1 } as const;

/** Activations, residual stream and TP AllReduce payloads are BF16. */
export const ACTIVATION_BYTES = BYTES_PER_ELEMENT.bf16;

/**
 * Partial attention outputs and their log-sum-exp are kept in FP32 while ring
 * steps are merged (Appendix B of the paper; xformers merge_attentions).
 */
export const PARTIAL_OUTPUT_BYTES = 4;

export type Dtype = keyof typeof BYTES_PER_ELEMENT;

/** Storage and GEMM dtype of each weight group under a recipe. */
export interface WeightDtypes {
  /** Q, K, V and O projections. */
  attention: Dtype;
  ffn: Dtype;
  /** Embedding table and LM head are kept in BF16 by every recipe. */
  embedding: Dtype;
}

export function weightDtypes(recipe: WeightRecipe): WeightDtypes {
  switch (recipe) {
    case 'bf16':
      return { attention: 'bf16', ffn: 'bf16', embedding: 'bf16' };
    case 'fp8':
      return { attention: 'fp8', ffn: 'fp8', embedding: 'bf16' };
    case 'fp8-ffn':
      return { attention: 'bf16', ffn: 'fp8', embedding: 'bf16' };
  }
}

export function kvBytesPerElement(kvDtype: KvDtype): number {
  return BYTES_PER_ELEMENT[kvDtype];
}

/**
 * Dense peak FLOP/s of a GEMM whose weights are stored in `dtype`. Without FP8
 * tensor cores, FP8 weights are dequantised and multiplied at the BF16 rate
 * (weight-only quantisation): they save memory, not time.
 */
export function gemmPeakFlopsPerSec(cluster: ClusterSpec, dtype: Dtype): number {
  if (dtype === 'fp8' && cluster.gpu.fp8FlopsPerSec !== null) return cluster.gpu.fp8FlopsPerSec;
  return cluster.gpu.bf16FlopsPerSec;
}
