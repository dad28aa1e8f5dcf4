import { InputError } from '../errors.js';
import type { ClusterSpec } from '../model/types.js';
import type { ValidationInputs } from '../validation/report.js';
import type { CalibrationParam } from './params.js';
import { predictSec, type Target } from './predict.js';

export interface FittedParam<C = ClusterSpec> {
  param: CalibrationParam<C>;
  before: number;
  after: number;
  /** One standard error of the fitted value (preset units); null when there are no spare points. */
  stdError: number | null;
  /** True when the fit stopped at a bound: the data pulls past what is physical. */
  atBound: boolean;
}

export interface CalibrationResult<C = ClusterSpec> {
  cluster: C;
  params: FittedParam<C>[];
  /** Relative error (predicted / measured - 1) per target, before and after. */
  before: number[];
  after: number[];
  iterations: number;
  converged: boolean;
}

/** A move of 5% of a parameter's range must change some prediction by at least 0.5% for the data to determine it. */
const PROBE = 0.05;
const MIN_EFFECT = 0.005;
/** A parameter whose effect is within this angle-sine of the others' cannot be separated from them. */
const MIN_INDEPENDENCE = 0.05;
const MAX_ITERATIONS = 500;

/**
 * Least squares on relative errors over `params` (projected Levenberg-Marquardt:
 * each parameter scaled to [0, 1] across its physical bounds, and a parameter
 * pressed against a bound is held there). Refuses, as an InputError, when the
 * data cannot determine a parameter.
 */
export function calibrate(targets: readonly Target[], inputs: ValidationInputs, params: readonly CalibrationParam[]): CalibrationResult {
  return leastSquares(inputs.cluster, params, (c) => targets.map((t) => predictSec(t, inputs, c) / t.measuredSec - 1), distinctTargets(targets));
}

/**
 * The fit itself, for any relative residuals of a cluster (measured TTFT/TTIT,
 * nccl-tests points): `distinct` is how many independent measured values there are.
 */
export function leastSquares<C>(
  base: C,
  params: readonly CalibrationParam<C>[],
  residualsOf: (cluster: C) => number[],
  distinct: number,
): CalibrationResult<C> {
  const { start, clusterAt, residuals } = unitSpace(base, params, residualsOf);
  const sse = (r: number[]) => r.reduce((a, x) => a + x * x, 0);
  checkDetermined(distinct, params, start, residuals);

  let u = start;
  let r = residuals(u);
  if (!Number.isFinite(sse(r))) {
    throw new InputError('the measured times are so far from any prediction that the error overflows; are they in milliseconds?');
  }
  let lambda = 1e-3;
  let iterations = 0;
  let converged = false;
  for (; iterations < MAX_ITERATIONS && !converged; iterations++) {
    const J = jacobian(u, r, residuals);
    const gradient = params.map((_, a) => J.reduce((s, row, i) => s + row[a]! * r[i]!, 0));
    // Hold a parameter at its bound while the gradient pushes it further out.
    const free = u.map((x, j) => !((x <= 0 && gradient[j]! > 0) || (x >= 1 && gradient[j]! < 0)));
    const idx = free.flatMap((f, j) => (f ? [j] : []));
    if (idx.length === 0) break;
    const JtJ = idx.map((a) => idx.map((b) => J.reduce((s, row) => s + row[a]! * row[b]!, 0)));
    let accepted = false;
    while (lambda < 1e12) {
      const damped = JtJ.map((row, a) => row.map((x, b) => (a === b ? x * (1 + lambda) + 1e-12 : x)));
      const step = solve(
        damped,
        idx.map((j) => -gradient[j]!),
      );
      const next = [...u];
      idx.forEach((j, k) => (next[j] = Math.min(1, Math.max(0, u[j]! + step[k]!))));
      const rNext = residuals(next);
      if (sse(rNext) < sse(r)) {
        const relGain = (sse(r) - sse(rNext)) / Math.max(sse(r), 1e-300);
        const moved = Math.max(...next.map((x, j) => Math.abs(x - u[j]!)));
        u = next;
        r = rNext;
        lambda = Math.max(lambda / 10, 1e-12);
        accepted = true;
        converged = relGain < 1e-10 || moved < 1e-9;
        break;
      }
      lambda *= 10;
    }
    if (!accepted) converged = true; // no step improves: a (constrained) minimum
  }
  const cluster = clusterAt(u);
  const stdErrors = standardErrors(jacobian(u, r, residuals), r, params.length);
  return {
    cluster,
    params: params.map((p, j) => ({
      param: p,
      before: p.get(base),
      after: p.get(cluster),
      // On a log scale the standard error is that of the value near the fit (d value / d unit there).
      stdError: stdErrors === null ? null : stdErrors[j]! * (p.log ? p.get(cluster) * Math.log(p.upper / p.lower) : p.upper - p.lower),
      atBound: u[j]! <= 1e-6 || u[j]! >= 1 - 1e-6,
    })),
    before: residualsOf(base),
    after: r,
    iterations,
    converged,
  };
}

/** Each parameter scaled to [0, 1] across its bounds (log-scaled when it spans decades), and the residuals there. */
function unitSpace<C>(base: C, params: readonly CalibrationParam<C>[], residualsOf: (cluster: C) => number[]) {
  const toUnit = (p: CalibrationParam<C>, v: number) => (p.log ? Math.log(v / p.lower) / Math.log(p.upper / p.lower) : (v - p.lower) / (p.upper - p.lower));
  const fromUnit = (p: CalibrationParam<C>, u: number) => (p.log ? p.lower * Math.pow(p.upper / p.lower, u) : p.lower + u * (p.upper - p.lower));
  const clusterAt = (u: number[]) => params.reduce((c, p, j) => p.set(c, fromUnit(p, u[j]!)), base);
  const start = params.map((p) => Math.min(1, Math.max(0, toUnit(p, p.get(base)))));
  return { start, clusterAt, residuals: (u: number[]) => residualsOf(clusterAt(u)) };
}

/**
 * The parameters, of `params` in their order, that the data can determine: each one that moves some
 * prediction and stays separable from those already taken, up to the number of distinct measured values.
 * What a default parameter set is cut down to before fitting (the rest keep their preset values).
 */
export function determinableParams<C>(
  base: C,
  params: readonly CalibrationParam<C>[],
  residualsOf: (cluster: C) => number[],
  distinct: number,
): CalibrationParam<C>[] {
  const { start, residuals } = unitSpace(base, params, residualsOf);
  return pick(distinct, probe(params, start, residuals)).map((j) => params[j]!);
}

/** Effect on each prediction of moving each parameter by 5% of its range. */
function probe<C>(params: readonly CalibrationParam<C>[], u: number[], residuals: (u: number[]) => number[]): number[][] {
  const r0 = residuals(u);
  return params.map((_, j) => {
    const h = u[j]! + PROBE <= 1 ? PROBE : -PROBE;
    return residuals(u.map((x, k) => (k === j ? x + h : x))).map((v, i) => (v - r0[i]!) / (1 + r0[i]!));
  });
}

const strongEffect = (col: number[]) => Math.max(...col.map(Math.abs)) >= MIN_EFFECT;

/** In the given order, each parameter that matters and stays separable, up to `distinct` of them. */
function pick(distinct: number, cols: number[][]): number[] {
  const picked: number[] = [];
  for (let j = 0; j < cols.length; j++) {
    if (strongEffect(cols[j]!) && picked.length < distinct && independence([...picked, j].map((k) => cols[k]!)) >= MIN_INDEPENDENCE) picked.push(j);
  }
  return picked;
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

/** sqrt(diag((J^T J)^-1) * SSE / (n - p)) in unit-scaled parameters; null without spare points. */
function standardErrors(J: number[][], r: number[], p: number): number[] | null {
  const n = r.length;
  if (n <= p) return null;
  const s2 = r.reduce((a, x) => a + x * x, 0) / (n - p);
  const JtJ = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => J.reduce((s, row) => s + row[a]! * row[b]!, 0)));
  return Array.from({ length: p }, (_, j) => {
    const e = Array.from({ length: p }, (_, k) => (k === j ? 1 : 0));
    const col = solve(JtJ, e);
    return Math.sqrt(Math.max(0, col[j]! * s2));
  });
}

/** Targets of the same metric on the same layout and workload count once. */
function distinctTargets(targets: readonly Target[]): number {
  const m = (t: Target) => t.measurement;
  return new Set(
    targets.map((t) => [t.metric, m(t).nodes, m(t).tp, m(t).cp, m(t).dcp, m(t).contextTokens, m(t).cachedTokens, m(t).batch, m(t).variant].join('/')),
  ).size;
}

function checkDetermined<C>(distinct: number, params: readonly CalibrationParam<C>[], u: number[], residuals: (u: number[]) => number[]): void {
  const cols = probe(params, u, residuals);
  const strong = cols.map(strongEffect);
  // A verified suggestion.
  const picked = pick(distinct, cols);
  const tryInstead = picked.length ? `; try --params ${picked.map((k) => params[k]!.id).join(',')}` : '; add measurements';
  const dead = params.filter((_, j) => !strong[j]);
  if (dead.length > 0) {
    throw new InputError(
      `the measurements cannot determine ${dead.map((p) => `${p.id} (${p.presetPath.join('.')}; it needs ${p.needs})`).join(', ')}${tryInstead}`,
    );
  }
  if (distinct < params.length) {
    throw new InputError(`${distinct} distinct measured time(s) cannot determine ${params.length} parameters (repeats count once)${tryInstead}`);
  }
  for (let j = 1; j < params.length; j++) {
    if (independence(cols.slice(0, j + 1)) < MIN_INDEPENDENCE) {
      throw new InputError(
        `the measurements cannot tell ${params[j]!.id} apart from ${params
          .slice(0, j)
          .map((p) => p.id)
          .join(', ')} ` + `(its effect on every prediction is a mix of theirs: ${params[j]!.id} needs ${params[j]!.needs})${tryInstead}`,
      );
    }
  }
}

/**
 * How far the last column sticks out of the span of the others, after
 * normalising all of them (Gram-Schmidt): 1 when orthogonal, 0 when dependent.
 */
function independence(cols: number[][]): number {
  const basis: number[][] = [];
  let left = 1;
  for (const col of cols) {
    let v = normalise(col);
    for (const b of basis) {
      const dot = v.reduce((s, x, i) => s + x * b[i]!, 0);
      v = v.map((x, i) => x - dot * b[i]!);
    }
    left = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (left < 1e-12) return 0;
    basis.push(v.map((x) => x / left));
  }
  return left;
}

function normalise(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / n);
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
