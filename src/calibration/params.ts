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
    id: 'ring-step',
    presetPath: ['overhead', 'ringStepUs'],
    lower: 0,
    upper: 5000,
    needs: 'measurements at CP > 1 where the fixed ring-step cost is a visible share of the time (decode at CP > 1 shows it best)',
    get: (c) => c.ringStepSec / US,
    set: (c, v) => ({ ...c, ringStepSec: v * US }),
  },
  {
    id: 'network',
    presetPath: ['efficiency', 'scaleOutFractionOfPeak'],
    lower: 0.02,
    upper: 1,
    needs: 'measurements whose CP ring or TP group crosses nodes and exposes communication (short new-token spans)',
    get: (c) => c.scaleOut.efficiency,
    set: (c, v) => ({ ...c, scaleOut: { ...c.scaleOut, efficiency: v } }),
  },
];

export const DEFAULT_PARAM_IDS = ['gemm', 'attention', 'serial', 'decode-layer', 'ring-step'] as const;
