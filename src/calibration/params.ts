import type { ClusterSpec } from '../model/types.js';

/**
 * The cluster parameters `cp-plan calibrate` can fit: each one's place in
 * the preset (with its unit in the key), its physical bounds in preset
 * units, and how it maps onto the SI spec the model reads.
 */
export interface CalibrationParam {
  id: string;
  presetPath: [string, string];
  lower: number;
  upper: number;
  /** What the data needs for this parameter to matter. */
  needs: string;
  /** Fitted on a log scale (a parameter spanning decades, such as a message size). */
  log?: boolean;
  get(c: ClusterSpec): number;
  set(c: ClusterSpec, value: number): ClusterSpec;
}

const US = 1e-6;

export const CALIBRATION_PARAMS: readonly CalibrationParam[] = [
  {
    id: 'gemm',
    presetPath: ['efficiency', 'gemmFractionOfPeak'],
    lower: 0.05,
    upper: 1,
    needs: 'prefill measurements (TTFT)',
    get: (c) => c.gemmEfficiency,
    set: (c, v) => ({ ...c, gemmEfficiency: v }),
  },
  {
    id: 'attention',
    presetPath: ['efficiency', 'attentionFractionOfPeak'],
    lower: 0.05,
    upper: 1,
    needs: 'prefill TTFTs at contexts long enough for attention to be a visible share of the time',
    get: (c) => c.attentionEfficiency,
    set: (c, v) => ({ ...c, attentionEfficiency: v }),
  },
  {
    id: 'serial',
    presetPath: ['overhead', 'serialUsPerContextToken'],
    lower: 0,
    upper: 100,
    needs: 'prefill measurements at more than one CP size or with cached tokens',
    get: (c) => c.serialSecPerContextToken / US,
    set: (c, v) => ({ ...c, serialSecPerContextToken: v * US }),
  },
  {
    id: 'decode-layer',
    presetPath: ['overhead', 'decodeLayerUs'],
    lower: 0,
    upper: 5000,
    needs: 'decode measurements (TTIT)',
    get: (c) => c.decodeLayerSec / US,
    set: (c, v) => ({ ...c, decodeLayerSec: v * US }),
  },
  {
    id: 'cp-decode',
    presetPath: ['overhead', 'cpDecodeLayerUs'],
    lower: 0,
    upper: 5000,
    needs: 'decode measurements at CP > 1 (TTIT with a ring)',
    get: (c) => c.cpDecodeLayerSec / US,
    set: (c, v) => ({ ...c, cpDecodeLayerSec: v * US }),
  },
  {
    id: 'attention-kernel',
    presetPath: ['overhead', 'attentionKernelUs'],
    lower: 0,
    upper: 500,
    needs: 'decode measurements at short contexts or many CP ranks, where the fixed cost of each attention kernel shows',
    get: (c) => c.attentionKernelSec / US,
    set: (c, v) => ({ ...c, attentionKernelSec: v * US }),
  },
  {
    id: 'all-to-all',
    presetPath: ['overhead', 'allToAllSetupUs'],
    lower: 0,
    upper: 5000,
    needs: 'measurements with an All2All on the critical path (pass-Q prefill or decode at CP > 1)',
    get: (c) => c.allToAllSetupSec / US,
    set: (c, v) => ({ ...c, allToAllSetupSec: v * US }),
  },
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

export const DEFAULT_PARAM_IDS = ['gemm', 'attention', 'serial', 'decode-layer', 'cp-decode'] as const;

const GB = 1e9;

/** A link parameter of the interconnect, fitted by `cp-plan calibrate --nccl-tests` (and scripts/fit-collectives.ts). */
function linkParam(
  id: string,
  tier: 'scaleUp' | 'scaleOut',
  field: 'busEfficiency' | 'sendRecvEfficiency' | 'allToAllEfficiency',
  key: string,
  needs: string,
): CalibrationParam {
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

export const COLLECTIVE_PARAMS: readonly CalibrationParam[] = [
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
  linkParam('nvlink-bus', 'scaleUp', 'busEfficiency', 'scaleUpBusFractionOfPeak', 'large ring all-reduce, all-gather or reduce-scatter inside one NVLink domain'),
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
