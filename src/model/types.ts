import type { CommGroup } from './hardware/topology.js';
import type { Calibration, EngineSpec, GpuSpec, Provenance } from './device-types.js';

export type * from './device-types.js';

/**
 * The model's inputs in SI units (seconds, bytes, FLOP/s, bytes/s) and plain
 * counts. Presets are converted to these once, at load time.
 */
export type WeightRecipe = 'bf16' | 'fp8' | 'fp8-ffn' | 'nvfp4' | 'mxfp4' | 'int4';
export type KvDtype = 'bf16' | 'fp8';
/** The dtype attention computes in (Q, K, V into the tensor cores). */
export type AttentionDtype = 'bf16' | 'fp8';
/** Tensor-core input dtypes cp-plan prices. */
export type ComputeDtype = 'bf16' | 'fp8' | 'fp4';
export type RingVariant = 'pass-kv' | 'pass-q';

export interface ModelSpec {
  name: string;
  displayName: string;
  source: string;
  /** Hugging Face repository id, when the preset names one. */
  huggingFace?: string | undefined;
  layers: number;
  hiddenSize: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  ffnSize: number;
  /** Weight matrices in one FFN block: 3 for SwiGLU (gate, up, down), 2 for GELU. */
  ffnMatrices: number;
  vocabSize: number;
  tiedEmbeddings: boolean;
  maxContextTokens: number;
  defaultWeights: WeightRecipe;
  defaultKvDtype: KvDtype;
  /** Per-layer attention kinds; absent: every layer is full causal GQA. */
  attention?: AttentionSpec;
  /** Mixture-of-experts FFNs; absent or null: every FFN is dense (ffnSize). */
  moe?: MoeSpec | null;
}

/**
 * full: causal attention over the whole context (GQA, or MLA when the model has an mla block);
 * sliding: over the last W tokens; chunked: within the token's C-aligned chunk;
 * linear: linear (lightning) attention with a fixed-size state instead of a KV cache.
 */
export type AttentionKind = 'full' | 'sliding' | 'chunked' | 'linear';

export interface AttentionSpec {
  /** Repeated over the layers from layer 0. */
  pattern: AttentionKind[];
  slidingWindowTokens: number | null;
  chunkTokens: number | null;
  mla: MlaSpec | null;
  linear: LinearAttentionSpec | null;
  sinks: boolean;
  qkNorm: boolean;
}

/** Multi-head latent attention (DeepSeek-V2/V3, Kimi K2). */
export interface MlaSpec {
  kvLoraRank: number;
  qkRopeHeadDim: number;
  qkNopeHeadDim: number;
  vHeadDim: number;
  /** null: Q is projected directly from the hidden state. */
  qLoraRank: number | null;
}

export interface LinearAttentionSpec {
  heads: number;
  keyDim: number;
  valueDim: number;
  outputGate: boolean;
  /** Tokens per block of lightning attention's tiled computation (quadratic inside a block). */
  blockTokens: number;
}

export interface MoeSpec {
  experts: number;
  topK: number;
  sharedExperts: number;
  expertFfnSize: number;
  sharedFfnSize: number;
  /** Leading layers that keep the dense FFN. */
  firstDenseLayers: number;
  /** Every n-th layer (counting from 1) after those is MoE. */
  layerInterval: number;
}

/** NCCL's three protocols: LL (8-byte lines with flags), LL128 (128-byte lines), Simple (bulk copies). */
export type Protocol = 'LL' | 'LL128' | 'Simple';
/** [LL, LL128, Simple] */
export type ProtocolTriple = readonly [number, number, number];
/** The algorithms of NCCL's tuning model that cp-plan prices. */
export type NcclAlgorithm = 'tree' | 'ring' | 'nvls' | 'nvlsTree' | 'collnetDirect';
/** What a step of a collective crosses, as NCCL's tuner classes links. */
export type LinkClass = 'nvlink' | 'pci' | 'net';
export type GpuGeneration = 'volta' | 'ampere' | 'ada' | 'hopper' | 'blackwell' | 'cdna3' | 'cdna4';
export type HostCpu = 'intel' | 'amd' | 'arm';

/**
 * A collective library's own cost model (NCCL's tuning constants), in SI units:
 * the latencies and protocol factors NCCL uses to choose an algorithm.
 */
export interface CollectiveLibrary {
  name: string;
  displayName: string;
  source: string;
  baseLatencySec: Record<NcclAlgorithm, ProtocolTriple>;
  /** Per step of an algorithm, by the kind of link the step crosses. */
  hopLatencySec: Record<LinkClass, Record<NcclAlgorithm, ProtocolTriple>>;
  /** The LL protocol's bus-bandwidth ceiling: one node by GPU generation, several by host CPU and node count. */
  llMaxBusBytesPerSec: {
    singleNode: Record<'volta' | 'ampere' | 'hopper' | 'blackwell', number>;
    twoNodes: Record<HostCpu, number>;
    moreNodes: Record<HostCpu, number>;
  };
  protocolBandwidthFactor: {
    ringLl: number;
    ringLl128: number;
    treeAllReduce: number;
    treeLl: number;
    treeLl128SingleNode: number;
    treeLl128MultiNode: number;
  };
  ringPlateauLatencyFactor: number;
  netOverheadSec: Record<HostCpu, number>;
  netOverheadSimpleFactor: number;
  p2pLlThresholdBytes: number;
  /** Tree all-reduce bandwidth multiplier by protocol and log2(bytes / 64), 64 B .. 256 MiB. */
  treeCorrectionFactor: Record<Protocol, readonly number[]>;
}

/** One tier of the interconnect: the scale-up fabric (NVLink) or the scale-out network (NICs). */
export interface LinkSpec {
  name: string;
  kind: string;
  /**
   * Line rate per direction: per GPU for the scale-up fabric, per NIC for the
   * network (a GPU's share of the network is nicBytesPerSecPerGpu()).
   */
  bytesPerSec: number;
  /** Per direction to one peer (scale-up: one link's worth on a point-to-point mesh; else the line rate). */
  peerBytesPerSec: number;
  /** Achieved bus bandwidth of bulk ring collectives (nccl-tests busbw) as a fraction of the line rate. */
  busEfficiency: number;
  /** Achieved fraction of the line rate of point-to-point SendRecv (a CP ring step). */
  sendRecvEfficiency: number;
  /** Achieved fraction of the line rate of All2All. */
  allToAllEfficiency: number;
  /** Measured latency of one operation on this tier beyond the library's model (0 when none was measured). */
  extraLatencySec: number;
  /**
   * Pipeline fill: NCCL cuts a message into chunks that travel step by step, and the chunks grow with the
   * message up to their maximum size, so a call pays fill x bytes / (bytes + fillHalfBytes) on top of
   * latency + bytes / bandwidth (measured; 0 when not measured).
   */
  pipelineFillSec: number;
  pipelineFillHalfBytes: number;
  /** NCCL's link class for this tier's steps. */
  linkClass: LinkClass;
  /** Scale-up only: measured NVLS (NVLink SHARP) all-reduce bus bandwidth; null when the fabric has no NVLS. */
  nvlsBusBytesPerSec: number | null;
  /** Scale-out only: the switches reduce in the network (InfiniBand SHARP, NCCL CollNet). */
  inNetworkReduction: boolean;
}

/** The hardware of a cluster, as its preset describes it (no engine chosen yet). */
export interface ClusterHardware {
  name: string;
  displayName: string;
  source: string;
  gpu: GpuSpec;
  /** GPUs in one node (a server or an NVL72 compute tray): the unit that owns NICs. */
  gpusPerNode: number;
  maxNodes: number;
  /** USD per GPU-hour (a public on-demand price) and its source; null when the preset states none. */
  price: { perGpuHourUsd: number; source: string } | null;
  /** GPUs that reach each other over the scale-up fabric (8 on HGX, 32 on GH200 NVL32, 72 on GB200 NVL72). */
  nvlinkDomainGpus: number;
  /** NICs per node, each at scaleOut.bytesPerSec (8 on a rail-optimised HGX node: one per GPU). */
  nicsPerNode: number;
  hostCpu: HostCpu;
  scaleUp: LinkSpec;
  scaleOut: LinkSpec;
  collectives: CollectiveLibrary;
  /** Whether each tier's measured parameters were measured on this cluster's hardware or transferred. */
  linkProvenance: { scaleUp: Provenance; scaleOut: Provenance };
  /** The engine used when none is named (--engine). */
  defaultEngine: string;
  /** A fit of this cluster with one engine (cp-plan calibrate): scales and the engine constants it replaced. */
  calibration: CalibrationPreset | null;
  /** Where the calibration was measured; null when the preset states none. */
  calibratedRange: { maxContextTokens: number; maxPrefillCp: number; maxDecodeCp: number } | null;
}

/** A cluster preset's calibration block, in SI units: for `engine`, scales on the curves and replaced engine constants. */
export interface CalibrationPreset {
  engine: string;
  /** fitted on this cluster, or transferred from another cluster's fit. */
  provenance: 'fitted' | 'transferred';
  gemmScale: number;
  gemmBandwidthScale: number;
  attentionScale: number;
  decodeAttentionScale: number;
  /** Engine constants this fit replaces (EngineSpec keys in SI units). */
  overrides: Partial<
    Pick<EngineSpec, 'serialSecPerContextToken' | 'decodeLayerSec' | 'decodeStepSec' | 'attentionKernelSec' | 'cpDecodeLayerSec' | 'allToAllSetupSec'>
  >;
}

/** A cluster with the engine that runs on it: what every model function takes. */
export interface ClusterSpec extends ClusterHardware {
  engine: EngineSpec;
  /** The calibration in force (its engine is this engine), or the identity. */
  scales: Calibration;
}

export interface Precision {
  weights: WeightRecipe;
  kvDtype: KvDtype;
  /** The dtype prefill and decode attention compute in; bf16 unless --attention-dtype fp8. */
  attentionDtype?: AttentionDtype;
}

/** A resolved, validated parallel layout. */
/**
 * How CP splits the context: the paper's ring (KV or Q passed around, overlapped with attention); all-gather
 * (vLLM and SGLang prefill CP: one All-Gather of K and V per layer, then local attention over the whole
 * context, not overlapped); Ulysses (DeepSpeed: All2All from sequence to head shards and back, two per layer).
 */
import type { CpStyle } from './cp-style.js';
export type { CpStyle };

export interface Layout {
  /** Nodes touched: ceil(gpus / gpusPerNode). */
  nodes: number;
  gpusPerNode: number;
  /** GPUs used (not always whole nodes: TP4 on half a node, 12 GPUs on 1.5 nodes). */
  gpus: number;
  tp: number;
  cp: number;
  /** Query heads held by one GPU. */
  qHeadsPerGpu: number;
  /** KV heads held by one GPU (replicated when TP exceeds the model's KV heads). */
  kvHeadsPerGpu: number;
  /** How many times each KV head is stored across one TP group (1 when TP <= KV heads). */
  kvReplication: number;
  /** Decode context parallelism: each GPU of a DCP group of this size keeps every dcp-th token. */
  dcp: number;
  /**
   * Expert parallelism: routed experts are spread whole over groups of this
   * many GPUs (a multiple of TP) instead of being sliced by TP; 1 = off.
   */
  ep: number;
  /** Where each communication group sits (NVLink domains spanned): what its collectives cross. */
  groups: LayoutGroups;
  /** How CP splits the context (absent: ring). */
  cpStyle?: CpStyle;
}

export interface LayoutGroups {
  /** A TP group: consecutive GPUs. */
  tp: CommGroup;
  /** A CP ring: the GPUs with the same TP rank, TP apart. */
  cp: CommGroup;
  /** An EP group: consecutive GPUs, whole TP groups. */
  ep: CommGroup;
  /** A DCP group: consecutive GPUs inside a TP group. */
  dcp: CommGroup;
}

export interface Workload {
  /** Tokens of context after the prefill: cached + new. */
  contextTokens: number;
  /** Tokens already in the persistent KV cache (P). */
  cachedTokens: number;
  /** Sequences prefilled together (co-batched prompts), then decoded together. */
  batch: number;
  /**
   * Most new tokens per forward pass (chunked prefill); null or absent: the prompt is prefilled whole.
   * Bounds activation memory; each chunk re-reads the cached prefix.
   */
  prefillChunkTokens?: number | null;
}
