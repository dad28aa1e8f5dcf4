import { peakFlopsPerSec } from './hardware/kernels.js';
import type { ComputeDtype, GpuSpec, KvDtype, WeightRecipe } from './types.js';

/**
 * Storage formats of weights and their bytes per element, block scales
 * included:
 * - nvfp4: 4-bit E2M1 values with one FP8 (E4M3) scale per 16 (NVIDIA's NVFP4): 0.5 + 1/16 B;
 * - mxfp4: 4-bit E2M1 with one E8M0 scale per 32 (OCP MX): 0.5 + 1/32 B;
 * - int4: 4-bit integers with one BF16 scale per group of 128 (GPTQ/AWQ-style W4A16): 0.5 + 2/128 B.
 */
export const BYTES_PER_ELEMENT = { bf16: 2, fp8: 1, nvfp4: 0.5 + 1 / 16, mxfp4: 0.5 + 1 / 32, int4: 0.5 + 2 / 128 } as const;

/** Activations, residual stream and TP AllReduce payloads are BF16. */
export const ACTIVATION_BYTES = BYTES_PER_ELEMENT.bf16;

/**
 * Partial attention outputs and their log-sum-exp are kept in FP32 while ring
 * steps are merged (Appendix B of the paper; xformers merge_attentions).
 */
export const PARTIAL_OUTPUT_BYTES = 4;

/** A storage format of weights. */
export type Dtype = keyof typeof BYTES_PER_ELEMENT;

/** Storage dtype of each weight group under a recipe. */
export interface WeightDtypes {
  /** Q, K, V and O projections. */
  attention: Dtype;
  ffn: Dtype;
  /** Embedding table and LM head are kept in BF16 by every recipe. */
  embedding: Dtype;
}

/**
 * What each recipe quantises. nvfp4 and int4 quantise every linear layer of
 * the blocks (NVIDIA ModelOpt NVFP4 checkpoints, GPTQ/AWQ); mxfp4 only the
 * FFN and experts, as gpt-oss ships (attention in BF16).
 */
export function weightDtypes(recipe: WeightRecipe): WeightDtypes {
  switch (recipe) {
    case 'bf16':
      return { attention: 'bf16', ffn: 'bf16', embedding: 'bf16' };
    case 'fp8':
      return { attention: 'fp8', ffn: 'fp8', embedding: 'bf16' };
    case 'fp8-ffn':
      return { attention: 'bf16', ffn: 'fp8', embedding: 'bf16' };
    case 'nvfp4':
      return { attention: 'nvfp4', ffn: 'nvfp4', embedding: 'bf16' };
    case 'mxfp4':
      return { attention: 'bf16', ffn: 'mxfp4', embedding: 'bf16' };
    case 'int4':
      return { attention: 'int4', ffn: 'int4', embedding: 'bf16' };
  }
}

export function kvBytesPerElement(kvDtype: KvDtype): number {
  return BYTES_PER_ELEMENT[kvDtype];
}

/**
 * The tensor-core dtype a GEMM on weights stored in `dtype` computes in on
 * this GPU. FP4 formats run on FP4 tensor cores where the GPU has them
 * (Blackwell: NVFP4 and MXFP4 GEMMs); elsewhere, like INT4 everywhere, the
 * weights are dequantised in the kernel and multiplied in BF16 (W4A16, e.g.
 * Marlin): they save memory and weight reads, not math. FP8 without FP8
 * tensor cores runs the same way at the BF16 rate.
 */
export function computeDtype(gpu: GpuSpec, dtype: Dtype): ComputeDtype {
  if ((dtype === 'nvfp4' || dtype === 'mxfp4') && gpu.fp4FlopsPerSec !== null) return 'fp4';
  if (dtype === 'fp8' && gpu.fp8FlopsPerSec !== null) return 'fp8';
  return 'bf16';
}

/** Dense peak FLOP/s of a GEMM whose weights are stored in `dtype`, in the dtype it computes in. */
export function gemmPeakFlopsPerSec(gpu: GpuSpec, dtype: Dtype): number {
  return peakFlopsPerSec(gpu, computeDtype(gpu, dtype)) ?? gpu.bf16FlopsPerSec;
}
