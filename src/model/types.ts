/**
 * The model's inputs in SI units (seconds, bytes, FLOP/s, bytes/s) and plain
 * counts. Presets are converted to these once, at load time.
 */
export type WeightRecipe = 'bf16' | 'fp8' | 'fp8-ffn';
export type KvDtype = 'bf16' | 'fp8';
export type RingVariant = 'pass-kv' | 'pass-q';

export interface ModelSpec {
  name: string;
  displayName: string;
  source: string;
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

export interface LinkSpec {
  name: string;
  kind: string;
  /** Per GPU per direction, used by collectives that spread over all peers. */
  bytesPerSec: number;
  /** Per direction to one peer, used by point-to-point ring sends. */
  peerBytesPerSec: number;
  /** Fixed cost of one message, or of starting one collective. */
  latencySec: number;
  /** Added per ring hop inside a collective. */
  hopLatencySec: number;
  /** Achieved fraction of the line rate by ring SendRecv and AllReduce. */
  efficiency: number;
  /** Achieved fraction of the line rate by All2All. */
  allToAllEfficiency: number;
}

export interface GpuSpec {
  name: string;
  bf16FlopsPerSec: number;
  /** null when the GPU has no FP8 tensor cores. */
  fp8FlopsPerSec: number | null;
  hbmBytes: number;
  hbmBytesPerSec: number;
}

export interface ClusterSpec {
  name: string;
  displayName: string;
  source: string;
  gpu: GpuSpec;
  gpusPerNode: number;
  maxNodes: number;
  scaleUp: LinkSpec;
  scaleOut: LinkSpec;
  gemmEfficiency: number;
  attentionEfficiency: number;
  hbmEfficiency: number;
  serialSecPerContextToken: number;
  /** Fixed time per layer of one decode step. */
  decodeLayerSec: number;
  /** Fixed time per CP ring step. */
  ringStepSec: number;
  runtimeReserveBytes: number;
  /** Where the calibration was measured; null when the preset states none. */
  calibratedRange: { maxContextTokens: number; maxPrefillCp: number; maxDecodeCp: number } | null;
}

export interface Precision {
  weights: WeightRecipe;
  kvDtype: KvDtype;
}

/** A resolved, validated parallel layout. */
export interface Layout {
  nodes: number;
  gpusPerNode: number;
  gpus: number;
  tp: number;
  cp: number;
  /** Query heads held by one GPU. */
  qHeadsPerGpu: number;
  /** KV heads held by one GPU (replicated when TP exceeds the model's KV heads). */
  kvHeadsPerGpu: number;
  /** How many times each KV head is stored across one TP group (1 when TP <= KV heads). */
  kvReplication: number;
  /** Whether a TP group spans more than one node (TP AllReduce over the network). */
  tpSpansNodes: boolean;
  /** Whether the CP ring has at least one hop over the network. */
  cpRingCrossesNodes: boolean;
  /** Decode context parallelism: each GPU of a DCP group of this size keeps every dcp-th token. */
  dcp: number;
  /**
   * Expert parallelism: routed experts are spread whole over groups of this
   * many GPUs (a multiple of TP) instead of being sliced by TP; 1 = off.
   */
  ep: number;
  /** Whether an EP group spans more than one node (its All2All runs over the network). */
  epSpansNodes: boolean;
}

export interface Workload {
  /** Tokens of context after the prefill: cached + new. */
  contextTokens: number;
  /** Tokens already in the persistent KV cache (P). */
  cachedTokens: number;
  /** Sequences prefilled together. */
  batch: number;
}
