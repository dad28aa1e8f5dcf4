import { z } from 'zod';
import { gpuArchitectures } from './cluster-preset.js';

const positive = z.number().positive();

/**
 * A GPU model (presets/gpus/<name>.yaml): datasheet figures, with their unit
 * in the key and dense tensor throughput (never the 2x sparse figure), and the
 * measured kernel tables it uses. Cluster presets name a GPU preset.
 */
export const gpuPresetSchema = z
  .strictObject({
    name: z.string().min(1),
    displayName: z.string().min(1),
    source: z.string().min(1),
    /** Selects NCCL's per-generation constants and the engines' default kernels. */
    architecture: z.enum(gpuArchitectures),
    bf16DenseTflops: positive,
    /** Omit for GPUs without FP8 tensor cores: FP8 weights then run as weight-only quantisation at the BF16 rate. */
    fp8DenseTflops: positive.optional(),
    /** Omit for GPUs without FP4 tensor cores (before Blackwell): FP4 weights are then dequantised and multiplied in BF16 (W4A16). */
    fp4DenseTflops: positive.optional(),
    hbmCapacityGB: positive,
    hbmBandwidthTBps: positive,
    /** Board power (TDP/TGP) in watts, for cost and power planning. */
    powerW: positive,
    /** Where the figures above come from; `assumed` when any is not on a datasheet (say which in a comment). Default datasheet. */
    figuresProvenance: z.enum(['datasheet', 'assumed']).optional(),
    /**
     * The kernel tables (presets/kernels/<name>.yaml) this GPU uses. `measured` when they were measured on
     * this GPU model; `transferred` when they come from another one (say which and why in a comment);
     * the peaks and bandwidth above always scale them to this GPU.
     */
    kernels: z.strictObject({
      table: z.string().min(1),
      provenance: z.enum(['measured', 'transferred']),
    }),
  })
  // Schema-valid but physically impossible combinations.
  .refine((g) => g.fp8DenseTflops === undefined || g.fp8DenseTflops >= g.bf16DenseTflops, {
    path: ['fp8DenseTflops'],
    message: 'is below bf16DenseTflops; FP8 tensor cores are never slower than BF16 (check for a sparse or a swapped figure)',
  })
  .refine((g) => g.fp4DenseTflops === undefined || g.fp4DenseTflops >= (g.fp8DenseTflops ?? g.bf16DenseTflops), {
    path: ['fp4DenseTflops'],
    message: 'is below the FP8 (or BF16) figure; FP4 tensor cores are never slower (check for a sparse or a swapped figure)',
  });
export type GpuPreset = z.infer<typeof gpuPresetSchema>;
