// Shared specs for unit tests: the shipped presets, and a synthetic cluster
// with round numbers for closed-form checks.
import { estimate, type VariantChoice } from '../../src/model/estimate.js';
import { builtinCluster, builtinModel } from '../../src/presets/catalog.js';
import { loadMeasurements } from '../../src/presets/measurements.js';
import type { ClusterSpec, LinkSpec, ModelSpec, Precision } from '../../src/model/types.js';

export const llama405b = (): ModelSpec => builtinModel('llama3-405b').spec;
export const gtt = (): ClusterSpec => builtinCluster('gtt').spec;
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

/** 1 PFLOP/s BF16, 2 PFLOP/s FP8, 100 GB, 1 TB/s HBM, 100 GB/s scale-up, 10 GB/s per NIC (one per GPU), ideal efficiencies, NCCL's latencies. */
export function roundCluster(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: 'round',
    displayName: 'round numbers',
    source: 'test',
    gpu: { name: 'gpu', generation: 'hopper', bf16FlopsPerSec: 1e15, fp8FlopsPerSec: 2e15, hbmBytes: 100e9, hbmBytesPerSec: 1e12 },
    gpusPerNode: 8,
    maxNodes: 64,
    nvlinkDomainGpus: 8,
    nicsPerNode: 8,
    hostCpu: 'intel',
    scaleUp: link(100e9, 'nvlink'),
    scaleOut: link(10e9, 'net'),
    // NCCL's tuning constants, whose latencies are real; closed-form tests that want none zero them.
    collectives: gtt().collectives,
    gemmEfficiency: 1,
    attentionEfficiency: 1,
    hbmEfficiency: 1,
    tpCommOverlapFraction: 0,
    serialSecPerContextToken: 0,
    decodeLayerSec: 0,
    attentionKernelSec: 0,
    cpDecodeLayerSec: 0,
    allToAllSetupSec: 0,
    runtimeReserveBytes: 0,
    calibratedRange: null,
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
