import { allToAllSec, cpRingLink, ringAllGatherSec, ringAllReduceSec, sendRecvSec, tpLink } from './collectives.js';
import { kvElementsPerTokenPerGpu, linearStateBytes } from './kv-cache.js';
import { cachedTokensOfLayer, layerGroups } from './layers.js';
import { ACTIVATION_BYTES, BYTES_PER_ELEMENT, PARTIAL_OUTPUT_BYTES, kvBytesPerElement, weightDtypes } from './precision.js';
import { expertAllToAllSec } from './prefill.js';
import { gemmSec, layerGemmSec } from './roofline.js';
import { attentionFlopsPerPair, qHeadDim, vHeadDim } from './shapes.js';
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
  /** Expert parallelism: All2All dispatch and combine of the step's tokens. */
  epCommSec: number;
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

  const attentionFlopsPerSec = cluster.gpu.bf16FlopsPerSec * cluster.attentionEfficiency;
  const eKv = kvBytesPerElement(precision.kvDtype);
  const headsServed = layout.qHeadsPerGpu * d; // DCP gathers the queries of the whole group
  // What a query and a partial output hold per head: absorbed MLA works in the latent (kvLoraRank + rope in, kvLoraRank out).
  const mla = model.attention?.mla;
  const qWidth = mla ? mla.kvLoraRank + mla.qkRopeHeadDim : qHeadDim(model);
  const outWidth = mla ? mla.kvLoraRank : vHeadDim(model);

  // Full layers: every query of the batch meets this GPU's share of its sequence's KV (1/N by CP, 1/D by DCP).
  const tokensHere = Math.ceil(Math.ceil(workload.contextTokens / n) / d);
  const fullKvBytes = workload.batch * tokensHere * kvElementsPerTokenPerGpu(model, layout, 'full') * eKv;
  const fullFlops = (workload.batch * tokensHere * attentionFlopsPerPair(model, 'decode') * headsServed) / model.attentionHeads;
  const fullAttention = Math.max(fullFlops / attentionFlopsPerSec, fullKvBytes / hbm);

  const tpComm = 2 * ringAllReduceSec(local * model.hiddenSize * ACTIVATION_BYTES, layout.tp, tpLink(cluster, layout));

  const ring: DecodeRing = { qSendRecvSec: 0, exposedSec: 0, allToAllSec: 0, mergeSec: 0, syncSec: 0 };
  if (n > 1) {
    const link = cpRingLink(cluster, layout);
    // The ring carries the queries this GPU attends with (the DCP group's, once gathered).
    const qBytes = local * headsServed * qWidth * ACTIVATION_BYTES;
    const step = fullAttention / n;
    ring.qSendRecvSec = sendRecvSec(qBytes, link);
    ring.exposedSec = (n - 1) * Math.max(0, ring.qSendRecvSec - step);
    const returned = (n - 1) * local * headsServed * (outWidth + 1) * ACTIVATION_BYTES;
    ring.allToAllSec = allToAllSec(returned, n, link);
    ring.mergeSec = ((n - 1) * 3 * local * headsServed * (outWidth + 1) * PARTIAL_OUTPUT_BYTES) / hbm;
    ring.syncSec = n * cluster.ringStepSec;
  }
  const cpComm = ring.exposedSec + ring.allToAllSec + ring.mergeSec + ring.syncSec;

  let dcpComm = 0;
  if (d > 1) {
    // vLLM's default ag_rs: gather the group's queries, then reduce-scatter partial outputs (+ LSE).
    const qBytes = local * layout.qHeadsPerGpu * qWidth * ACTIVATION_BYTES;
    const outBytes = local * layout.qHeadsPerGpu * (outWidth + 1) * PARTIAL_OUTPUT_BYTES;
    dcpComm = ringAllGatherSec(qBytes, d, cluster.scaleUp) + ringAllGatherSec(outBytes, d, cluster.scaleUp);
  }

  const breakdown: DecodeBreakdown = { gemmSec: 0, attentionSec: 0, tpCommSec: 0, cpCommSec: 0, dcpCommSec: 0, epCommSec: 0, lmHeadSec: 0, overheadSec: 0 };
  for (const g of layerGroups(model)) {
    breakdown.gemmSec += g.count * layerGemmSec(model, cluster, layout, precision, local, g);
    breakdown.tpCommSec += g.count * tpComm;
    breakdown.overheadSec += g.count * cluster.decodeLayerSec;
    if (g.moe && layout.ep > 1) breakdown.epCommSec += g.count * 2 * expertAllToAllSec(model, cluster, layout, local);
    if (g.attention === 'full') {
      breakdown.attentionSec += g.count * fullAttention;
      breakdown.cpCommSec += g.count * cpComm;
      breakdown.dcpCommSec += g.count * dcpComm;
    } else if (g.attention === 'linear') {
      // Read and write the state of this rank's sequences (their queries run here), and the per-token math on it.
      const l = model.attention!.linear!;
      const stateBytes = (2 * local * linearStateBytes(model)) / layout.tp;
      const flops = (local * 4 * l.heads * l.keyDim * l.valueDim) / layout.tp;
      breakdown.attentionSec += g.count * Math.max(flops / attentionFlopsPerSec, stateBytes / hbm);
    } else {
      // A bounded layer's window stays with the rank that runs its sequence's query: no ring.
      const window = Math.ceil(cachedTokensOfLayer(model, g.attention, workload.contextTokens) / d);
      const bytes = local * window * kvElementsPerTokenPerGpu(model, layout, g.attention) * eKv;
      const flops = (local * window * attentionFlopsPerPair(model, 'decode', g.attention) * headsServed) / model.attentionHeads;
      breakdown.attentionSec += g.count * Math.max(flops / attentionFlopsPerSec, bytes / hbm);
      breakdown.dcpCommSec += g.count * dcpComm;
    }
  }
  const lmParams = (model.vocabSize * model.hiddenSize) / layout.tp;
  breakdown.lmHeadSec = gemmSec(2 * lmParams * local, lmParams * BYTES_PER_ELEMENT[dt.embedding], cluster.gpu.bf16FlopsPerSec, cluster);
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
