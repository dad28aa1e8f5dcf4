import { z } from 'zod';
import { attentionKernels } from './kernels-preset.js';

const role = z.enum(['fit', 'held-out']);
const common = {
  /** Unique, descriptive: gpu-engine-model-shape. */
  name: z.string().min(1),
  /** GPU preset (presets/gpus/). */
  gpu: z.string().min(1),
  /** Engine or kernel library that produced the number, as the source names it (vllm, sglang, trtllm, deepgemm, flashinfer, ...). */
  engine: z.string().min(1),
  role,
  /** Where the number was read: repository@commit:path (section), or URL (date). */
  ref: z.string().min(1),
  /** Conditions the source states that matter (versions, flags, what exactly was timed). */
  note: z.string().optional(),
};
const dtype = z.enum(['bf16', 'fp8', 'fp4']);

/** One GEMM: measured TFLOP/s (dense, 2·M·N·K per call) or time. */
const gemmRow = z.strictObject({
  ...common,
  kind: z.literal('gemm'),
  dtype,
  m: z.number().int().positive(),
  n: z.number().int().positive(),
  k: z.number().int().positive(),
  /** Experts of a grouped (MoE) GEMM: m tokens to each of this many experts; 1 for a plain GEMM. */
  groups: z.number().int().positive().default(1),
  measuredTflops: z.number().positive().optional(),
  measuredUs: z.number().positive().optional(),
});

/** One prefill attention call (FlashAttention-style forward). */
const attentionRow = z.strictObject({
  ...common,
  kind: z.literal('attention'),
  kernel: z.enum(attentionKernels),
  dtype,
  batch: z.number().int().positive(),
  seqlen: z.number().int().positive(),
  heads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  causal: z.boolean(),
  /** As the source reports it: TFLOP/s counted by the source's own formula (say which in note), or time. */
  measuredTflops: z.number().positive().optional(),
  measuredUs: z.number().positive().optional(),
});

/** One decode attention call over a KV cache. */
const decodeAttentionRow = z.strictObject({
  ...common,
  kind: z.literal('decode-attention'),
  kernel: z.enum(attentionKernels),
  kvDtype: dtype,
  batch: z.number().int().positive(),
  /** KV tokens per sequence. */
  kvTokens: z.number().int().positive(),
  heads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  measuredUs: z.number().positive(),
});

/** A model-level time on a cluster with an engine: TTFT, time per output token, or a whole request. */
const modelRow = z.strictObject({
  ...common,
  kind: z.enum(['ttft', 'tpot', 'e2e']),
  /** Cluster preset (presets/clusters/) the run's machine matches. */
  cluster: z.string().min(1),
  /** Model preset (presets/models/). */
  model: z.string().min(1),
  gpus: z.number().int().positive(),
  tp: z.number().int().positive(),
  cp: z.number().int().positive().default(1),
  ep: z.number().int().positive().default(1),
  weights: z.enum(['bf16', 'fp8', 'fp8-ffn', 'nvfp4', 'mxfp4', 'int4']),
  kvDtype: z.enum(['bf16', 'fp8']),
  attentionDtype: z.enum(['bf16', 'fp8']).default('bf16'),
  /** Prompt tokens of each request. */
  inputTokens: z.number().int().positive(),
  /** Generated tokens per request (e2e and tpot). */
  outputTokens: z.number().int().positive().optional(),
  /** Requests run together as one static batch (concurrency for a closed-loop benchmark with equal requests). */
  batch: z.number().int().positive(),
  measuredMs: z.number().positive(),
});

/**
 * An engine's KV-cache capacity in tokens for a layout (vLLM logs "GPU KV cache size: N tokens"): what the
 * memory model leaves for KV, with DCP sharding it. Errors are on tokens.
 */
const kvCapacityRow = z.strictObject({
  ...common,
  kind: z.literal('kv-capacity'),
  cluster: z.string().min(1),
  model: z.string().min(1),
  gpus: z.number().int().positive(),
  tp: z.number().int().positive(),
  dcp: z.number().int().positive().default(1),
  weights: z.enum(['bf16', 'fp8', 'fp8-ffn', 'nvfp4', 'mxfp4', 'int4']),
  kvDtype: z.enum(['bf16', 'fp8']),
  /** The engine version's memory fraction when it differs from the engine preset's (cite it in the note). */
  gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
  measuredTokens: z.number().int().positive(),
});

export const externalRowSchema = z.discriminatedUnion('kind', [gemmRow, attentionRow, decodeAttentionRow, modelRow, kvCapacityRow]);
export type ExternalRow = z.infer<typeof externalRowSchema>;

/**
 * validation/external.yaml: published measurements on GPUs and engines other
 * than the paper's, each cited, split into fit and held-out rows before any
 * fitting. `cp-plan validate --data validation/external.yaml` reports them per
 * GPU and per engine.
 */
export const externalFileSchema = z.strictObject({
  source: z.string().min(1),
  rows: z.array(externalRowSchema).min(1),
});
