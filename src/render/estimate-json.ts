import { termProvenance } from '../model/provenance.js';
import { kvBytesPerToken, kvCacheBytesPerSequence } from '../model/kv-cache.js';
import { layersByAttention, moeLayers, usesMla } from '../model/layers.js';
import type { EstimateResult } from '../model/estimate.js';
import type { PrefillEstimate } from '../model/prefill.js';
import { activeParams, totalParams, weightBytesTotal } from '../model/shapes.js';
import { round } from './format.js';
import { groupLinkName } from './collective-text.js';
import type { CollectiveCost } from '../model/hardware/collectives.js';
import { choiceNotes, choiceReason } from './reason.js';
import type { HeuristicReport } from '../model/heuristic.js';
import { clusterRef, generatorOf, modelRef } from './provenance.js';

/** Bumped only when a key is removed or changes meaning; new keys may be added freely. */
/**
 * The version of every JSON document. 2 (issue 16): \`generator\` is an object {name, version} everywhere;
 * \`model\` and \`cluster\` are objects of the same base shape in every command; sweep rows carry every input.
 */
export const SCHEMA_VERSION = 2;

export interface Provenance {
  version: string;
  modelFile: string;
  clusterFile: string;
}

const ms = (sec: number): number => round(sec * 1e3, 3);

function prefillJson(p: PrefillEstimate) {
  const b = p.breakdown;
  return {
    ttftMs: ms(p.ttftSec),
    variant: p.variant,
    breakdownMs: {
      gemm: ms(b.gemmSec),
      attention: ms(b.attentionSec),
      merge: ms(b.mergeSec),
      tpCommExposed: ms(b.tpCommSec),
      cpCommExposed: ms(b.cpCommExposedSec),
      epComm: ms(b.epCommSec),
      // Kept for schemaVersion 1: the per-step kernel cost it held double-counted the table's, so it is 0.
      ringSync: 0,
      lmHead: ms(b.lmHeadSec),
      overhead: ms(b.overheadSec),
    },
    // Per layer of each group of identical layers (attention kind, dense or MoE FFN).
    layers: p.layers.map((l) => ({
      attention: l.attention,
      moe: l.moe,
      count: l.count,
      perLayerMs: {
        gemm: ms(l.gemmSec),
        attention: ms(l.attentionSec),
        merge: ms(l.mergeSec),
        tpComm: ms(l.tpCommSec),
        cpCommExposed: ms(l.cpCommExposedSec),
        epComm: ms(l.epCommSec),
        ringSync: 0,
      },
    })),
    ring: {
      steps: p.ring.steps,
      messageBytes: Math.round(p.ring.messageBytes),
      stepComputeMs: ms(p.ring.stepComputeSec),
      stepSendRecvMs: ms(p.ring.stepSendRecvSec),
      allToAllMsPerLayer: ms(p.ring.allToAllSec),
      exposedMsPerLayer: ms(p.ring.exposedSec),
      sendRecv: p.ring.sendRecv ? collectiveJson(p.ring.sendRecv) : null,
    },
    tpAllReduce: collectiveJson(p.tpAllReduce),
    flops: {
      gemmBf16: p.flops.gemmBf16,
      gemmFp8: p.flops.gemmFp8,
      gemmFp4: p.flops.gemmFp4,
      attention: p.flops.attention,
      total: p.flops.total,
    },
    mfu: round(p.mfu, 4),
    achievedTflopsPerGpu: Number((p.achievedFlopsPerSecPerGpu / 1e12).toPrecision(3)),
  };
}

const us = (sec: number): number => round(sec * 1e6, 2);

/** A collective as NCCL would run it: what cp-plan's tuner model picked, and its time per call. */
function collectiveJson(c: CollectiveCost) {
  return { algorithm: c.algorithm, protocol: c.algorithm === 'none' ? null : c.protocol, us: us(c.sec), latencyUs: us(c.latencySec) };
}

function heuristicJson(h: HeuristicReport) {
  return {
    computeTflopsPerGpu: round(h.computeFlopsPerSec / 1e12, 1),
    bandwidthGBpsPerGpu: round(h.bandwidthBytesPerSec / 1e9, 2),
    qBytesPerElement: h.qBytesPerElement,
    kvBytesPerElement: h.kvBytesPerElement,
    missRate: round(h.missRate, 6),
    eq1: { threshold: round(h.eq1.threshold, 6), holds: h.eq1.holds },
    eq2: { minNewTokens: Math.ceil(h.eq2.minNewTokens), holds: h.eq2.holds },
    eq3: { minContextTokens: Math.ceil(h.eq3.minContextTokens), holds: h.eq3.holds },
    eq5: { threshold: round(h.eq5.threshold, 6), holds: h.eq5.holds },
    algorithm1: h.algorithm1,
    algorithm5: h.algorithm5,
  };
}

/** The stable `estimate --json` document. Pure: the same result gives the same object. */
export function estimateToJson(r: EstimateResult, provenance: Provenance) {
  const { model, cluster, layout, workload, precision } = r;
  const mem = r.memory.perGpu;
  const parts = {
    weightsBytes: Math.round(mem.weightsBytes),
    kvCacheBytes: Math.round(mem.kvCacheBytes),
    activationBytes: Math.round(mem.activationBytes),
    reserveBytes: Math.round(mem.reserveBytes),
  };
  return {
    schemaVersion: SCHEMA_VERSION,
    generator: generatorOf(provenance.version),
    model: {
      ...modelRef(model, provenance.modelFile),
      params: totalParams(model),
      activeParams: activeParams(model),
      kvBytesPerToken: kvBytesPerToken(model, precision.kvDtype),
      maxContextTokens: model.maxContextTokens,
      architecture: {
        layers: model.layers,
        layersByAttention: layersByAttention(model),
        attention: usesMla(model) ? 'mla' : 'gqa',
        slidingWindowTokens: model.attention?.slidingWindowTokens ?? null,
        chunkTokens: model.attention?.chunkTokens ?? null,
        moeLayers: moeLayers(model),
        experts: model.moe?.experts ?? null,
        topK: model.moe?.topK ?? null,
        sharedExperts: model.moe?.sharedExperts ?? null,
      },
    },
    cluster: clusterRef(cluster, provenance.clusterFile),
    engine: {
      name: cluster.engine.name,
      displayName: cluster.engine.displayName,
      prefillAttention: cluster.engine.prefillAttention,
      decodeAttention: cluster.engine.decodeAttention,
      calibrated: cluster.scales.engine !== null,
    },
    precision: { weights: precision.weights, kvDtype: precision.kvDtype, attentionDtype: precision.attentionDtype ?? 'bf16' },
    provenance: termProvenance(cluster),
    layout: {
      nodes: layout.nodes,
      gpusPerNode: layout.gpusPerNode,
      gpus: layout.gpus,
      tp: layout.tp,
      cp: layout.cp,
      cpStyle: layout.cpStyle ?? 'ring',
      qHeadsPerGpu: layout.qHeadsPerGpu,
      kvHeadsPerGpu: layout.kvHeadsPerGpu,
      kvReplication: layout.kvReplication,
      dcp: layout.dcp,
      ep: layout.ep,
      tpLink: layout.tp > 1 ? groupLinkName(layout.groups.tp, cluster) : null,
      cpRingLink: layout.cp > 1 ? groupLinkName(layout.groups.cp, cluster) : null,
      nvlinkDomains: { tp: layout.groups.tp.domains, cp: layout.groups.cp.domains, ep: layout.groups.ep.domains, dcp: layout.groups.dcp.domains },
    },
    workload: {
      contextTokens: workload.contextTokens,
      cachedTokens: workload.cachedTokens,
      newTokens: workload.contextTokens - workload.cachedTokens,
      missRate: round((workload.contextTokens - workload.cachedTokens) / workload.contextTokens, 6),
      batch: workload.batch,
      batchMeaning: 'co-batched prompts: prefilled together, then decoded together',
      prefillChunkTokens: workload.prefillChunkTokens ?? null,
    },
    prefill: {
      ...prefillJson(r.prefill),
      chunkTokens: r.prefill.chunkTokens,
      chunks: r.prefill.chunks,
      variants: {
        'pass-kv': { ttftMs: ms(r.variants['pass-kv'].ttftSec) },
        'pass-q': { ttftMs: ms(r.variants['pass-q'].ttftSec) },
      },
      fasterVariant: r.fasterVariant,
      reason: choiceReason(r),
      notes: choiceNotes(r),
      heuristic: heuristicJson(r.heuristic),
      crossoverMissRate: r.crossover.missRate === null ? null : round(r.crossover.missRate, 6),
      crossover: { belowWins: r.crossover.below, aboveWins: r.crossover.above },
      // Every CP style on this layout (empty without CP): ttftMs null where the style cannot take it.
      cpStyles: r.styles.map((o) => ({
        style: o.style,
        runByEngine: o.runByEngine,
        ttftMs: o.ttftSec === null ? null : ms(o.ttftSec),
        memoryPerGpuBytes: o.memoryBytes === null ? null : Math.round(o.memoryBytes),
        fits: o.fits,
        problem: o.problem,
      })),
    },
    decode: {
      ttitMs: ms(r.decode.ttitSec),
      tokensPerSecond: round(r.decode.tokensPerSecondPerSequence, 3),
      aggregateTokensPerSecond: round(r.decode.tokensPerSecondAggregate, 3),
      paddedBatch: r.decode.paddedBatch,
      breakdownMs: {
        gemm: ms(r.decode.breakdown.gemmSec),
        attention: ms(r.decode.breakdown.attentionSec),
        tpComm: ms(r.decode.breakdown.tpCommSec),
        cpComm: ms(r.decode.breakdown.cpCommSec),
        dcpComm: ms(r.decode.breakdown.dcpCommSec),
        epComm: ms(r.decode.breakdown.epCommSec),
        lmHead: ms(r.decode.breakdown.lmHeadSec),
        overhead: ms(r.decode.breakdown.overheadSec),
      },
      // One full-attention layer's attention, in the columns of the paper's Table 8 (ring pass-Q under CP).
      ring: {
        perLayerUs: {
          kernel: us(r.decode.ring.kernelSec),
          attention: us(r.decode.ring.attentionSec),
          sendRecv: us(r.decode.ring.sendRecvSec),
          allToAll: us(r.decode.ring.allToAllSec),
          merge: us(r.decode.ring.mergeSec),
          whole: us(r.decode.ring.attentionSec + r.decode.ring.sendRecvSec + r.decode.ring.allToAllSec + r.decode.ring.mergeSec),
          fixed: us(r.decode.ring.fixedSec),
        },
        sendRecv: r.decode.ring.sendRecv ? collectiveJson(r.decode.ring.sendRecv) : null,
      },
      tpAllReduce: collectiveJson(r.decode.tpAllReduce),
      cp1TtitMs: ms(r.decodeCp1.ttitSec),
      cp1Fits: r.cp1Fits,
      regressionVsCp1: round(r.decode.ttitSec / r.decodeCp1.ttitSec, 4),
    },
    memory: {
      perGpu: {
        ...parts,
        // The sum of the rounded parts, so that total = sum of parts holds exactly.
        totalBytes: parts.weightsBytes + parts.kvCacheBytes + parts.activationBytes + parts.reserveBytes,
        capacityBytes: Math.round(mem.capacityBytes),
      },
      fits: r.memory.fits,
      // One sequence's KV cache at this context: all layers, every GPU's share once (no TP replication), at the KV dtype.
      kvCacheBytesPerSequence: Math.round(kvCacheBytesPerSequence(model, precision.kvDtype, workload.contextTokens)),
      tokensPerGpu: r.memory.tokensPerGpu,
      maxContextTokens: r.memory.maxContextTokens,
      kvCapacityTokens: r.memory.kvCapacityTokensPerGpu,
      kvCapacityContextTokens: r.memory.kvCapacityContextTokens,
      maxBatch: r.memory.maxBatch,
      maxConcurrentSequences: r.memory.maxConcurrentSequences,
      weightsTotalBytes: Math.round(weightBytesTotal(model, precision.weights)),
    },
    warnings: r.warnings,
  };
}
