import { decodeKernelFixedSec } from '../model/hardware/kernels.js';
import type { ClusterHardware, ClusterSpec } from '../model/types.js';

/**
 * The parameters `cp-plan calibrate` can fit: each one's place in the cluster
 * preset (with its unit in the key), its physical bounds in preset units, and
 * how it maps onto the SI spec the model reads. Kernel scales and engine
 * constants go to the preset's `calibration` block (for the engine the
 * measurements ran on); link parameters to the link sections.
 */
export interface CalibrationParam<C = ClusterSpec> {
  id: string;
  presetPath: string[];
  lower: number;
  upper: number;
  /** What the data needs for this parameter to matter. */
  needs: string;
  /** Fitted on a log scale (a parameter spanning decades, such as a message size). */
  log?: boolean;
  get(c: C): number;
  set(c: C, value: number): C;
}

const US = 1e-6;

/**
 * An engine constant that a calibration replaces for the engine it was fitted with. `unset`: its value
 * while the engine states none (what the model uses instead), in seconds.
 */
function engineParam(
  id: string,
  key: 'serialSecPerContextToken' | 'decodeLayerSec' | 'decodeStepSec' | 'attentionKernelSec' | 'cpDecodeLayerSec' | 'allToAllSetupSec',
  presetKey: string,
  upper: number,
  needs: string,
  unset: (c: ClusterSpec) => number = () => 0,
): CalibrationParam {
  return {
    id,
    presetPath: ['calibration', 'overhead', presetKey],
    lower: 0,
    upper,
    needs,
    get: (c) => (c.engine[key] ?? unset(c)) / US,
    set: (c, v) => ({ ...c, engine: { ...c.engine, [key]: v * US } }),
  };
}

export const CALIBRATION_PARAMS: readonly CalibrationParam[] = [
  {
    id: 'gemm',
    presetPath: ['calibration', 'gemmEfficiencyScale'],
    lower: 0.1,
    upper: 4,
    needs: 'prefill measurements (TTFT)',
    get: (c) => c.scales.gemmScale,
    set: (c, v) => ({ ...c, scales: { ...c.scales, gemmScale: v } }),
  },
  {
    id: 'gemm-bandwidth',
    presetPath: ['calibration', 'gemmBandwidthEfficiencyScale'],
    lower: 0.1,
    upper: 4,
    needs: 'decode measurements (TTIT): small batches, whose GEMMs read their weights',
    get: (c) => c.scales.gemmBandwidthScale,
    set: (c, v) => ({ ...c, scales: { ...c.scales, gemmBandwidthScale: v } }),
  },
  {
    id: 'attention',
    presetPath: ['calibration', 'attentionEfficiencyScale'],
    lower: 0.1,
    upper: 4,
    needs: 'prefill TTFTs at contexts long enough for attention to be a visible share of the time',
    get: (c) => c.scales.attentionScale,
    set: (c, v) => ({ ...c, scales: { ...c.scales, attentionScale: v } }),
  },
  {
    id: 'decode-attention',
    presetPath: ['calibration', 'decodeAttentionEfficiencyScale'],
    lower: 0.1,
    upper: 4,
    needs: 'decode measurements at long contexts, where reading the KV cache is a visible share of the step',
    get: (c) => c.scales.decodeAttentionScale,
    set: (c, v) => ({ ...c, scales: { ...c.scales, decodeAttentionScale: v } }),
  },
  engineParam('serial', 'serialSecPerContextToken', 'serialUsPerContextToken', 100, 'prefill measurements at more than one CP size or with cached tokens'),
  engineParam('decode-layer', 'decodeLayerSec', 'decodeLayerUs', 5000, 'decode measurements (TTIT)'),
  engineParam('decode-step', 'decodeStepSec', 'decodeStepUs', 100000, 'decode measurements of models with different layer counts (TTIT)'),
  engineParam('cp-decode', 'cpDecodeLayerSec', 'cpDecodeLayerUs', 5000, 'decode measurements at CP > 1 (TTIT with a ring)'),
  // Without the engine's own figure the decode kernel costs its table's fitted fixed cost: the fit starts there
  // (a BF16 KV cache's; runCalibrate sets the measurements' KV dtype's before fitting).
  engineParam(
    'attention-kernel',
    'attentionKernelSec',
    'attentionKernelUs',
    500,
    'decode measurements at short contexts or many CP ranks, where the fixed cost of each attention kernel shows',
    (c) => decodeKernelFixedSec(c, 'bf16'),
  ),
  engineParam(
    'all-to-all',
    'allToAllSetupSec',
    'allToAllSetupUs',
    5000,
    'measurements with an All2All on the critical path (pass-Q prefill or decode at CP > 1)',
  ),
  {
    id: 'network',
    presetPath: ['efficiency', 'scaleOutSendRecvFractionOfPeak'],
    lower: 0.02,
    upper: 1,
    needs: 'measurements whose CP ring crosses NVLink domains and exposes its SendRecv (short new-token spans)',
    get: (c) => c.scaleOut.sendRecvEfficiency,
    set: (c, v) => ({ ...c, scaleOut: { ...c.scaleOut, sendRecvEfficiency: v } }),
  },
  {
    id: 'network-latency',
    presetPath: ['scaleOut', 'extraLatencyUs'],
    lower: 0,
    upper: 1000,
    needs: 'measurements that cross the network with small messages (decode at CP > 1, TP across nodes)',
    get: (c) => c.scaleOut.extraLatencySec / US,
    set: (c, v) => ({ ...c, scaleOut: { ...c.scaleOut, extraLatencySec: v * US } }),
  },
];

export const DEFAULT_PARAM_IDS = ['gemm', 'gemm-bandwidth', 'attention', 'serial', 'cp-decode'] as const;

const GB = 1e9;

/** A link parameter of the interconnect, fitted by `cp-plan calibrate --nccl-tests` (and scripts/fit-collectives.ts). */
function linkParam(
  id: string,
  tier: 'scaleUp' | 'scaleOut',
  field: 'busEfficiency' | 'sendRecvEfficiency' | 'allToAllEfficiency',
  key: string,
  needs: string,
): CalibrationParam<ClusterHardware> {
  return {
    id,
    presetPath: ['efficiency', key],
    lower: 0.02,
    upper: 1,
    needs,
    get: (c) => c[tier][field],
    set: (c, v) => ({ ...c, [tier]: { ...c[tier], [field]: v } }),
  };
}

export const COLLECTIVE_PARAMS: readonly CalibrationParam<ClusterHardware>[] = [
  {
    id: 'nvlink-latency',
    presetPath: ['scaleUp', 'extraLatencyUs'],
    lower: 0,
    upper: 500,
    needs: 'small messages (8 B to 64 KiB) inside one NVLink domain',
    get: (c) => c.scaleUp.extraLatencySec / US,
    set: (c, v) => ({ ...c, scaleUp: { ...c.scaleUp, extraLatencySec: v * US } }),
  },
  {
    id: 'nvlink-fill',
    presetPath: ['scaleUp', 'pipelineFillUs'],
    lower: 0,
    upper: 2000,
    needs: 'medium and large messages (64 KiB to 1 GiB) inside one NVLink domain',
    get: (c) => c.scaleUp.pipelineFillSec / US,
    set: (c, v) => ({ ...c, scaleUp: { ...c.scaleUp, pipelineFillSec: v * US } }),
  },
  {
    id: 'nvlink-fill-half',
    presetPath: ['scaleUp', 'pipelineFillHalfBytes'],
    lower: 4096,
    upper: 1e10,
    log: true,
    needs: 'medium messages (64 KiB to 64 MiB) inside one NVLink domain',
    get: (c) => c.scaleUp.pipelineFillHalfBytes,
    set: (c, v) => ({ ...c, scaleUp: { ...c.scaleUp, pipelineFillHalfBytes: v } }),
  },
  linkParam(
    'nvlink-bus',
    'scaleUp',
    'busEfficiency',
    'scaleUpBusFractionOfPeak',
    'large ring all-reduce, all-gather or reduce-scatter inside one NVLink domain',
  ),
  {
    id: 'nvls-bus',
    presetPath: ['scaleUp', 'nvlsBusBandwidthGBps'],
    lower: 1,
    upper: 10000,
    needs: 'large NVLS all-reduce inside one NVLink domain (a fabric with NVLink SHARP)',
    get: (c) => (c.scaleUp.nvlsBusBytesPerSec ?? 0) / GB,
    set: (c, v) => ({ ...c, scaleUp: { ...c.scaleUp, nvlsBusBytesPerSec: v * GB } }),
  },
  linkParam('nvlink-sendrecv', 'scaleUp', 'sendRecvEfficiency', 'scaleUpSendRecvFractionOfPeak', 'large sendrecv inside one NVLink domain'),
  linkParam('nvlink-a2a', 'scaleUp', 'allToAllEfficiency', 'scaleUpAllToAllFractionOfPeak', 'large all-to-all inside one NVLink domain'),
  {
    id: 'network-latency',
    presetPath: ['scaleOut', 'extraLatencyUs'],
    lower: 0,
    upper: 1000,
    needs: 'small messages across NVLink domains (several nodes)',
    get: (c) => c.scaleOut.extraLatencySec / US,
    set: (c, v) => ({ ...c, scaleOut: { ...c.scaleOut, extraLatencySec: v * US } }),
  },
  {
    id: 'network-fill',
    presetPath: ['scaleOut', 'pipelineFillUs'],
    lower: 0,
    upper: 5000,
    needs: 'medium and large messages across NVLink domains',
    get: (c) => c.scaleOut.pipelineFillSec / US,
    set: (c, v) => ({ ...c, scaleOut: { ...c.scaleOut, pipelineFillSec: v * US } }),
  },
  {
    id: 'network-fill-half',
    presetPath: ['scaleOut', 'pipelineFillHalfBytes'],
    lower: 4096,
    upper: 1e10,
    log: true,
    needs: 'medium messages (64 KiB to 64 MiB) across NVLink domains',
    get: (c) => c.scaleOut.pipelineFillHalfBytes,
    set: (c, v) => ({ ...c, scaleOut: { ...c.scaleOut, pipelineFillHalfBytes: v } }),
  },
  linkParam('network-bus', 'scaleOut', 'busEfficiency', 'scaleOutBusFractionOfPeak', 'large all-reduce or all-gather across nodes'),
  linkParam('network-sendrecv', 'scaleOut', 'sendRecvEfficiency', 'scaleOutSendRecvFractionOfPeak', 'large sendrecv across nodes'),
  linkParam('network-a2a', 'scaleOut', 'allToAllEfficiency', 'scaleOutAllToAllFractionOfPeak', 'large all-to-all across nodes'),
];
