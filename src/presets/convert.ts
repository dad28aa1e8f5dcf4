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
    ffnSize: p.ffnSize,
    ffnMatrices: p.ffnActivation === 'swiglu' ? 3 : 2,
    vocabSize: p.vocabSize,
    tiedEmbeddings: p.tiedEmbeddings,
    maxContextTokens: p.maxContextTokens,
    defaultWeights: p.defaults?.weights ?? 'bf16',
    defaultKvDtype: p.defaults?.kvDtype ?? 'bf16',
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
