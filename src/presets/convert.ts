import type { ClusterPreset } from '../schema/cluster-preset.js';
import type { CollectivesPreset } from '../schema/collectives-preset.js';
import type { ModelPreset } from '../schema/model-preset.js';
import type { ClusterSpec, CollectiveLibrary, LinkSpec, ModelSpec } from '../model/types.js';

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

const GBPS = 1e9;
const triple = (t: readonly [number, number, number], scale: number) => [t[0] * scale, t[1] * scale, t[2] * scale] as const;

export function collectivesFromPreset(p: CollectivesPreset): CollectiveLibrary {
  const byAlgo = (b: CollectivesPreset['baseLatencyUs']) => ({
    tree: triple(b.tree, US),
    ring: triple(b.ring, US),
    nvls: triple(b.nvls, US),
    nvlsTree: triple(b.nvlsTree, US),
    collnetDirect: triple(b.collnetDirect, US),
  });
  const gbps = <K extends string>(r: Record<K, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v as number) * GBPS])) as Record<K, number>;
  return {
    name: p.name,
    displayName: p.displayName,
    source: p.source,
    baseLatencySec: byAlgo(p.baseLatencyUs),
    hopLatencySec: { nvlink: byAlgo(p.hopLatencyUs.nvlink), pci: byAlgo(p.hopLatencyUs.pci), net: byAlgo(p.hopLatencyUs.net) },
    llMaxBusBytesPerSec: {
      singleNode: gbps(p.llMaxBusBandwidthGBps.singleNode),
      twoNodes: gbps(p.llMaxBusBandwidthGBps.twoNodes),
      moreNodes: gbps(p.llMaxBusBandwidthGBps.moreNodes),
    },
    protocolBandwidthFactor: { ...p.protocolBandwidthFactor },
    ringPlateauLatencyFactor: p.ringPlateauLatencyFactor,
    netOverheadSec: { intel: p.netOverheadUs.intel * US, amd: p.netOverheadUs.amd * US, arm: p.netOverheadUs.arm * US },
    netOverheadSimpleFactor: p.netOverheadSimpleFactor,
    p2pLlThresholdBytes: p.p2pLlThresholdBytes,
    treeCorrectionFactor: { LL: p.treeCorrectionFactor.ll, LL128: p.treeCorrectionFactor.ll128, Simple: p.treeCorrectionFactor.simple },
  };
}

/** The cluster's spec; `collectives` is the library preset its topology names (resolved by the caller). */
export function clusterSpecFromPreset(p: ClusterPreset, collectives: CollectiveLibrary): ClusterSpec {
  const e = p.efficiency;
  const scaleUp: LinkSpec = {
    name: p.scaleUp.name,
    kind: p.scaleUp.kind,
    bytesPerSec: p.scaleUp.bandwidthPerDirectionGBps * GB,
    peerBytesPerSec: (p.scaleUp.peerBandwidthPerDirectionGBps ?? p.scaleUp.bandwidthPerDirectionGBps) * GB,
    busEfficiency: e.scaleUpBusFractionOfPeak,
    sendRecvEfficiency: e.scaleUpSendRecvFractionOfPeak,
    allToAllEfficiency: e.scaleUpAllToAllFractionOfPeak,
    extraLatencySec: p.scaleUp.extraLatencyUs * US,
    pipelineFillSec: p.scaleUp.pipelineFillUs * US,
    pipelineFillHalfBytes: p.scaleUp.pipelineFillHalfBytes,
    linkClass: p.scaleUp.kind === 'pcie' ? 'pci' : 'nvlink',
    nvlsBusBytesPerSec: p.scaleUp.nvlsBusBandwidthGBps === undefined ? null : p.scaleUp.nvlsBusBandwidthGBps * GB,
    inNetworkReduction: false,
  };
  const scaleOut: LinkSpec = {
    name: p.scaleOut.name,
    kind: p.scaleOut.kind,
    bytesPerSec: p.scaleOut.bandwidthPerNicGBps * GB,
    peerBytesPerSec: p.scaleOut.bandwidthPerNicGBps * GB,
    busEfficiency: e.scaleOutBusFractionOfPeak,
    sendRecvEfficiency: e.scaleOutSendRecvFractionOfPeak,
    allToAllEfficiency: e.scaleOutAllToAllFractionOfPeak,
    extraLatencySec: p.scaleOut.extraLatencyUs * US,
    pipelineFillSec: p.scaleOut.pipelineFillUs * US,
    pipelineFillHalfBytes: p.scaleOut.pipelineFillHalfBytes,
    linkClass: 'net',
    nvlsBusBytesPerSec: null,
    inNetworkReduction: p.scaleOut.inNetworkReduction,
  };
  return {
    name: p.name,
    displayName: p.displayName,
    source: p.source,
    gpu: {
      name: p.gpu.name,
      generation: p.gpu.architecture,
      bf16FlopsPerSec: p.gpu.bf16DenseTflops * TFLOPS,
      fp8FlopsPerSec: p.gpu.fp8DenseTflops === undefined ? null : p.gpu.fp8DenseTflops * TFLOPS,
      hbmBytes: p.gpu.hbmCapacityGB * GB,
      hbmBytesPerSec: p.gpu.hbmBandwidthTBps * TB,
    },
    gpusPerNode: p.gpusPerNode,
    maxNodes: p.maxNodes,
    nvlinkDomainGpus: p.topology.nvlinkDomainGpus ?? p.gpusPerNode,
    nicsPerNode: p.topology.nicsPerNode ?? p.gpusPerNode,
    hostCpu: p.topology.hostCpu,
    scaleUp,
    scaleOut,
    collectives,
    gemmEfficiency: e.gemmFractionOfPeak,
    attentionEfficiency: e.attentionFractionOfPeak,
    hbmEfficiency: e.hbmFractionOfPeak,
    serialSecPerContextToken: p.overhead.serialUsPerContextToken * US,
    decodeLayerSec: p.overhead.decodeLayerUs * US,
    attentionKernelSec: p.overhead.attentionKernelUs * US,
    cpDecodeLayerSec: p.overhead.cpDecodeLayerUs * US,
    allToAllSetupSec: p.overhead.allToAllSetupUs * US,
    runtimeReserveBytes: p.memory.runtimeReserveGB * GB,
    calibratedRange: p.calibratedRange ?? null,
  };
}
