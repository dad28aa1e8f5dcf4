import { z } from 'zod';
import { CP_STYLES } from '../model/cp-style.js';
import { gpuArchitectures } from './cluster-preset.js';
import { attentionKernels } from './kernels-preset.js';

/** How a constant was obtained: the basis of the transfer warnings. */
export const provenances = ['measured', 'datasheet', 'fitted', 'transferred', 'assumed'] as const;
export type Provenance = (typeof provenances)[number];

/** A constant with its provenance and source (the unit is in the key that holds it). */
const sourced = (value: z.ZodNumber) =>
  z.strictObject({
    value,
    provenance: z.enum(provenances),
    /** GPU presets a measured or datasheet value holds for; on any other GPU it counts as transferred. Absent: any GPU. */
    on: z.array(z.string().min(1)).min(1).optional(),
    source: z.string().min(1),
  });

/** A scheduler default that depends on the GPU: tiers by GPU preset or HBM capacity (see `scheduler`). */
const tiered = z.strictObject({
  tiers: z
    .array(
      z.strictObject({
        gpus: z.array(z.string().min(1)).min(1).optional(),
        hbmBelowGB: z.number().positive().optional(),
        value: z.number().int().positive().nullable(),
      }),
    )
    .min(1),
  provenance: z.enum(provenances),
  source: z.string().min(1),
});

const kernelChoice = z.strictObject({
  /** Prefill (context) attention kernel family. */
  prefillAttention: z.enum(attentionKernels),
  /** Decode attention kernel family. */
  decodeAttention: z.enum(attentionKernels),
  /** Whether the engine runs FP8 attention (FP8 Q/K/V in the attention kernels) on this generation. */
  fp8Attention: z.boolean(),
});

/**
 * An inference engine (presets/engines/<name>.yaml): what it runs on each GPU
 * generation and what it costs beyond the kernels. `--engine` selects one; a
 * cluster preset names its default.
 */
export const enginePresetSchema = z.strictObject({
  name: z.string().min(1),
  displayName: z.string().min(1),
  source: z.string().min(1),
  /** Clusters the `fitted` constants below were fitted on; elsewhere they count as transferred. */
  fittedOn: z.array(z.string().min(1)).optional(),
  /** Default kernels per GPU architecture; an architecture not listed cannot run this engine. */
  kernels: z.partialRecord(z.enum(gpuArchitectures), kernelChoice),
  overhead: z.strictObject({
    /** Host-side work per context token that CP does not divide (tokenisation, scheduling, KV bookkeeping). */
    serialUsPerContextToken: sourced(z.number().min(0)),
    /** Fixed time per layer of one prefill forward pass (eager launches and dispatch a prefill is not graph-captured for). */
    prefillLayerUs: sourced(z.number().min(0)),
    /** Fixed time per layer of one decode step beyond its kernels (launch gaps; small with CUDA graphs). */
    decodeLayerUs: sourced(z.number().min(0)),
    /** Fixed time per decode step (scheduler, sampling, detokenisation not overlapped). */
    decodeStepUs: sourced(z.number().min(0)),
    /** Fixed cost of one decode attention kernel call. Omit it: the measured tables' own fixed cost. */
    attentionKernelUs: sourced(z.number().min(0)).optional(),
    /** Fixed time per layer of ring pass-Q decode beyond its kernels and messages. */
    cpDecodeLayerUs: sourced(z.number().min(0)),
    /** The engine's cost of one All2All beyond the collective library's model. */
    allToAllSetupUs: sourced(z.number().min(0)),
  }),
  /**
   * The scheduler's defaults (continuous batching): the most tokens one forward pass takes (the prefill
   * chunk: vLLM max_num_batched_tokens, SGLang --chunked-prefill-size; null: prompts are not chunked) and the
   * most sequences running at once (vLLM max_num_seqs; null: only KV capacity limits it). Each is a list of
   * tiers read in order: the first whose `gpus` names the GPU preset, or whose `hbmBelowGB` exceeds its HBM,
   * or that has neither, applies.
   */
  scheduler: z
    .strictObject({
      prefillChunkTokens: tiered,
      maxRunningSequences: tiered,
      /** Engines that prefill whole prompts: the most tokens a step batches beside them (TRT-LLM max_num_tokens). */
      maxStepTokens: z.strictObject({ value: z.number().int().positive(), provenance: z.enum(provenances), source: z.string().min(1) }).optional(),
    })
    .optional(),
  /**
   * The context-parallel styles this engine runs, the default first (ring: the paper's; all-gather: vLLM's
   * and SGLang's prefill CP; ulysses: DeepSpeed's), with the version and source that say so. Absent: ring.
   */
  parallelism: z
    .strictObject({
      cpStyles: z.array(z.enum(CP_STYLES)).min(1),
      /** Whether the engine shards decode KV inside the TP group (DCP / Helix). */
      dcp: z.boolean(),
      /** Whether the engine runs pipeline parallelism (stages of layers); absent: no. */
      pp: z.boolean().optional(),
      /** Whether pipeline stages combine with CP (absent: yes, where the engine runs both). */
      ppWithCp: z.boolean().optional(),
      version: z.string().min(1),
      source: z.string().min(1),
    })
    .optional(),
  /** Share of prefill's TP all-reduce hidden behind GEMMs (async TP, fused GEMM + all-reduce); 0 = none. */
  tpCommOverlapFraction: sourced(z.number().min(0).max(1)),
  memory: z.strictObject({
    /** Share of HBM the engine lets itself use (vLLM --gpu-memory-utilization, SGLang --mem-fraction-static). */
    gpuMemoryUtilization: sourced(z.number().gt(0).max(1)),
    /** HBM the engine keeps outside weights, KV cache and activations (cp-plan's own term): CUDA context, graphs, NCCL buffers. */
    runtimeReserveGB: sourced(z.number().min(0)),
    /**
     * What gpuMemoryUtilization bounds: `all` (everything the engine allocates, as vLLM's --gpu-memory-utilization)
     * or `weights-and-kv` (as SGLang's --mem-fraction-static; activations and the reserve use the rest). Default all.
     */
    fractionCovers: z.enum(['all', 'weights-and-kv']).optional(),
  }),
});
export type EnginePreset = z.infer<typeof enginePresetSchema>;
