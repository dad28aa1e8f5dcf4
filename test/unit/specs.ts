import type { SweepDim } from '../../src/planning/sweep.js';
// Shared specs for unit tests: the shipped presets, and a synthetic cluster
// with round numbers for closed-form checks.
import { estimate, type VariantChoice } from '../../src/model/estimate.js';
import { builtinCluster, builtinEngine, builtinModel } from '../../src/presets/catalog.js';
import { deploy } from '../../src/presets/deploy.js';
import { loadMeasurements } from '../../src/presets/measurements.js';
import type { ClusterSpec, EngineSpec, GpuSpec, LinkSpec, ModelSpec, Precision } from '../../src/model/types.js';

export const llama405b = (): ModelSpec => builtinModel('llama3-405b').spec;
/** A shipped cluster with its default engine (or `engine`), as the CLI deploys it. */
export function shipped(name: string, engine?: string): ClusterSpec {
  const hw = builtinCluster(name).spec;
  return deploy(hw, builtinEngine(engine ?? hw.defaultEngine).preset);
}
export const gtt = (): ClusterSpec => shipped('gtt');
export const paperPrecision: Precision = { weights: 'fp8-ffn', kvDtype: 'bf16' };

const link = (bytesPerSec: number, linkClass: LinkSpec['linkClass']): LinkSpec => ({
  name: 'test link',
  kind: 'test',
  bytesPerSec,
  peerBytesPerSec: bytesPerSec,
  busEfficiency: 1,
  sendRecvEfficiency: 1,
  allToAllEfficiency: 1,
  extraLatencySec: 0,
  pipelineFillSec: 0,
  pipelineFillHalfBytes: 1 << 20,
  linkClass,
  nvlsBusBytesPerSec: null,
  inNetworkReduction: false,
});

/** An engine that costs nothing beyond its kernels: FA3-family kernels, no fixed costs, all of HBM usable. */
export const idealEngine: EngineSpec = {
  name: 'ideal',
  displayName: 'ideal engine',
  source: 'test',
  prefillAttention: 'fa3',
  decodeAttention: 'fa3',
  fp8Attention: true,
  serialSecPerContextToken: 0,
  prefillLayerSec: 0,
  decodeLayerSec: 0,
  decodeStepSec: 0,
  attentionKernelSec: 0,
  cpDecodeLayerSec: 0,
  allToAllSetupSec: 0,
  tpCommOverlapFraction: 0,
  gpuMemoryUtilization: 1,
  runtimeReserveBytes: 0,
  memoryFractionCovers: 'all',
  prefillChunkTokens: null,
  maxRunningSequences: null,
  maxStepTokens: null,
  cpStyles: ['ring', 'all-gather', 'ulysses'],
  dcpSupported: true,
  ppSupported: true,
  ppWithCp: true,
  provenance: {},
};

const flat = [[1, 1]] as const;
/** A GEMM table of an ideal GPU: no fixed cost, the full HBM bandwidth, the full peak at every M. */
const ideal = { fixedSec: 0, bandwidthFraction: 1, all: flat, bySize: [] };

/** A GPU whose kernels reach their rooflines and peaks exactly: 1 PFLOP/s BF16, 2 FP8, 4 FP4, 100 GB, 1 TB/s. */
export const roundGpu: GpuSpec = {
  preset: 'round',
  name: 'gpu',
  generation: 'hopper',
  bf16FlopsPerSec: 1e15,
  fp8FlopsPerSec: 2e15,
  fp4FlopsPerSec: null,
  hbmBytes: 100e9,
  hbmBytesPerSec: 1e12,
  powerW: 700,
  figuresProvenance: 'datasheet',
  kernels: {
    name: 'ideal',
    measuredOn: 'nothing',
    source: 'test',
    provenance: 'measured',
    hbmFraction: 1,
    gemm: { bf16: ideal, fp8: ideal, fp4: ideal },
    attention: { fa3: { bf16: flat, fp8: flat } },
    decodeAttention: { fa3: { bf16: { fixedSec: 0, bandwidthFraction: 1 }, fp8: { fixedSec: 0, bandwidthFraction: 1 } } },
  },
};

/** 1 PFLOP/s BF16, 2 PFLOP/s FP8, 100 GB, 1 TB/s HBM, 100 GB/s scale-up, 10 GB/s per NIC (one per GPU), ideal efficiencies, NCCL's latencies. */
export function roundCluster(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: 'round',
    displayName: 'round numbers',
    source: 'test',
    gpu: roundGpu,
    gpusPerNode: 8,
    maxNodes: 64,
    price: null,
    nvlinkDomainGpus: 8,
    nicsPerNode: 8,
    hostCpu: 'intel',
    scaleUp: link(100e9, 'nvlink'),
    scaleOut: link(10e9, 'net'),
    // NCCL's tuning constants, whose latencies are real; closed-form tests that want none zero them.
    collectives: gtt().collectives,
    linkProvenance: { scaleUp: 'measured', scaleOut: 'measured' },
    defaultEngine: 'ideal',
    calibration: null,
    calibratedRange: null,
    engine: idealEngine,
    scales: { engine: null, gemmScale: 1, gemmBandwidthScale: 1, attentionScale: 1, decodeAttentionScale: 1 },
    ...overrides,
  };
}

/** The shipped paper measurements and the inputs they were taken with (llama3-405b, gtt, fp8-ffn). */
export function paperData() {
  const { data } = loadMeasurements();
  return { data, inputs: { model: llama405b(), cluster: gtt(), precision: paperPrecision } };
}

/** cp-plan's estimate for a Table 4 workload: CP4 + TP8 on gtt. */
export function estimatePartial(c: { cached: number; new: number }, variant: VariantChoice = 'auto') {
  return estimate({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    layout: { nodes: 4 },
    workload: { contextTokens: c.cached + c.new, cachedTokens: c.cached, batch: 1 },
    variant,
  });
}

/** A sweep grid of one paper point (1 node, 128K, full prefill, batch 1) with some quantities varied. */
export const sweepGridOf = (v: Partial<Record<SweepDim, number[]>>): Record<SweepDim, number[]> => ({
  nodes: [1],
  gpus: [],
  ctx: [128_000],
  missRate: [1],
  batch: [1],
  tp: [],
  pp: [],
  cpStyle: [],
  ...v,
});
