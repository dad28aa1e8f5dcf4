import { allToAllSec, cpRingLink, ringAllGatherSec, ringAllReduceSec, sendRecvSec, tpLink } from './collectives.js';
import { kvBytesPerTokenPerGpu } from './kv-cache.js';
import { ACTIVATION_BYTES, BYTES_PER_ELEMENT, PARTIAL_OUTPUT_BYTES, weightDtypes } from './precision.js';
import { gemmSec, layerGemmSec } from './roofline.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from './types.js';

export interface DecodeBreakdown {
  /** Weight reads (and, at large batch, the math) of the QKV/O and FFN GEMMs. */
  gemmSec: number;
  /** Reading this GPU's KV shard for every query, plus the attention math. */
  attentionSec: number;
  /** Two TP AllReduces per layer: latency-bound at small batch. */
  tpCommSec: number;
  /** Ring pass-Q decode: Q SendRecv steps not hidden, the All2All, the merge and per-step sync. */
  cpCommSec: number;
  /** DCP: AllGather of queries and ReduceScatter of partial outputs inside the TP group. */
  dcpCommSec: number;
  lmHeadSec: number;
  /** Calibrated fixed cost per layer (kernel launches, small syncs). */
  overheadSec: number;
}

/** Per layer, the parts of ring pass-Q decode (zero on CP1). */
export interface DecodeRing {
  qSendRecvSec: number;
  /** (N-1) x the part of each Q SendRecv that its step's attention does not hide. */
  exposedSec: number;
  allToAllSec: number;
  mergeSec: number;
  /** N x ringStepUs. */
  syncSec: number;
}

export interface DecodeEstimate {
  /** Time to the next token for every sequence of the batch. */
  ttitSec: number;
  ring: DecodeRing;
  breakdown: DecodeBreakdown;
  /** Batch after padding to a multiple of the CP ranks (ring pass-Q decode). */
  paddedBatch: number;
  tokensPerSecondPerSequence: number;
  tokensPerSecondAggregate: number;
}

/**
 * One decode step after prefilling `workload.contextTokens` tokens, for
 * `workload.batch` sequences. Decode under CP is the paper's batched ring
 * pass-Q (Algorithm 4): queries are padded to a multiple of N and split over
 * the CP ranks; each rank still runs every layer's GEMMs (it holds all
 * weights), each query visits every rank's KV shard, and the partial outputs
 * return with one All2All. DCP shards each GPU's tokens over `dcp` TP ranks.
 */
export function estimateDecode(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
): DecodeEstimate {
  const n = layout.cp;
  const d = layout.dcp;
  const paddedBatch = n > 1 ? Math.ceil(workload.batch / n) * n : workload.batch;
  const local = paddedBatch / n; // queries whose GEMMs this rank runs
  const dt = weightDtypes(precision.weights);
  const hbm = cluster.gpu.hbmBytesPerSec * cluster.hbmEfficiency;

  const gemm = layerGemmSec(model, cluster, layout, precision, local);

  // Every query of the batch meets this GPU's share of its sequence's KV (1/N by CP, 1/D by DCP).
  const tokensHere = Math.ceil(Math.ceil(workload.contextTokens / n) / d);
  const kvBytesPerLayer = (workload.batch * tokensHere * kvBytesPerTokenPerGpu(model, layout, precision.kvDtype)) / model.layers;
  const headsServed = layout.qHeadsPerGpu * d; // DCP gathers the queries of the whole group
  const attnFlops = workload.batch * tokensHere * 4 * model.headDim * headsServed;
  const attention = Math.max(attnFlops / (cluster.gpu.bf16FlopsPerSec * cluster.attentionEfficiency), kvBytesPerLayer / hbm);

  const tpComm = 2 * ringAllReduceSec(local * model.hiddenSize * ACTIVATION_BYTES, layout.tp, tpLink(cluster, layout));

  const ring: DecodeRing = { qSendRecvSec: 0, exposedSec: 0, allToAllSec: 0, mergeSec: 0, syncSec: 0 };
  if (n > 1) {
    const link = cpRingLink(cluster, layout);
    // The ring carries the queries this GPU attends with (the DCP group's, once gathered).
    const qBytes = local * headsServed * model.headDim * ACTIVATION_BYTES;
    const step = attention / n;
    ring.qSendRecvSec = sendRecvSec(qBytes, link);
    ring.exposedSec = (n - 1) * Math.max(0, ring.qSendRecvSec - step);
    const returned = (n - 1) * local * headsServed * (model.headDim + 1) * ACTIVATION_BYTES;
    ring.allToAllSec = allToAllSec(returned, n, link);
    ring.mergeSec = ((n - 1) * 3 * local * headsServed * (model.headDim + 1) * PARTIAL_OUTPUT_BYTES) / hbm;
    ring.syncSec = n * cluster.ringStepSec;
  }
  const cpComm = ring.exposedSec + ring.allToAllSec + ring.mergeSec + ring.syncSec;

  let dcpComm = 0;
  if (d > 1) {
    // vLLM's default ag_rs: gather the group's queries, then reduce-scatter partial outputs (+ LSE).
    const qBytes = local * layout.qHeadsPerGpu * model.headDim * ACTIVATION_BYTES;
    const outBytes = local * layout.qHeadsPerGpu * (model.headDim + 1) * PARTIAL_OUTPUT_BYTES;
    dcpComm = ringAllGatherSec(qBytes, d, cluster.scaleUp) + ringAllGatherSec(outBytes, d, cluster.scaleUp);
  }

  const lmParams = (model.vocabSize * model.hiddenSize) / layout.tp;
  const lmHeadSec = gemmSec(2 * lmParams * local, lmParams * BYTES_PER_ELEMENT[dt.embedding], cluster.gpu.bf16FlopsPerSec, cluster);

  const L = model.layers;
  const breakdown: DecodeBreakdown = {
    gemmSec: L * gemm,
    attentionSec: L * attention,
    tpCommSec: L * tpComm,
    cpCommSec: L * cpComm,
    dcpCommSec: L * dcpComm,
    lmHeadSec,
    overheadSec: L * cluster.decodeLayerSec,
  };
  const ttitSec = Object.values(breakdown).reduce((sum, x) => sum + x, 0);
  return {
    ttitSec,
    ring,
    breakdown,
    paddedBatch,
    tokensPerSecondPerSequence: 1 / ttitSec,
    tokensPerSecondAggregate: workload.batch / ttitSec,
  };
}
