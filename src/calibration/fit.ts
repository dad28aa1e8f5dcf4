import { InputError } from '../errors.js';
import type { ClusterSpec } from '../model/types.js';
import type { ValidationInputs } from '../validation/report.js';
import type { CalibrationParam } from './params.js';
import { predictSec, type Target } from './predict.js';

export interface FittedParam {
  param: CalibrationParam;
  before: number;
  after: number;
  /** True when the fit stopped at a bound: the data pulls past what is physical. */
  atBound: boolean;
}

export interface CalibrationResult {
  cluster: ClusterSpec;
  params: FittedParam[];
  /** Relative error (predicted / measured - 1) per target, before and after. */
  before: number[];
  after: number[];
  iterations: number;
}

/** A change of a tenth of a per-mille in some prediction is the least a parameter must cause to be fitted. */
const MIN_SENSITIVITY = 1e-4;
/** Columns of the scaled Jacobian this close to parallel cannot be told apart. */
const MAX_COSINE = 0.9995;
const MAX_ITERATIONS = 100;

/**
 * Least squares on relative errors over `params` (Levenberg-Marquardt, each
 * parameter scaled to [0, 1] across its physical bounds and kept inside them).
 * Refuses, as an InputError, when the data cannot determine a parameter.
 */
export function calibrate(
  targets: readonly Target[],
  inputs: ValidationInputs,
  params: readonly CalibrationParam[],
): CalibrationResult {
  const base = inputs.cluster;
  const toUnit = (p: CalibrationParam, v: number) => (v - p.lower) / (p.upper - p.lower);
  const fromUnit = (p: CalibrationParam, u: number) => p.lower + u * (p.upper - p.lower);
  const clusterAt = (u: number[]) => params.reduce((c, p, j) => p.set(c, fromUnit(p, u[j]!)), base);
  const residuals = (u: number[]) => {
    const c = clusterAt(u);
    return targets.map((t) => predictSec(t, inputs, c) / t.measuredSec - 1);
  };
  const sse = (r: number[]) => r.reduce((a, x) => a + x * x, 0);

  const start = params.map((p) => Math.min(1, Math.max(0, toUnit(p, p.get(base)))));
  checkDetermined(targets, params, start, residuals);

  let u = start;
  let r = residuals(u);
  let lambda = 1e-3;
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const J = jacobian(u, r, residuals);
    const JtJ = params.map((_, a) => params.map((_, b) => J.reduce((s, row) => s + row[a]! * row[b]!, 0)));
    const Jtr = params.map((_, a) => J.reduce((s, row, i) => s + row[a]! * r[i]!, 0));
    let improved = false;
    while (lambda < 1e10) {
      const damped = JtJ.map((row, a) => row.map((x, b) => (a === b ? x * (1 + lambda) + 1e-12 : x)));
      const step = solve(damped, Jtr.map((x) => -x));
      const next = u.map((x, j) => Math.min(1, Math.max(0, x + step[j]!)));
      const rNext = residuals(next);
      if (sse(rNext) < sse(r)) {
        const gain = sse(r) - sse(rNext);
        u = next;
        r = rNext;
        lambda = Math.max(lambda / 3, 1e-9);
        improved = gain > 1e-14;
        break;
      }
      lambda *= 4;
    }
    if (!improved) break;
  }
  const cluster = clusterAt(u);
  return {
    cluster,
    params: params.map((p, j) => ({ param: p, before: p.get(base), after: p.get(cluster), atBound: u[j]! <= 1e-6 || u[j]! >= 1 - 1e-6 })),
    before: residuals(start),
    after: r,
    iterations,
  };
}

/** Forward differences in the unit-scaled parameters. */
function jacobian(u: number[], r: number[], residuals: (u: number[]) => number[]): number[][] {
  const cols = u.map((x, j) => {
    const h = x + 1e-4 <= 1 ? 1e-4 : -1e-4;
    const shifted = residuals(u.map((y, k) => (k === j ? y + h : y)));
    return shifted.map((v, i) => (v - r[i]!) / h);
  });
  return r.map((_, i) => cols.map((col) => col[i]!));
}

function checkDetermined(
  targets: readonly Target[],
  params: readonly CalibrationParam[],
  u: number[],
  residuals: (u: number[]) => number[],
): void {
  // Sensitivity of each prediction to a 5% move of each parameter across its range.
  const r0 = residuals(u);
  const cols = params.map((_, j) => {
    const h = u[j]! + 0.05 <= 1 ? 0.05 : -0.05;
    const r = residuals(u.map((x, k) => (k === j ? x + h : x)));
    return r.map((v, i) => (v - r0[i]!) / h);
  });
  const usable = params.filter((_, j) => Math.max(...cols[j]!.map(Math.abs)) >= MIN_SENSITIVITY);
  const dead = params.filter((p) => !usable.includes(p));
  if (dead.length > 0) {
    throw new InputError(
      `the measurements cannot determine ${dead.map((p) => `${p.id} (${p.presetPath[1]}: needs ${p.needs})`).join(', ')}; ` +
        (usable.length ? `fit the others with --params ${usable.map((p) => p.id).join(',')}` : 'add measurements'),
    );
  }
  if (targets.length < params.length) {
    throw new InputError(
      `${targets.length} measured time(s) cannot determine ${params.length} parameters; add measurements or fit fewer with --params`,
    );
  }
  const norm = cols.map((c) => Math.sqrt(c.reduce((a, x) => a + x * x, 0)));
  for (let a = 0; a < params.length; a++)
    for (let b = a + 1; b < params.length; b++) {
      const cos = Math.abs(cols[a]!.reduce((s, x, i) => s + x * cols[b]![i]!, 0)) / (norm[a]! * norm[b]!);
      if (cos > MAX_COSINE) {
        throw new InputError(
          `the measurements cannot tell ${params[a]!.id} from ${params[b]!.id} (they move every prediction alike); ` +
            `to separate them, ${params[b]!.id} needs ${params[b]!.needs}; or fit only one of them with --params`,
        );
      }
    }
}

/** Gaussian elimination with partial pivoting for the small normal equations. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const pivot = M[c]![c]! || 1e-300;
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / pivot;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / (M[r]![r]! || 1e-300);
  }
  return x;
}
