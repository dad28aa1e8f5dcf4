import type { ClusterPreset } from '../schema/cluster-preset.js';
import type { CollectivesPreset } from '../schema/collectives-preset.js';
import type { ModelPreset } from '../schema/model-preset.js';
import type { ClusterHardware, CalibrationPreset, CollectiveLibrary, DecodeKernelFit, GpuSpec, KernelTables, LinkSpec, ModelSpec } from '../model/types.js';
import type { GpuPreset } from '../schema/gpu-preset.js';
import type { KernelsPreset } from '../schema/kernels-preset.js';

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
    ...(p.huggingFace ? { huggingFace: p.huggingFace } : {}),
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

/** The cluster's hardware; `collectives` and `gpu` are the presets it names (resolved by the caller). */
export function clusterSpecFromPreset(p: ClusterPreset, collectives: CollectiveLibrary, gpu: GpuSpec): ClusterHardware {
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
  const scaleUp = link(
    up,
    up.bandwidthPerDirectionGBps,
    up.peerBandwidthPerDirectionGBps ?? up.bandwidthPerDirectionGBps,
    [e.scaleUpBusFractionOfPeak, e.scaleUpSendRecvFractionOfPeak, e.scaleUpAllToAllFractionOfPeak],
    {
      linkClass: up.kind === 'pcie' ? 'pci' : 'nvlink',
      nvlsBusBytesPerSec: up.nvlsBusBandwidthGBps === undefined ? null : up.nvlsBusBandwidthGBps * GB,
      inNetworkReduction: false,
    },
  );
  const out = p.scaleOut;
  const scaleOut = link(
    out,
    out.bandwidthPerNicGBps,
    out.bandwidthPerNicGBps,
    [e.scaleOutBusFractionOfPeak, e.scaleOutSendRecvFractionOfPeak, e.scaleOutAllToAllFractionOfPeak],
    {
      linkClass: 'net',
      nvlsBusBytesPerSec: null,
      inNetworkReduction: out.inNetworkReduction,
    },
  );
  const cal = p.calibration;
  const o = cal?.overhead ?? {};
  const us = (v: number | undefined) => (v === undefined ? undefined : v * US);
  const overrides: CalibrationPreset['overrides'] = Object.fromEntries(
    Object.entries({
      serialSecPerContextToken: us(o.serialUsPerContextToken),
      decodeLayerSec: us(o.decodeLayerUs),
      decodeStepSec: us(o.decodeStepUs),
      attentionKernelSec: us(o.attentionKernelUs),
      cpDecodeLayerSec: us(o.cpDecodeLayerUs),
      allToAllSetupSec: us(o.allToAllSetupUs),
    }).filter(([, v]) => v !== undefined),
  );
  return {
    name: p.name,
    displayName: p.displayName,
    source: p.source,
    gpu,
    gpusPerNode: p.gpusPerNode,
    maxNodes: p.maxNodes,
    price: p.price ?? null,
    nvlinkDomainGpus: p.topology.nvlinkDomainGpus ?? p.gpusPerNode,
    nicsPerNode: p.topology.nicsPerNode ?? p.gpusPerNode,
    hostCpu: p.topology.hostCpu,
    scaleUp,
    scaleOut,
    collectives,
    linkProvenance: { scaleUp: up.provenance, scaleOut: out.provenance },
    defaultEngine: p.engine,
    calibration: cal
      ? {
          engine: cal.engine,
          provenance: cal.provenance,
          gemmScale: cal.gemmEfficiencyScale,
          gemmBandwidthScale: cal.gemmBandwidthEfficiencyScale,
          attentionScale: cal.attentionEfficiencyScale,
          decodeAttentionScale: cal.decodeAttentionEfficiencyScale,
          overrides,
        }
      : null,
    calibratedRange: p.calibratedRange ?? null,
  };
}

/**
 * A decode table's points [bytes, fraction of HBM bandwidth] as time = fixed + bytes / (bandwidth x fraction):
 * least squares on relative error over the points (t = bytes / (fraction x bandwidth) each), linear in
 * (fixed, 1 / fraction). The fraction is capped at 1 and the fixed cost kept non-negative.
 */
export function decodeKernelFit(points: readonly (readonly [number, number])[], hbmBytesPerSec: number): DecodeKernelFit {
  // Rows t_i = a + b x_i weighted by 1/t_i: minimise sum ((a + b x_i) / t_i - 1)^2.
  let s11 = 0,
    s12 = 0,
    s22 = 0,
    r1 = 0,
    r2 = 0;
  for (const [x, f] of points) {
    const t = x / (f * hbmBytesPerSec);
    const p = 1 / t,
      q = x / t;
    s11 += p * p;
    s12 += p * q;
    s22 += q * q;
    r1 += p;
    r2 += q;
  }
  const det = s11 * s22 - s12 * s12;
  let a = (r1 * s22 - r2 * s12) / det;
  let b = (s11 * r2 - s12 * r1) / det;
  if (a < 0) {
    a = 0;
    b = r2 / s22;
  }
  const bandwidthFraction = Math.min(1, 1 / (b * hbmBytesPerSec));
  return { fixedSec: a, bandwidthFraction };
}

/**
 * A GPU preset with its kernel table. `measuredOn` is the GPU preset the table was measured on (itself when
 * measured): its HBM bandwidth turns the decode-attention points into a bandwidth fraction. Fractions of a
 * peak transfer to another GPU as fractions, fixed costs as times.
 */
export function gpuSpecFromPreset(p: GpuPreset, table: KernelsPreset, measuredOn: GpuPreset): GpuSpec {
  const gemm: KernelTables['gemm'] = {};
  for (const d of ['bf16', 'fp8', 'fp4'] as const) {
    const c = table.gemm[d];
    if (!c) continue;
    gemm[d] = {
      fixedSec: c.fixedUs * 1e-6,
      bandwidthFraction: c.bandwidthFraction,
      all: c.points,
      bySize: (c.bySize ?? []).map((s) => ({ weights: s.weights, curve: s.points })).sort((a, b) => a.weights - b.weights),
    };
  }
  const decode = Object.fromEntries(
    Object.entries(table.decodeAttention).map(([k, byDtype]) => [
      k,
      Object.fromEntries(
        Object.entries(byDtype ?? {})
          .filter(([, v]) => v)
          .map(([d, v]) => [d, decodeKernelFit(v!.points, measuredOn.hbmBandwidthTBps * TB)]),
      ),
    ]),
  ) as KernelTables['decodeAttention'];
  const curves = (r: KernelsPreset['attention']) =>
    Object.fromEntries(
      Object.entries(r).map(([k, byDtype]) => [
        k,
        Object.fromEntries(
          Object.entries(byDtype ?? {})
            .filter(([, v]) => v)
            .map(([d, v]) => [d, v!.points]),
        ),
      ]),
    ) as KernelTables['attention'];
  return {
    preset: p.name,
    name: p.displayName,
    generation: p.architecture,
    bf16FlopsPerSec: p.bf16DenseTflops * TFLOPS,
    fp8FlopsPerSec: p.fp8DenseTflops === undefined ? null : p.fp8DenseTflops * TFLOPS,
    fp4FlopsPerSec: p.fp4DenseTflops === undefined ? null : p.fp4DenseTflops * TFLOPS,
    hbmBytes: p.hbmCapacityGB * GB,
    hbmBytesPerSec: p.hbmBandwidthTBps * TB,
    powerW: p.powerW,
    figuresProvenance: p.figuresProvenance ?? 'datasheet',
    kernels: {
      name: table.name,
      measuredOn: table.measuredOn,
      source: table.source,
      provenance: p.kernels.provenance,
      hbmFraction: table.hbmFractionOfPeak.value,
      gemm,
      attention: curves(table.attention),
      decodeAttention: decode,
    },
  };
}
