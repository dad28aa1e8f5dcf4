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

const triple = (t: readonly [number, number, number], scale: number) => [t[0] * scale, t[1] * scale, t[2] * scale] as const;

export function collectivesFromPreset(p: CollectivesPreset): CollectiveLibrary {
  const byAlgo = (b: CollectivesPreset['baseLatencyUs']) => ({
    tree: triple(b.tree, US),
    ring: triple(b.ring, US),
    nvls: triple(b.nvls, US),
    nvlsTree: triple(b.nvlsTree, US),
    collnetDirect: triple(b.collnetDirect, US),
  });
  const gbps = <K extends string>(r: Record<K, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v as number) * GB])) as Record<K, number>;
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
  const link = (
    l: { name: string; kind: string; extraLatencyUs: number; pipelineFillUs: number; pipelineFillHalfBytes: number },
    gbps: number,
    peerGbps: number,
    fractions: [bus: number, sendRecv: number, allToAll: number],
    rest: Pick<LinkSpec, 'linkClass' | 'nvlsBusBytesPerSec' | 'inNetworkReduction'>,
  ): LinkSpec => ({
    name: l.name,
    kind: l.kind,
    bytesPerSec: gbps * GB,
    peerBytesPerSec: peerGbps * GB,
    busEfficiency: fractions[0],
    sendRecvEfficiency: fractions[1],
    allToAllEfficiency: fractions[2],
    extraLatencySec: l.extraLatencyUs * US,
    pipelineFillSec: l.pipelineFillUs * US,
    pipelineFillHalfBytes: l.pipelineFillHalfBytes,
    ...rest,
  });
  const up = p.scaleUp;
  const scaleUp = link(up, up.bandwidthPerDirectionGBps, up.peerBandwidthPerDirectionGBps ?? up.bandwidthPerDirectionGBps, [e.scaleUpBusFractionOfPeak, e.scaleUpSendRecvFractionOfPeak, e.scaleUpAllToAllFractionOfPeak], {
    linkClass: up.kind === 'pcie' ? 'pci' : 'nvlink',
    nvlsBusBytesPerSec: up.nvlsBusBandwidthGBps === undefined ? null : up.nvlsBusBandwidthGBps * GB,
    inNetworkReduction: false,
  });
  const out = p.scaleOut;
  const scaleOut = link(out, out.bandwidthPerNicGBps, out.bandwidthPerNicGBps, [e.scaleOutBusFractionOfPeak, e.scaleOutSendRecvFractionOfPeak, e.scaleOutAllToAllFractionOfPeak], {
    linkClass: 'net',
    nvlsBusBytesPerSec: null,
    inNetworkReduction: out.inNetworkReduction,
  });
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
    tpCommOverlapFraction: e.tpCommOverlapFraction ?? 0,
    serialSecPerContextToken: p.overhead.serialUsPerContextToken * US,
    decodeLayerSec: p.overhead.decodeLayerUs * US,
    attentionKernelSec: p.overhead.attentionKernelUs * US,
    cpDecodeLayerSec: p.overhead.cpDecodeLayerUs * US,
    allToAllSetupSec: p.overhead.allToAllSetupUs * US,
    runtimeReserveBytes: p.memory.runtimeReserveGB * GB,
    calibratedRange: p.calibratedRange ?? null,
  };
}
