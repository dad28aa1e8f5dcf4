import { allToAll, collective, sendRecv, type CollectiveCost } from './hardware/collectives.js';
import { kvElementsPerTokenPerGpu, linearStateBytes } from './kv-cache.js';
import { cachedTokensOfLayer, layerGroups } from './layers.js';
import { ACTIVATION_BYTES, BYTES_PER_ELEMENT, PARTIAL_OUTPUT_BYTES, kvBytesPerElement, weightDtypes } from './precision.js';
import { expertAllToAllSec, ringHop } from './prefill.js';
import { attentionFlopsPerSec, decodeAttentionSec, decodeKernelFixedSec, gemmSec, hbmBytesPerSec } from './hardware/kernels.js';
import { layerGemmSec } from './roofline.js';
import { attentionFlopsPerPair, qHeadDim, vHeadDim } from './shapes.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, Workload } from './types.js';

export interface DecodeBreakdown {
  /** Weight reads (and, at large batch, the math) of the QKV/O and FFN GEMMs. */
  gemmSec: number;
  /** Reading this GPU's KV shard for every query, plus the attention math. */
  attentionSec: number;
  /** Two TP AllReduces per layer: latency-bound at small batch. */
  tpCommSec: number;
  /** Ring pass-Q decode: the Q SendRecvs, the All2All, the merge and the fixed per-layer cost. */
  cpCommSec: number;
  /** DCP: AllGather of queries and ReduceScatter of partial outputs inside the TP group. */
  dcpCommSec: number;
  /** Expert parallelism: All2All dispatch and combine of the step's tokens. */
  epCommSec: number;
  lmHeadSec: number;
  /** The engine's fixed cost per layer (kernel launches, small syncs) and per step (scheduler, sampling). */
  overheadSec: number;
}

/**
 * Per full-attention layer, the parts of decode attention (the paper's Table 8
 * columns). With CP, ring pass-Q decode: N attention kernels (one per padded
 * query chunk visiting this rank's KV), N-1 Q SendRecvs, one All2All of the
 * partial outputs; without CP one kernel and no messages.
 */
export interface DecodeRing {
  /** One attention kernel: its fixed cost plus reading its queries' share of KV. */
  kernelSec: number;
  /** All attention kernels of the layer (N under CP). */
  attentionSec: number;
  /** One Q SendRecv to the ring neighbour (latency-bound at decode sizes). */
  qSendRecvSec: number;
  /** (N-1) Q SendRecvs: decode kernels are too short to hide them. */
  sendRecvSec: number;
  /** The All2All returning partial outputs and LSE, posted to every peer at once. */
  allToAllSec: number;
  mergeSec: number;
  /** The fixed per-layer cost of the CP decode path (`cpDecodeLayerUs`). */
  fixedSec: number;
  /** The Q SendRecv as NCCL runs it, or null without a ring. */
  sendRecv: CollectiveCost | null;
}

export interface DecodeEstimate {
  /** Time to the next token for every sequence of the batch. */
  ttitSec: number;
  /** Per full-attention layer: the attention kernels and the ring's messages. */
  ring: DecodeRing;
  /** One of the two TP all-reduces of a decode layer, as NCCL would run it. */
  tpAllReduce: CollectiveCost;
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
export function estimateDecode(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): DecodeEstimate {
  const n = layout.cp;
  const d = layout.dcp;
  const paddedBatch = n > 1 ? Math.ceil(workload.batch / n) * n : workload.batch;
  const local = paddedBatch / n; // queries whose GEMMs this rank runs
  const dt = weightDtypes(precision.weights);
  const hbm = hbmBytesPerSec(cluster);
  const attnDtype = precision.attentionDtype ?? 'bf16';
  const eKv = kvBytesPerElement(precision.kvDtype);
  // A decode kernel costs its fixed cost plus reading its KV at the engine's decode kernel's measured bandwidth,
  // unless its (small) math at the attention kernels' rate takes longer.
  const kernelTime = (flops: number, bytes: number, kvTokens: number) =>
    Math.max(decodeAttentionSec(cluster, precision.kvDtype, bytes), flops / attentionFlopsPerSec(cluster, attnDtype, kvTokens, kvTokens));
  const headsServed = layout.qHeadsPerGpu * d; // DCP gathers the queries of the whole group
  // What a query and a partial output hold per head: absorbed MLA works in the latent (kvLoraRank + rope in, kvLoraRank out).
  const mla = model.attention?.mla;
  const qWidth = mla ? mla.kvLoraRank + mla.qkRopeHeadDim : qHeadDim(model);
  const outWidth = mla ? mla.kvLoraRank : vHeadDim(model);

  // Full layers: one kernel per query chunk (the whole batch without CP; padded batch / N per ring step under CP),
  // each reading its queries' sequences' share of KV on this GPU (1/N by CP, 1/D by DCP). At batch 1 the padded
  // chunks are real work too, so N kernels read N x ctx/N tokens: CP does not shrink decode attention.
  const tokensHere = Math.ceil(Math.ceil(workload.contextTokens / n) / d);
  const chunkQueries = n > 1 ? local : workload.batch;
  const kvBytes = chunkQueries * tokensHere * kvElementsPerTokenPerGpu(model, layout, 'full') * eKv;
  const kernelFlops = (chunkQueries * tokensHere * attentionFlopsPerPair(model, 'decode') * headsServed) / model.attentionHeads;
  const kernelSec = kernelTime(kernelFlops, kvBytes, tokensHere);
  const fullAttention = n * kernelSec;

  const tpAllReduce = collective('all-reduce', local * model.hiddenSize * ACTIVATION_BYTES, layout.groups.tp, cluster);
  const tpComm = 2 * tpAllReduce.sec;

  const ring: DecodeRing = {
    kernelSec,
    attentionSec: fullAttention,
    qSendRecvSec: 0,
    sendRecvSec: 0,
    allToAllSec: 0,
    mergeSec: 0,
    fixedSec: 0,
    sendRecv: null,
  };
  if (n > 1) {
    // The ring carries the queries this GPU attends with (the DCP group's, once gathered).
    const qBytes = local * headsServed * qWidth * ACTIVATION_BYTES;
    ring.sendRecv = sendRecv(qBytes, ringHop(layout), cluster);
    ring.qSendRecvSec = ring.sendRecv.sec;
    ring.sendRecvSec = (n - 1) * ring.qSendRecvSec;
    const perPeer = local * headsServed * (outWidth + 1) * ACTIVATION_BYTES;
    ring.allToAllSec = allToAll(perPeer, layout.groups.cp, cluster).sec + cluster.engine.allToAllSetupSec;
    ring.mergeSec = ((n - 1) * 3 * local * headsServed * (outWidth + 1) * PARTIAL_OUTPUT_BYTES) / hbm;
    ring.fixedSec = cluster.engine.cpDecodeLayerSec;
  }
  const cpComm = ring.sendRecvSec + ring.allToAllSec + ring.mergeSec + ring.fixedSec;

  let dcpComm = 0;
  if (d > 1) {
    // vLLM's default ag_rs: gather the group's queries, then reduce-scatter partial outputs (+ LSE).
    const qBytes = local * layout.qHeadsPerGpu * qWidth * ACTIVATION_BYTES;
    const outBytes = local * layout.qHeadsPerGpu * (outWidth + 1) * PARTIAL_OUTPUT_BYTES;
    dcpComm = collective('all-gather', d * qBytes, layout.groups.dcp, cluster).sec + collective('reduce-scatter', d * outBytes, layout.groups.dcp, cluster).sec;
  }

  const breakdown: DecodeBreakdown = { gemmSec: 0, attentionSec: 0, tpCommSec: 0, cpCommSec: 0, dcpCommSec: 0, epCommSec: 0, lmHeadSec: 0, overheadSec: 0 };
  for (const g of layerGroups(model)) {
    breakdown.gemmSec += g.count * layerGemmSec(model, cluster, layout, precision, local, g);
    breakdown.tpCommSec += g.count * tpComm;
    breakdown.overheadSec += g.count * cluster.engine.decodeLayerSec;
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
      breakdown.attentionSec +=
        g.count *
        (decodeKernelFixedSec(cluster, precision.kvDtype) +
          Math.max(flops / attentionFlopsPerSec(cluster, attnDtype, l.blockTokens, l.blockTokens), stateBytes / hbm));
    } else {
      // A bounded layer's window stays with the rank that runs its sequence's query: no ring.
      const window = Math.ceil(cachedTokensOfLayer(model, g.attention, workload.contextTokens) / d);
      const bytes = local * window * kvElementsPerTokenPerGpu(model, layout, g.attention) * eKv;
      const flops = (local * window * attentionFlopsPerPair(model, 'decode', g.attention) * headsServed) / model.attentionHeads;
      breakdown.attentionSec += g.count * kernelTime(flops, bytes, window);
      breakdown.dcpCommSec += g.count * dcpComm;
    }
  }
  const lmParams = (model.vocabSize * model.hiddenSize) / layout.tp;
  breakdown.lmHeadSec = gemmSec(2 * lmParams * local, lmParams * BYTES_PER_ELEMENT[dt.embedding], local, 'bf16', cluster, lmParams);
  // Once per step: the engine's scheduler and sampler, not overlapped with the GPU.
  breakdown.overheadSec += cluster.engine.decodeStepSec;
  const ttitSec = Object.values(breakdown).reduce((sum, x) => sum + x, 0);
  return {
    ttitSec,
    ring,
    tpAllReduce,
    breakdown,
    paddedBatch,
    tokensPerSecondPerSequence: 1 / ttitSec,
    tokensPerSecondAggregate: workload.batch / ttitSec,
  };
}
