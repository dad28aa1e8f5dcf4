import { z } from 'zod';

/** A point of an efficiency curve: [x, achieved fraction of the peak at x]. */
const point = z.tuple([z.number().positive(), z.number().gt(0).max(1)]);

/**
 * A measured efficiency curve: points sorted by x, interpolated linearly in
 * log(x) between them and held flat beyond the ends.
 */
const points = z
  .array(point)
  .min(1)
  .refine((ps) => ps.every((p, i) => i === 0 || p[0] > ps[i - 1]![0]), 'x values must increase');

export const curveSchema = z.strictObject({
  /** Where the points were measured (table, framework and version, kernel) and how they were reduced. */
  source: z.string().min(1),
  points,
});

/**
 * A GEMM table: time = fixedUs + max(2 max(M, 64) N K / (peak x compute(M)), N K bytes / (HBM x
 * bandwidthFraction)). `points` are compute(M), fractions of the dtype's dense peak where GEMMs are
 * compute-bound; `bySize` the same for classes of weight size (N x K elements), each at its median size.
 */
export const gemmCurveSchema = z.strictObject({
  source: z.string().min(1),
  /** Fixed cost of one GEMM call (launch, activation quantisation), microseconds. */
  fixedUs: z.number().min(0),
  /** Weight reads at this fraction of the datasheet HBM bandwidth. */
  bandwidthFraction: z.number().gt(0).max(1),
  points,
  bySize: z.array(z.strictObject({ weights: z.number().positive(), points })).optional(),
});

const byDtype = <T extends z.ZodTypeAny>(curve: T) => z.strictObject({ bf16: curve.optional(), fp8: curve.optional(), fp4: curve.optional() });

/** Kernel families cp-plan distinguishes: what an engine runs on a GPU generation. */
export const attentionKernels = ['fa2', 'fa3', 'flashinfer', 'trtllm', 'cudnn', 'flashmla', 'triton', 'aiter', 'ck'] as const;
export type AttentionKernel = (typeof attentionKernels)[number];

/**
 * Measured kernel efficiency of one GPU model (presets/kernels/<name>.yaml): generated from published
 * per-kernel benchmark tables by a script, never edited by hand. GPU presets name the table they use.
 *
 * - gemm: achieved fraction of the dtype's dense peak against M, the tokens a GEMM multiplies
 *   (typical weight shapes: the median over shapes with N, K >= 1024); at small M this falls with M
 *   because the GEMM reads its weights and does little work on them.
 * - attention: prefill (causal) attention, achieved fraction of the dense peak of its dtype against
 *   the tokens of one sequence, head dimension 128.
 * - decodeAttention: one decode step's attention over a KV cache, achieved fraction of the HBM
 *   bandwidth against the KV bytes the call reads on one GPU.
 */
export const kernelsPresetSchema = z.strictObject({
  name: z.string().min(1),
  /** The GPU the tables were measured on, as the benchmark printed it. */
  measuredOn: z.string().min(1),
  source: z.string().min(1),
  /** Achievable HBM bandwidth (streaming read) over the datasheet figure. */
  hbmFractionOfPeak: z.strictObject({ value: z.number().gt(0).max(1), source: z.string().min(1) }),
  gemm: byDtype(gemmCurveSchema),
  attention: z.partialRecord(z.enum(attentionKernels), byDtype(curveSchema)),
  decodeAttention: z.partialRecord(z.enum(attentionKernels), byDtype(curveSchema)),
});
export type KernelsPreset = z.infer<typeof kernelsPresetSchema>;
