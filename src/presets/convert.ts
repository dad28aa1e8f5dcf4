import type { ClusterPreset } from '../schema/cluster-preset.js';
import type { ModelPreset } from '../schema/model-preset.js';
import type { ClusterSpec, LinkSpec, ModelSpec } from '../model/types.js';

/** Unit conversions from preset keys to SI, applied once at load time. */
const GB = 1e9;
const TB = 1e12;
const TFLOPS = 1e12;
const US = 1e-6;

export function modelSpecFromPreset(p: ModelPreset): ModelSpec {
  return {
    name: p.name,
    displayName: p.displayName,
    source: p.source,
    layers: p.layers,
    hiddenSize: p.hiddenSize,
    attentionHeads: p.attentionHeads,
    kvHeads: p.kvHeads,
    headDim: p.headDim,
    ffnSize: p.ffnSize ?? 0,
    ffnMatrices: p.ffnActivation === 'gelu' ? 2 : 3,
    vocabSize: p.vocabSize,
    tiedEmbeddings: p.tiedEmbeddings,
    maxContextTokens: p.maxContextTokens,
    defaultWeights: p.defaults?.weights ?? 'bf16',
    defaultKvDtype: p.defaults?.kvDtype ?? 'bf16',
    attention: p.attention
      ? {
          pattern: p.attention.pattern,
          slidingWindowTokens: p.attention.slidingWindowTokens ?? null,
          chunkTokens: p.attention.chunkTokens ?? null,
          mla: p.attention.mla ? { ...p.attention.mla, qLoraRank: p.attention.mla.qLoraRank ?? null } : null,
          linear: p.attention.linear ? { ...p.attention.linear, outputGate: p.attention.linear.outputGate ?? false } : null,
          sinks: p.attention.sinks ?? false,
          qkNorm: p.attention.qkNorm ?? false,
        }
      : undefined,
    moe: p.moe
      ? {
          experts: p.moe.experts,
          topK: p.moe.topK,
          sharedExperts: p.moe.sharedExperts,
          expertFfnSize: p.moe.expertFfnSize,
          sharedFfnSize: p.moe.sharedFfnSize ?? p.moe.expertFfnSize,
          firstDenseLayers: p.moe.firstDenseLayers ?? 0,
          layerInterval: p.moe.layerInterval ?? 1,
        }
      : null,
  };
}

type LinkPreset = ClusterPreset['scaleUp'] | ClusterPreset['scaleOut'];

function link(l: LinkPreset, efficiency: number, allToAllEfficiency: number): LinkSpec {
  return {
    name: l.name,
    kind: l.kind,
    bytesPerSec: l.bandwidthPerDirectionGBps * GB,
    peerBytesPerSec: (l.peerBandwidthPerDirectionGBps ?? l.bandwidthPerDirectionGBps) * GB,
    latencySec: l.latencyUs * US,
    hopLatencySec: l.hopLatencyUs * US,
    efficiency,
    allToAllEfficiency,
  };
}

export function clusterSpecFromPreset(p: ClusterPreset): ClusterSpec {
  return {
    name: p.name,
    displayName: p.displayName,
    source: p.source,
    gpu: {
      name: p.gpu.name,
      bf16FlopsPerSec: p.gpu.bf16DenseTflops * TFLOPS,
      fp8FlopsPerSec: p.gpu.fp8DenseTflops === undefined ? null : p.gpu.fp8DenseTflops * TFLOPS,
      hbmBytes: p.gpu.hbmCapacityGB * GB,
      hbmBytesPerSec: p.gpu.hbmBandwidthTBps * TB,
    },
    gpusPerNode: p.gpusPerNode,
    maxNodes: p.maxNodes,
    scaleUp: link(p.scaleUp, p.efficiency.scaleUpFractionOfPeak, p.efficiency.scaleUpAllToAllFractionOfPeak),
    scaleOut: link(p.scaleOut, p.efficiency.scaleOutFractionOfPeak, p.efficiency.scaleOutAllToAllFractionOfPeak),
    gemmEfficiency: p.efficiency.gemmFractionOfPeak,
    attentionEfficiency: p.efficiency.attentionFractionOfPeak,
    hbmEfficiency: p.efficiency.hbmFractionOfPeak,
    serialSecPerContextToken: p.overhead.serialUsPerContextToken * US,
    decodeLayerSec: p.overhead.decodeLayerUs * US,
    ringStepSec: p.overhead.ringStepUs * US,
    runtimeReserveBytes: p.memory.runtimeReserveGB * GB,
    calibratedRange: p.calibratedRange ?? null,
  };
}
