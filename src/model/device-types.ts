import type { CpStyle } from './cp-style.js';
import type { ComputeDtype, GpuGeneration } from './types.js';

/**
 * The GPU, its measured kernel tables, and the engine that runs on it, in SI
 * units (presets/gpus/, presets/kernels/, presets/engines/, converted at load).
 */

/** An efficiency curve: [x, fraction] points with x increasing, interpolated in log(x), flat beyond the ends. */
export type Curve = readonly (readonly [number, number])[];

/** Attention kernel families (what an engine runs on a GPU generation). */
export type AttentionKernel = 'fa2' | 'fa3' | 'flashinfer' | 'trtllm' | 'cudnn' | 'flashmla' | 'triton' | 'aiter' | 'ck';

/**
 * Measured kernel efficiency of a GPU model (presets/kernels/), as this GPU uses it. GEMM curves are
 * fractions of the roofline, min(peak, HBM bandwidth x 2M / bytes per weight), so that they transfer
 * to other byte widths and to GPUs with another balance of compute and bandwidth.
 */
export interface KernelTables {
  /** The table's name (presets/kernels/NAME.yaml) and the GPU it was measured on. */
  name: string;
  measuredOn: string;
  source: string;
  /** 'transferred' when measured on another GPU model than this one. */
  provenance: 'measured' | 'transferred';
  hbmFraction: number;
  /** GEMMs per compute dtype: a fixed cost per call, the weight read's bandwidth fraction, compute by M. */
  gemm: Partial<Record<ComputeDtype, GemmTable>>;
  /** Prefill attention: fraction of the compute dtype's dense peak against sequence length. */
  attention: Partial<Record<AttentionKernel, Partial<Record<ComputeDtype, Curve>>>>;
  /**
   * Decode attention: a fixed cost per call plus the KV bytes at a fraction of HBM bandwidth, fitted to the
   * table's points (the fixed cost transfers to another GPU as time, the fraction as a fraction).
   */
  decodeAttention: Partial<Record<AttentionKernel, Partial<Record<ComputeDtype, DecodeKernelFit>>>>;
}

/**
 * A GEMM table: time = fixedSec + max(2 M N K / (peak x compute(M)), N K bytes / (HBM x bandwidthFraction)).
 * `all` is compute(M) over all weight sizes, `bySize` the same by weight size (N x K elements), ascending.
 */
export interface GemmTable {
  fixedSec: number;
  bandwidthFraction: number;
  all: Curve;
  bySize: { weights: number; curve: Curve }[];
}

/** A decode attention kernel: time = fixedSec + KV bytes / (HBM bandwidth x bandwidthFraction). */
export interface DecodeKernelFit {
  fixedSec: number;
  bandwidthFraction: number;
}

export interface GpuSpec {
  /** Preset name (presets/gpus/) and the name the datasheet uses. */
  preset: string;
  name: string;
  generation: GpuGeneration;
  bf16FlopsPerSec: number;
  /** null when the GPU has no FP8 tensor cores. */
  fp8FlopsPerSec: number | null;
  /** null when the GPU has no FP4 tensor cores. */
  fp4FlopsPerSec: number | null;
  hbmBytes: number;
  hbmBytesPerSec: number;
  powerW: number;
  /** Where the peaks and HBM figures come from: a datasheet, or assumed (no datasheet states them). */
  figuresProvenance: 'datasheet' | 'assumed';
  kernels: KernelTables;
}

export type Provenance = 'measured' | 'datasheet' | 'fitted' | 'transferred' | 'assumed';

/** The engine terms of the model: what an engine costs beyond kernels, for one GPU generation. */
export interface EngineSpec {
  name: string;
  displayName: string;
  source: string;
  prefillAttention: AttentionKernel;
  decodeAttention: AttentionKernel;
  fp8Attention: boolean;
  /** Host work per context token that CP does not divide. */
  serialSecPerContextToken: number;
  /** Fixed time per layer of one prefill forward pass. */
  prefillLayerSec: number;
  /** Fixed time per layer of one decode step. */
  decodeLayerSec: number;
  /** Fixed time per decode step (scheduler, sampling). */
  decodeStepSec: number;
  /**
   * Fixed cost of one attention kernel of this engine (per ring step and per decode call); null: the measured
   * tables carry it (the decode table's fitted fixed cost; nothing extra per prefill ring step).
   */
  attentionKernelSec: number | null;
  /** Fixed time per layer of ring pass-Q decode beyond its kernels and messages (padding, merge, bookkeeping). */
  cpDecodeLayerSec: number;
  /** The engine's cost of one All2All beyond the library's model. */
  allToAllSetupSec: number;
  /** Share of prefill's TP all-reduce time hidden behind the layer's GEMMs (at most the GEMM time); 0 = none. */
  tpCommOverlapFraction: number;
  /** Share of HBM the engine lets itself use. */
  gpuMemoryUtilization: number;
  runtimeReserveBytes: number;
  /**
   * What gpuMemoryUtilization bounds: 'all' (vLLM: everything the engine allocates) or 'weights-and-kv' (SGLang's
   * --mem-fraction-static: the weights and the KV pool; activations and the reserve live in the rest of HBM).
   */
  memoryFractionCovers: 'all' | 'weights-and-kv';
  /** Default prefill chunk (most tokens per forward pass) on this GPU; null: prompts are prefilled whole. */
  prefillChunkTokens: number | null;
  /** Default limit on sequences running at once on this GPU; null: KV capacity alone limits it. */
  maxRunningSequences: number | null;
  /** Without chunking: the most tokens a step batches (a longer prompt still runs whole, alone); null: one prompt per step. */
  maxStepTokens: number | null;
  /** The CP styles the engine runs, its default first. */
  cpStyles: CpStyle[];
  /** Whether it shards decode KV inside the TP group (DCP). */
  dcpSupported: boolean;
  /** Whether the engine runs pipeline parallelism (plan searches PP only then). */
  ppSupported: boolean;
  /** Whether its pipeline stages combine with CP (SGLang: no). */
  ppWithCp: boolean;
  /** How each constant above was obtained (keys as in the engine preset). */
  provenance: Record<string, Provenance>;
}

/** What a cluster's calibration changes, for the engine it was fitted with. */
export interface Calibration {
  /** The engine the fit used; the scales apply only with it. null: no calibration. */
  engine: string | null;
  /** fitted on this cluster, or transferred from another cluster's fit (absent: fitted). */
  provenance?: 'fitted' | 'transferred';
  /** Multipliers on the measured GEMM compute-fraction and attention efficiency curves (1: uncalibrated). */
  gemmScale: number;
  /** The same on the GEMM tables' weight-read bandwidth fraction. */
  gemmBandwidthScale: number;
  attentionScale: number;
  decodeAttentionScale: number;
}
