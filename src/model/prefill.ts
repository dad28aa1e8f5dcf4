import { allToAll, collective, sendRecv, type CollectiveCost } from './hardware/collectives.js';
import { kvElementsPerTokenPerGpu, linearStateBytes, tokensPerCpRank } from './kv-cache.js';
import { attentionPairs, layerGroups, windowTokens, type LayerGroup } from './layers.js';
import { attentionFlopsPerSec, gemmSec, hbmBytesPerSec, peakFlopsPerSec } from './hardware/kernels.js';
import { layerGemmSec } from './roofline.js';
import { gatheredAttentionLayer } from './attention/cp-styles.js';
import { ACTIVATION_BYTES, BYTES_PER_ELEMENT, PARTIAL_OUTPUT_BYTES, computeDtype, kvBytesPerElement, weightDtypes, type Dtype } from './precision.js';
import { attentionFlopsPerPair, attentionParams, ffnParams, linearAttentionFlopsPerToken, qHeadDim, vHeadDim } from './shapes.js';
import type { ClusterSpec, ComputeDtype, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

/** One ring attention layer on one GPU, in seconds. */
export interface RingTiming {
  variant: RingVariant;
  /** Ring steps per layer: N computations, N-1 SendRecvs. */
  steps: number;
  /** Attention (plus the LSE merge for pass-KV) of one step. */
  stepComputeSec: number;
  /** SendRecv of one step's message (KV shard for pass-KV, Q shard for pass-Q). */
  stepSendRecvSec: number;
  messageBytes: number;
  /** Pass-Q only: the All2All returning partial outputs and LSE, not overlapped. */
  allToAllSec: number;
  /** The SendRecv of one step as NCCL runs it (protocol, latency). */
  sendRecv: CollectiveCost | null;
  /** Communication that is not hidden under compute, per layer. */
  exposedSec: number;
}

export interface PrefillBreakdown {
  /** QKV/O and FFN GEMMs of the new tokens. */
  gemmSec: number;
  /** Causal attention kernels (all ring steps). */
  attentionSec: number;
  /** HBM-bound log-sum-exp merges of partial attention outputs. */
  mergeSec: number;
  /** TP AllReduce after attention and after the FFN (two per layer), less what async TP hides behind the GEMMs. */
  tpCommSec: number;
  /** CP ring SendRecv not hidden under attention, and pass-Q's All2All. */
  cpCommExposedSec: number;
  /** Expert parallelism: the All2All dispatching tokens to their experts and combining the results. */
  epCommSec: number;
  /** LM head on the last token of each sequence. */
  lmHeadSec: number;
  /** The engine's serial time per context token that CP does not divide, and its fixed cost per layer of the forward pass. */
  overheadSec: number;
}

export interface PrefillFlops {
  /** Useful model FLOPs over all GPUs (no replicated work counted). */
  gemmBf16: number;
  gemmFp8: number;
  /** GEMMs on 4-bit weights (NVFP4, MXFP4 or INT4). */
  gemmFp4: number;
  attention: number;
  total: number;
}

/**
 * One layer of a layer group (its per-layer share of each breakdown part), and
 * how many such layers there are: the breakdown is the sum of count x these.
 */
export type PrefillLayerCost = Omit<PrefillBreakdown, 'lmHeadSec' | 'overheadSec'> & LayerGroup;

export interface PrefillEstimate {
  variant: RingVariant;
  /** One of the two TP all-reduces of a layer, as NCCL would run it (algorithm 'none' at TP1). */
  tpAllReduce: CollectiveCost;
  ttftSec: number;
  breakdown: PrefillBreakdown;
  /** Per layer of each layer group. */
  layers: PrefillLayerCost[];
  ring: RingTiming;
  flops: PrefillFlops;
  /** Useful FLOPs over the time the GPUs would need at each dtype's dense peak. */
  mfu: number;
  achievedFlopsPerSecPerGpu: number;
}

/**
 * Prefill of `workload` with ring attention: T = context - cached new tokens
 * are load-balanced over the CP ranks, P cached tokens stay where they are.
 * Per layer and GPU: the GEMMs of its share of new tokens, N ring steps of
 * attention overlapped with N-1 SendRecvs (each step costs the slower of the
 * two), TP AllReduces, and for pass-Q the All2All and merge after the loop.
 */
export function estimatePrefill(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  variant: RingVariant,
): PrefillEstimate {
  const { batch: b, cachedTokens: p } = workload;
  const t = workload.contextTokens - p;
  const n = layout.cp;
  const dt = weightDtypes(precision.weights);
  const attnDtype = precision.attentionDtype ?? 'bf16';
  const hbm = hbmBytesPerSec(cluster);

  // GEMMs on the slowest rank's new tokens (2 * ceil(T / 2N) after padding).
  const newPerRank = tokensPerCpRank(t, n);
  const tokens = b * newPerRank;
  const tpAllReduce = collective('all-reduce', tokens * model.hiddenSize * ACTIVATION_BYTES, layout.groups.tp, cluster);
  const tpLayer = 2 * tpAllReduce.sec;
  // This GPU's share of the heads: every layer kind splits its heads over TP.
  const headShare = layout.qHeadsPerGpu / model.attentionHeads;

  const sums = { gemmSec: 0, attentionSec: 0, mergeSec: 0, tpCommSec: 0, cpCommExposedSec: 0, epCommSec: 0 };
  const layers: PrefillLayerCost[] = [];
  let ring: RingTiming = { variant, steps: 1, stepComputeSec: 0, stepSendRecvSec: 0, messageBytes: 0, allToAllSec: 0, exposedSec: 0, sendRecv: null };
  for (const g of layerGroups(model)) {
    const layer = { gemm: layerGemmSec(model, cluster, layout, precision, tokens, g), attention: 0, merge: 0, cpExposed: 0 };
    // A ring step's merge of a partial output (+ LSE) into the running one: read two, write one, in FP32.
    const mergeBytes = 3 * tokens * layout.qHeadsPerGpu * (vHeadDim(model) + 1) * PARTIAL_OUTPUT_BYTES;
    if (g.attention === 'full' && n > 1 && layout.cpStyle !== undefined && layout.cpStyle !== 'ring') {
      const cost = gatheredAttentionLayer(model, cluster, layout, precision, workload, mlaExpansionSec(model, cluster, layout, workload), mergeBytes);
      layer.attention = cost.attentionSec;
      layer.merge = cost.mergeSec;
      layer.cpExposed = cost.exposedSec;
    } else if (g.attention === 'full') {
      // The causal pairs are spread evenly over ranks and ring steps. Each step's kernel runs this rank's
      // new tokens against one shard of keys (its cached share and its new tokens): that block sets its speed.
      const pairsPerRank = (b * attentionPairs(model, 'full', t, p)) / n;
      const rate = attentionFlopsPerSec(cluster, attnDtype, newPerRank, Math.ceil(p / n) + newPerRank);
      const attnStep = (pairsPerRank * attentionFlopsPerPair(model) * headShare) / n / rate;
      layer.merge = n > 1 ? ((n - 1) * mergeBytes) / hbm : 0;
      const expandStep = mlaExpansionSec(model, cluster, layout, workload);
      ring = ringTiming(model, cluster, layout, precision, workload, variant, attnStep, layer.merge / Math.max(1, n - 1), expandStep);
      // MLA: pass-KV expands every shard that arrives, pass-Q only this rank's own, once.
      layer.attention = n * attnStep + (variant === 'pass-kv' ? n : 1) * expandStep;
      layer.cpExposed = ring.exposedSec + ring.allToAllSec;
    } else if (g.attention === 'linear') {
      // Lightning attention computes block by block: a block's quadratic part sets the kernel's shape.
      const block = model.attention!.linear!.blockTokens;
      layer.attention = (tokens * linearAttentionFlopsPerToken(model) * headShare) / attentionFlopsPerSec(cluster, attnDtype, block, block);
      if (n > 1) {
        // Each chunk needs the state of all earlier tokens. The 2N chunks sit on ranks 0, 1, ..., N-1, N-1, ..., 0,
        // so the running state changes rank 2(N-1) times, one hand-off after another.
        const hop = sendRecv((b * linearStateBytes(model)) / layout.tp, ringHop(layout), cluster).sec;
        layer.cpExposed = 2 * (n - 1) * hop;
      }
    } else {
      const halo = windowedHalo(model, cluster, layout, precision, workload, g, newPerRank);
      const window = windowTokens(model, g.attention) ?? t;
      const rate = attentionFlopsPerSec(cluster, attnDtype, newPerRank, Math.min(window, p + newPerRank));
      layer.attention = (b * attentionPairs(model, g.attention, t, p) * attentionFlopsPerPair(model, 'prefill', g.attention) * headShare) / n / rate;
      layer.cpExposed = Math.max(0, halo.sec - layer.attention);
    }
    // With async TP the all-reduces run under the GEMMs, up to the GEMM time (efficiency.tpCommOverlapFraction).
    const tpExposed = tpLayer - Math.min(cluster.engine.tpCommOverlapFraction * tpLayer, layer.gemm);
    const epLayer = g.moe && layout.ep > 1 ? 2 * expertAllToAllSec(model, cluster, layout, tokens) : 0;
    sums.gemmSec += g.count * layer.gemm;
    sums.attentionSec += g.count * layer.attention;
    sums.mergeSec += g.count * layer.merge;
    sums.tpCommSec += g.count * tpExposed;
    sums.cpCommExposedSec += g.count * layer.cpExposed;
    sums.epCommSec += g.count * epLayer;
    layers.push({
      attention: g.attention,
      moe: g.moe,
      count: g.count,
      gemmSec: layer.gemm,
      attentionSec: layer.attention,
      mergeSec: layer.merge,
      tpCommSec: tpExposed,
      cpCommExposedSec: layer.cpExposed,
      epCommSec: epLayer,
    });
  }

  const lmParamsPerGpu = (model.vocabSize * model.hiddenSize) / layout.tp;
  const lmHeadSec = gemmSec(2 * lmParamsPerGpu * b, lmParamsPerGpu * BYTES_PER_ELEMENT[dt.embedding], b, 'bf16', cluster, lmParamsPerGpu);

  const breakdown: PrefillBreakdown = {
    gemmSec: sums.gemmSec,
    attentionSec: sums.attentionSec,
    mergeSec: sums.mergeSec,
    tpCommSec: sums.tpCommSec,
    cpCommExposedSec: sums.cpCommExposedSec,
    epCommSec: sums.epCommSec,
    lmHeadSec,
    overheadSec: cluster.engine.serialSecPerContextToken * b * workload.contextTokens + model.layers * cluster.engine.prefillLayerSec,
  };
  const ttftSec = Object.values(breakdown).reduce((sum, x) => sum + x, 0);

  const flops = prefillFlops(model, precision, workload);
  // MFU counts each FLOP at the peak of the dtype it computes in on this GPU (4-bit weights: FP4 tensor cores or BF16).
  const peak = (d: ComputeDtype) => peakFlopsPerSec(cluster.gpu, d) ?? cluster.gpu.bf16FlopsPerSec;
  const fourBit = [dt.ffn, dt.attention].find((d) => d !== 'bf16' && d !== 'fp8') ?? 'nvfp4';
  const attentionPeak = peak(precision.attentionDtype ?? 'bf16');
  const idealSec =
    flops.gemmBf16 / peak('bf16') +
    flops.attention / attentionPeak +
    flops.gemmFp8 / peak(computeDtype(cluster.gpu, 'fp8')) +
    flops.gemmFp4 / peak(computeDtype(cluster.gpu, fourBit));
  return {
    variant,
    tpAllReduce,
    ttftSec,
    breakdown,
    layers,
    ring,
    flops,
    mfu: idealSec / (ttftSec * layout.gpus),
    achievedFlopsPerSecPerGpu: flops.total / ttftSec / layout.gpus,
  };
}

function ringTiming(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  variant: RingVariant,
  attnStep: number,
  mergeStep: number,
  expandStep = 0,
): RingTiming {
  const n = layout.cp;
  const b = workload.batch;
  const p = workload.cachedTokens;
  const newPerRank = tokensPerCpRank(workload.contextTokens - p, n);
  if (n <= 1) {
    // Without a ring, one kernel per layer: its fixed cost (a few us against seconds of attention) is left out.
    return { variant, steps: 1, stepComputeSec: attnStep, stepSendRecvSec: 0, messageBytes: 0, allToAllSec: 0, exposedSec: 0, sendRecv: null };
  }
  let messageBytes: number;
  let stepComputeSec: number;
  let allToAllSec = 0;
  // Every ring step launches one attention kernel; its fixed cost is in the prefill table's curve (measured
  // per call), so none is added here. (The engines' attentionKernelUs is a decode kernel's.)
  if (variant === 'pass-kv') {
    // KV shards travel; messages are padded to the largest shard: ceil(P/N) cached (spread evenly) + 2 ceil(T/2N) new.
    const kvTokens = Math.ceil(p / n) + newPerRank;
    messageBytes = b * kvTokens * kvElementsPerTokenPerGpu(model, layout, 'full') * kvBytesPerElement(precision.kvDtype);
    stepComputeSec = attnStep + mergeStep + expandStep;
  } else {
    // Q shards travel; afterwards each rank returns N-1 partial outputs (+ LSE) with one All2All
    // (the paper's App. C: (N-1)(D+1) T e / BW), then merges them.
    messageBytes = b * newPerRank * layout.qHeadsPerGpu * qHeadDim(model) * ACTIVATION_BYTES;
    stepComputeSec = attnStep;
    // The merge of the returned partials is in the breakdown's mergeSec, as for pass-KV.
    const perPeer = b * newPerRank * layout.qHeadsPerGpu * (vHeadDim(model) + 1) * ACTIVATION_BYTES;
    allToAllSec = allToAll(perPeer, layout.groups.cp, cluster).sec + cluster.engine.allToAllSetupSec;
  }
  const step = sendRecv(messageBytes, ringHop(layout), cluster);
  return {
    variant,
    steps: n,
    stepComputeSec,
    stepSendRecvSec: step.sec,
    messageBytes,
    allToAllSec,
    exposedSec: (n - 1) * Math.max(0, step.sec - stepComputeSec),
    sendRecv: step,
  };
}

/** The slowest hop of a CP ring: the network as soon as the ring leaves an NVLink domain. */
export function ringHop(layout: Layout): 'intra' | 'net' {
  return layout.groups.cp.domains > 1 ? 'net' : 'intra';
}

/**
 * A sliding-window or chunked layer needs, besides its own tokens, only the W
 * (or C) tokens before each of its two chunks: a halo from the neighbouring
 * ranks, not a full ring. It arrives in ceil(W / chunk) messages at most
 * (N - 1), overlapped with the local attention.
 */
function windowedHalo(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  group: LayerGroup,
  newPerRank: number,
): { sec: number; steps: number } {
  const n = layout.cp;
  const window = windowTokens(model, group.attention) ?? 0;
  if (n <= 1 || window <= 1) return { sec: 0, steps: 0 };
  const chunk = Math.max(1, newPerRank / 2);
  const steps = Math.min(n - 1, Math.ceil(window / chunk));
  const haloTokens = 2 * Math.min(window, workload.contextTokens);
  const bytes = workload.batch * haloTokens * kvElementsPerTokenPerGpu(model, layout, group.attention) * kvBytesPerElement(precision.kvDtype);
  return { sec: steps * sendRecv(bytes / steps, ringHop(layout), cluster).sec, steps };
}

/**
 * MLA at prefill attends with per-head K and V, so a shard of latents must be
 * up-projected before use: 2 x kvLoraRank x (H/TP) x (qkNope + v) FLOPs per
 * token, at GEMM speed. One shard's worth in seconds (the context's real
 * tokens over N: padding slots need no expansion); 0 for GQA.
 */
function mlaExpansionSec(model: ModelSpec, cluster: ClusterSpec, layout: Layout, workload: Workload): number {
  const mla = model.attention?.mla;
  if (!mla) return 0;
  const tokens = (workload.batch * workload.contextTokens) / layout.cp;
  const params = mla.kvLoraRank * layout.qHeadsPerGpu * (mla.qkNopeHeadDim + mla.vHeadDim);
  return gemmSec(2 * tokens * params, params * ACTIVATION_BYTES, tokens, 'bf16', cluster, params);
}

/**
 * Expert parallelism's All2All for one MoE layer, one direction (dispatch;
 * the combine returns as much). Each GPU sends its share (1/TP) of its group's
 * tokens once to every GPU that holds at least one of a token's topK experts:
 * with experts spread evenly, a given GPU does with probability
 * 1 - (1 - 1/EP)^topK. All peers are posted at once; NVLink and the network
 * carry their peers' bytes at the same time (hardware/collectives.ts).
 */
export function expertAllToAllSec(model: ModelSpec, cluster: ClusterSpec, layout: Layout, tokens: number): number {
  const moe = model.moe;
  if (!moe || layout.ep <= 1) return 0;
  const hit = 1 - Math.pow(1 - 1 / layout.ep, moe.topK);
  const perPeer = (tokens / layout.tp) * model.hiddenSize * ACTIVATION_BYTES * hit;
  return allToAll(perPeer, layout.groups.ep, cluster).sec + cluster.engine.allToAllSetupSec;
}

/** Useful FLOPs of the prefill over all GPUs, by the dtype they run in (MoE: active parameters only). */
export function prefillFlops(model: ModelSpec, precision: Precision, workload: Workload): PrefillFlops {
  const dt = weightDtypes(precision.weights);
  const t = workload.contextTokens - workload.cachedTokens;
  const b = workload.batch;
  const perToken = { bf16: 0, fp8: 0, fp4: 0 };
  const storage = (d: Dtype) => (d === 'bf16' || d === 'fp8' ? d : 'fp4');
  let attention = 0;
  for (const g of layerGroups(model)) {
    const a = attentionParams(model, g.attention);
    perToken[storage(dt.attention)] += 2 * g.count * (a.qo + a.kv);
    perToken[storage(dt.ffn)] += 2 * g.count * ffnParams(model, g.moe).active;
    const perPair = attentionFlopsPerPair(model, 'prefill', g.attention);
    attention +=
      g.attention === 'linear'
        ? g.count * b * t * linearAttentionFlopsPerToken(model)
        : g.count * b * attentionPairs(model, g.attention, t, workload.cachedTokens) * perPair;
  }
  // The LM head (BF16) runs on the last token of each sequence only.
  const lmHead = 2 * model.vocabSize * model.hiddenSize;
  const gemmBf16 = b * t * perToken.bf16 + b * lmHead;
  const gemmFp8 = b * t * perToken.fp8;
  const gemmFp4 = b * t * perToken.fp4;
  return { gemmBf16, gemmFp8, gemmFp4, attention, total: gemmBf16 + gemmFp8 + gemmFp4 + attention };
}
