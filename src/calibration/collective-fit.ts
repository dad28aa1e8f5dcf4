import type { ClusterHardware as ClusterSpec } from '../model/types.js';
import type { CollectiveSeries } from '../schema/collective-measurements.js';
import { measuredSec, predictSeries, seriesGroup } from '../validation/collectives.js';
import { determinableParams, leastSquares, type CalibrationResult } from './fit.js';
import { COLLECTIVE_PARAMS, type CalibrationParam } from './params.js';

/**
 * The interconnect fit shared by `cp-plan calibrate --nccl-tests` and
 * scripts/fit-collectives.ts (which derives the shipped presets), so the two
 * can never disagree on what a set of nccl-tests runs determines.
 */

/** The parameters a set of runs could set: each tier's latency and pipeline fill, and the bandwidth its large sizes reach. */
export function collectiveCandidateParams(runs: readonly CollectiveSeries[], cluster: ClusterSpec): CalibrationParam<ClusterSpec>[] {
  const ids = new Set<string>();
  for (const s of runs) {
    const net = seriesGroup(s, cluster).domains > 1;
    const tier = net ? 'network' : 'nvlink';
    ids.add(`${tier}-latency`);
    if (s.op === 'sendrecv') ids.add(`${tier}-sendrecv`);
    else if (s.op === 'all-to-all') ids.add(`${tier}-a2a`);
    else {
      if (s.op === 'all-reduce') ids.add(`${tier}-fill`).add(`${tier}-fill-half`);
      const nvls =
        !net && s.op === 'all-reduce' && cluster.scaleUp.nvlsBusBytesPerSec !== null && (s.algorithms === undefined || s.algorithms.includes('nvls'));
      ids.add(nvls ? 'nvls-bus' : `${tier}-bus`);
    }
  }
  return COLLECTIVE_PARAMS.filter((p) => ids.has(p.id));
}

/** Relative errors (predicted / measured − 1) of every point of the runs on a cluster. */
export function collectiveResiduals(runs: readonly CollectiveSeries[]): (cluster: ClusterSpec) => number[] {
  const points = runs.flatMap((s) => s.points.map((p) => ({ s, p })));
  return (c) => points.map(({ s, p }) => predictSeries(s, p[0], c)!.sec / measuredSec(s, p) - 1);
}

export interface CollectiveFit {
  result: CalibrationResult<ClusterSpec>;
  /** Candidates the runs cannot determine: they keep the base cluster's values. */
  undetermined: CalibrationParam<ClusterSpec>[];
}

/**
 * Least squares of the runs over `params`, or, when none are given, over the
 * candidates the runs can determine (the others keep the base cluster's values).
 */
export function fitCollectives(runs: readonly CollectiveSeries[], base: ClusterSpec, params?: readonly CalibrationParam<ClusterSpec>[]): CollectiveFit {
  const residualsOf = collectiveResiduals(runs);
  const distinct = runs.reduce((a, s) => a + s.points.length, 0);
  let chosen = params ?? collectiveCandidateParams(runs, base);
  let undetermined: CalibrationParam<ClusterSpec>[] = [];
  if (params === undefined) {
    const ok = determinableParams(base, chosen, residualsOf, distinct);
    undetermined = chosen.filter((p) => !ok.includes(p));
    chosen = ok;
  }
  return { result: leastSquares(base, chosen, residualsOf, distinct), undetermined };
}
