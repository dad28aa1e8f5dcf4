import { allToAll, collective, sendRecv, type CollectiveCost } from './hardware/collectives.js';
import { kvElementsPerTokenPerGpu, kvPlacement, linearStateBytes } from './kv-cache.js';
import { singleDomainGroup, type CommGroup } from './hardware/topology.js';
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
  /** CP at decode: the ring pass-Q's Q SendRecvs, All2All, merge and fixed per-layer cost; Ulysses' two All2Alls. */
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
 * columns). The KV sits as the prefill's CP style left it (kvPlacement): a ring
 * of R token ranges, each range's KV heads split into S shards. R > 1: ring
 * pass-Q decode, R attention kernels (one per padded query chunk visiting this
 * rank's range), R-1 Q SendRecvs, one All2All of the partial outputs. S > 1
 * (Ulysses): the queries go to the S ranks owning their heads and the outputs
 * come back (two All2Alls). Without CP one kernel and no messages.
 */
export interface DecodeRing {
  /** Ring steps R: the token ranges a query visits (1 without a ring). */
  steps: number;
  /** Head shards S of one range (Ulysses; 1 for the ring). */
  headShards: number;
  /** Queries one kernel attends: this rank's (ring), or its head group's S ranks' (Ulysses), the real ones. */
  queries: number;
  /** KV tokens one kernel reads per query (after DCP). */
  kvTokens: number;
  /** KV bytes one kernel reads. */
  kvBytes: number;
  /** One attention kernel: its fixed cost plus reading its queries' share of KV. */
  kernelSec: number;
  /** All attention kernels of the layer (R under a ring). */
  attentionSec: number;
  /** One Q SendRecv to the ring neighbour (latency-bound at decode sizes). */
  qSendRecvSec: number;
  /** Q SendRecvs: decode kernels are too short to hide them. */
  sendRecvSec: number;
  /** The All2All returning partial outputs and LSE, posted to every peer at once. */
  allToAllSec: number;
  mergeSec: number;
  /** The fixed per-layer cost of the CP ring decode path (`cpDecodeLayerUs`). */
  fixedSec: number;
  /** The Q SendRecv as NCCL runs it, or null without a ring. */
  sendRecv: CollectiveCost | null;
  /** Ulysses: the All2All of queries (and the new token's K, V) to the head owners, and of the outputs back; 0 when S = 1. */
  ulyssesAllToAllSec: number;
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
 * `workload.batch` sequences. Queries are padded to a multiple of N and split
 * over the CP ranks; each rank still runs every layer's GEMMs (it holds all
 * weights). Attention follows where the CP style left the KV (kvPlacement):
 * under a ring, the paper's batched ring pass-Q (Algorithm 4), each query
 * visiting every rank's KV shard and the partial outputs returning with one
 * All2All; under Ulysses, no ring: each rank attends its head share over the
 * whole context, the queries and outputs moved by two All2Alls (none when the
 * heads are replicated on every rank); hierarchical, both. All-gather leaves
 * the whole KV on every rank (its callers decode it on one TP group). DCP
 * shards each GPU's tokens over `dcp` TP ranks.
 */
export function estimateDecode(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): DecodeEstimate {
  const n = layout.cp;
  const d = layout.dcp;
  const { ring: steps, headShards } = kvPlacement(layout);
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

  // Full layers: one kernel per query chunk (the whole batch without CP; padded batch / N per ring step under a
  // ring), each reading its queries' sequences' share of KV on this GPU (1/R of the tokens by the ring, 1/S of
  // the heads by Ulysses, 1/D by DCP). At batch 1 the padded chunks are real work too, so R kernels read
  // R x ctx/R tokens: a ring does not shrink decode attention. Ulysses' head group of S ranks attends the
  // S ranks' queries with 1/S of the heads over the whole context (the real sequences only).
  const tokensHere = Math.ceil(Math.ceil(workload.contextTokens / steps) / d);
  const chunkQueries = n > 1 ? Math.min(local * headShards, workload.batch) : workload.batch;
  const kvBytes = (chunkQueries * tokensHere * kvElementsPerTokenPerGpu(model, layout, 'full') * eKv) / headShards;
  const kernelFlops = (chunkQueries * tokensHere * attentionFlopsPerPair(model, 'decode') * headsServed) / headShards / model.attentionHeads;
  const kernelSec = kernelTime(kernelFlops, kvBytes, tokensHere);
  const fullAttention = steps * kernelSec;

  const tpAllReduce = collective('all-reduce', local * model.hiddenSize * ACTIVATION_BYTES, layout.groups.tp, cluster);
  const tpComm = 2 * tpAllReduce.sec;

  const ring: DecodeRing = {
    steps,
    headShards,
    queries: chunkQueries,
    kvTokens: tokensHere,
    kvBytes,
    kernelSec,
    attentionSec: fullAttention,
    qSendRecvSec: 0,
    sendRecvSec: 0,
    allToAllSec: 0,
    mergeSec: 0,
    fixedSec: 0,
    sendRecv: null,
    ulyssesAllToAllSec: 0,
  };
  if (steps > 1) {
    // The ring carries the queries this GPU attends with (the DCP group's, once gathered).
    const qBytes = local * headsServed * qWidth * ACTIVATION_BYTES;
    ring.sendRecv = sendRecv(qBytes, ringHop(layout), cluster);
    ring.qSendRecvSec = ring.sendRecv.sec;
    ring.sendRecvSec = (steps - 1) * ring.qSendRecvSec;
    const perPeer = local * headsServed * (outWidth + 1) * ACTIVATION_BYTES;
    // Hierarchical: the ring joins one rank of each NVLink domain.
    const ringGroup: CommGroup = steps === n ? layout.groups.cp : { size: steps, perDomain: 1, domains: steps };
    ring.allToAllSec = allToAll(perPeer, ringGroup, cluster).sec + cluster.engine.allToAllSetupSec;
    ring.mergeSec = ((steps - 1) * 3 * local * headsServed * (outWidth + 1) * PARTIAL_OUTPUT_BYTES) / hbm;
    ring.fixedSec = cluster.engine.cpDecodeLayerSec;
  }
  if (headShards > 1) {
    // Ulysses: this rank's queries (and its new tokens' K, V, appended by their heads' owners) go to the S ranks
    // of its head group; the outputs of their heads come back.
    const cp = layout.groups.cp;
    const group: CommGroup =
      headShards === cp.size
        ? cp
        : headShards <= cp.perDomain
          ? singleDomainGroup(headShards)
          : { size: headShards, perDomain: cp.perDomain, domains: Math.ceil(headShards / cp.perDomain) };
    const inBytes = local * (headsServed * qWidth * ACTIVATION_BYTES + kvElementsPerTokenPerGpu(model, layout, 'full') * eKv);
    const outBytes = local * headsServed * outWidth * ACTIVATION_BYTES;
    ring.ulyssesAllToAllSec =
      collective('all-to-all', inBytes, group, cluster).sec + collective('all-to-all', outBytes, group, cluster).sec + 2 * cluster.engine.allToAllSetupSec;
  }
  const cpComm = ring.sendRecvSec + ring.allToAllSec + ring.mergeSec + ring.fixedSec + ring.ulyssesAllToAllSec;

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
