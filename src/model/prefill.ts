import { allToAllSec, cpRingLink, ringAllReduceSec, sendRecvSec, tpLink } from './collectives.js';
import { tokensPerCpRank } from './kv-cache.js';
import { gemmSec, layerGemmSec } from './roofline.js';
import { ACTIVATION_BYTES, BYTES_PER_ELEMENT, PARTIAL_OUTPUT_BYTES, gemmPeakFlopsPerSec, kvBytesPerElement, weightDtypes } from './precision.js';
import { attentionFlopsPerPair, causalPairs, layerParams } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

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
  /** Fixed per-step cost of the ring (launch, bookkeeping, waiting for the slowest rank), per layer. */
  syncSec: number;
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
  /** TP AllReduce after attention and after the FFN (two per layer), not overlapped. */
  tpCommSec: number;
  /** CP ring SendRecv not hidden under attention, and pass-Q's All2All. */
  cpCommExposedSec: number;
  /** The ring's fixed per-step cost (calibrated `ringStepUs`). */
  ringSyncSec: number;
  /** LM head on the last token of each sequence. */
  lmHeadSec: number;
  /** Serial time per context token that CP does not divide (calibrated). */
  overheadSec: number;
}

export interface PrefillFlops {
  /** Useful model FLOPs over all GPUs (no replicated work counted). */
  gemmBf16: number;
  gemmFp8: number;
  attention: number;
  total: number;
}

export interface PrefillEstimate {
  variant: RingVariant;
  ttftSec: number;
  breakdown: PrefillBreakdown;
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
  const bf16Peak = cluster.gpu.bf16FlopsPerSec;
  const hbm = cluster.gpu.hbmBytesPerSec * cluster.hbmEfficiency;

  // GEMMs on the slowest rank's new tokens (2 * ceil(T / 2N) after padding).
  const newPerRank = tokensPerCpRank(t, n);
  const tokens = b * newPerRank;
  const gemmLayer = layerGemmSec(model, cluster, layout, precision, tokens);

  // Attention: the causal pairs are spread evenly over ranks and ring steps.
  const pairsPerRank = (b * causalPairs(t, p)) / n;
  const attnFlopsPerRank = pairsPerRank * 4 * model.headDim * layout.qHeadsPerGpu;
  const attnStep = attnFlopsPerRank / n / (bf16Peak * cluster.attentionEfficiency);
  const mergeBytes = 3 * tokens * layout.qHeadsPerGpu * (model.headDim + 1) * PARTIAL_OUTPUT_BYTES;
  const mergeLayer = n > 1 ? ((n - 1) * mergeBytes) / hbm : 0;

  const ring = ringTiming(model, cluster, layout, precision, workload, variant, attnStep, mergeLayer / Math.max(1, n - 1));

  const tpBytes = tokens * model.hiddenSize * ACTIVATION_BYTES;
  const tpLayer = 2 * ringAllReduceSec(tpBytes, layout.tp, tpLink(cluster, layout));

  const lmParamsPerGpu = (model.vocabSize * model.hiddenSize) / layout.tp;
  const lmHeadSec = gemmSec(2 * lmParamsPerGpu * b, lmParamsPerGpu * BYTES_PER_ELEMENT[dt.embedding], bf16Peak, cluster);

  const L = model.layers;
  const breakdown: PrefillBreakdown = {
    gemmSec: L * gemmLayer,
    attentionSec: L * n * attnStep,
    mergeSec: L * mergeLayer,
    tpCommSec: L * tpLayer,
    cpCommExposedSec: L * (ring.exposedSec + ring.allToAllSec),
    ringSyncSec: L * ring.syncSec,
    lmHeadSec,
    overheadSec: cluster.serialSecPerContextToken * b * workload.contextTokens,
  };
  const ttftSec = Object.values(breakdown).reduce((sum, x) => sum + x, 0);

  const flops = prefillFlops(model, precision, workload);
  const fp8Peak = gemmPeakFlopsPerSec(cluster, 'fp8');
  const idealSec = (flops.gemmBf16 + flops.attention) / bf16Peak + flops.gemmFp8 / fp8Peak;
  return {
    variant,
    ttftSec,
    breakdown,
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
): RingTiming {
  const n = layout.cp;
  const b = workload.batch;
  const p = workload.cachedTokens;
  const newPerRank = tokensPerCpRank(workload.contextTokens - p, n);
  if (n <= 1) {
    return { variant, steps: 1, stepComputeSec: attnStep, stepSendRecvSec: 0, messageBytes: 0, allToAllSec: 0, syncSec: 0, exposedSec: 0 };
  }
  const link = cpRingLink(cluster, layout);
  let messageBytes: number;
  let stepComputeSec: number;
  let allToAll = 0;
  if (variant === 'pass-kv') {
    // KV shards travel; messages are padded to the largest shard: ceil(P/N) cached (spread evenly) + 2 ceil(T/2N) new.
    const kvTokens = Math.ceil(p / n) + newPerRank;
    messageBytes = b * kvTokens * 2 * layout.kvHeadsPerGpu * model.headDim * kvBytesPerElement(precision.kvDtype);
    stepComputeSec = attnStep + mergeStep;
  } else {
    // Q shards travel; afterwards each rank returns N-1 partial outputs (+ LSE) with one All2All
    // (the paper's App. C: (N-1)(D+1) T e / BW), then merges them.
    messageBytes = b * newPerRank * layout.qHeadsPerGpu * model.headDim * ACTIVATION_BYTES;
    stepComputeSec = attnStep;
    // The merge of the returned partials is in the breakdown's mergeSec, as for pass-KV.
    const returned = (n - 1) * b * newPerRank * layout.qHeadsPerGpu * (model.headDim + 1) * ACTIVATION_BYTES;
    allToAll = allToAllSec(returned, n, link);
  }
  const stepSendRecvSec = sendRecvSec(messageBytes, link);
  return {
    variant,
    steps: n,
    stepComputeSec,
    stepSendRecvSec,
    messageBytes,
    allToAllSec: allToAll,
    syncSec: n * cluster.ringStepSec,
    exposedSec: (n - 1) * Math.max(0, stepSendRecvSec - stepComputeSec),
  };
}

/** Useful FLOPs of the prefill over all GPUs, by the dtype they run in. */
export function prefillFlops(model: ModelSpec, precision: Precision, workload: Workload): PrefillFlops {
  const dt = weightDtypes(precision.weights);
  const t = workload.contextTokens - workload.cachedTokens;
  const b = workload.batch;
  const lp = layerParams(model);
  const perToken = { bf16: 0, fp8: 0 };
  perToken[dt.attention] += 2 * model.layers * (lp.qo + lp.kv);
  perToken[dt.ffn] += 2 * model.layers * lp.ffn;
  // The LM head (BF16) runs on the last token of each sequence only.
  const lmHead = 2 * model.vocabSize * model.hiddenSize;
  const attention = b * model.layers * causalPairs(t, workload.cachedTokens) * attentionFlopsPerPair(model);
  const gemmBf16 = b * t * perToken.bf16 + b * lmHead;
  const gemmFp8 = b * t * perToken.fp8;
  return { gemmBf16, gemmFp8, attention, total: gemmBf16 + gemmFp8 + attention };
}
