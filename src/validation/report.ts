import { forRow } from '../errors.js';
import { estimate, type EstimateResult } from '../model/estimate.js';
import { resolveLayout } from '../model/layout.js';
import { estimatePrefill } from '../model/prefill.js';
import type { ClusterSpec, ModelSpec, Precision, RingVariant } from '../model/types.js';
import { estimateDecode } from '../model/decode.js';
import type { DecodeAttentionComponent, DecodeAttentionMeasurement, Measurement, RingIterationMeasurement } from '../schema/measurements.js';

export type CaseGroup = 'full-prefill' | 'partial-prefill' | 'decode';
export const CASE_GROUPS: readonly CaseGroup[] = ['full-prefill', 'partial-prefill', 'decode'];

/** One measured time against cp-plan's prediction for it. */
export interface ValidationCase {
  name: string;
  group: CaseGroup;
  /** The ring variant the measured run used (`auto` for decode or when not recorded). */
  variant: 'auto' | RingVariant;
  measuredMs: number;
  predictedMs: number;
  /** predicted / measured - 1 */
  error: number;
  role: 'fit' | 'held-out';
  ref: string;
}

/** Where the paper measured both variants on one workload: did auto pick the faster one? */
export interface ValidationDecision {
  name: string;
  measuredFaster: RingVariant;
  /** |pass-KV - pass-Q| / the faster one. */
  measuredGap: number;
  chosen: RingVariant;
  correct: boolean;
  /** Decisions within 2% are ties: reported, not scored. */
  scored: boolean;
}

export interface RingIterationCheck {
  name: string;
  component: 'SendRecv' | 'attention' | 'All2All';
  measuredUs: number;
  predictedUs: number;
  error: number;
  role: 'fit' | 'held-out';
}

/** One component of one layer's decode attention (the paper's Table 8) against cp-plan's. */
export interface DecodeAttentionCheck {
  name: string;
  component: DecodeAttentionMeasurement['fitComponents'] extends (infer C)[] | undefined ? C : never;
  measuredUs: number;
  predictedUs: number;
  error: number;
  role: 'fit' | 'held-out';
}

export interface Mape {
  mape: number;
  maxAbsError: number;
  count: number;
}

export interface ValidationReport {
  cases: ValidationCase[];
  byGroup: Record<CaseGroup, Mape>;
  byRole: Record<'fit' | 'held-out', Mape>;
  overall: Mape;
  decisions: ValidationDecision[];
  ringIterations: RingIterationCheck[];
  decodeAttention: DecodeAttentionCheck[];
}

export interface ValidationInputs {
  model: ModelSpec;
  cluster: ClusterSpec;
  precision: Precision;
}

/** The EstimateResult for one measurement, by the same code path as `cp-plan estimate`. */
export function estimateMeasurement(m: Measurement, inputs: ValidationInputs, cluster = inputs.cluster): EstimateResult {
  return estimate({
    model: inputs.model,
    cluster,
    precision: inputs.precision,
    layout: { nodes: m.nodes, tp: m.tp, cp: m.cp, dcp: m.dcp },
    workload: { contextTokens: m.contextTokens, cachedTokens: m.cachedTokens, batch: m.batch },
    variant: m.variant,
  });
}

/** The measured times of one measurement (TTFT and/or TTIT) with their predictions. */
export function casesOf(m: Measurement, r: EstimateResult): ValidationCase[] {
  const base = { name: m.name ?? describe(m), variant: m.variant, role: m.role, ref: m.ref ?? '' };
  const out: ValidationCase[] = [];
  if (m.ttftMs !== undefined) {
    const predictedMs = r.prefill.ttftSec * 1e3;
    const group = m.cachedTokens > 0 ? 'partial-prefill' : 'full-prefill';
    out.push({ ...base, group, measuredMs: m.ttftMs, predictedMs, error: predictedMs / m.ttftMs - 1 });
  }
  if (m.ttitMs !== undefined) {
    const predictedMs = r.decode.ttitSec * 1e3;
    out.push({ ...base, group: 'decode', variant: 'auto', measuredMs: m.ttitMs, predictedMs, error: predictedMs / m.ttitMs - 1 });
  }
  return out;
}

export function mapeOf(cases: { error: number }[]): Mape {
  const abs = cases.map((c) => Math.abs(c.error));
  return {
    mape: abs.length ? abs.reduce((a, b) => a + b, 0) / abs.length : 0,
    maxAbsError: abs.length ? Math.max(...abs) : 0,
    count: abs.length,
  };
}

/** Runs every measurement through the model and scores it. Pure. */
export function validate(
  measurements: readonly Measurement[],
  ringIterations: readonly RingIterationMeasurement[],
  inputs: ValidationInputs,
  decodeAttention: readonly DecodeAttentionMeasurement[] = [],
): ValidationReport {
  const results = measurements.map((m, i) => ({ m, r: forRow(i, () => estimateMeasurement(m, inputs)) }));
  const cases = results.flatMap(({ m, r }) => casesOf(m, r));
  const byGroup = Object.fromEntries(CASE_GROUPS.map((g) => [g, mapeOf(cases.filter((c) => c.group === g))])) as Record<CaseGroup, Mape>;
  return {
    cases,
    byGroup,
    byRole: { fit: mapeOf(cases.filter((c) => c.role === 'fit')), 'held-out': mapeOf(cases.filter((c) => c.role === 'held-out')) },
    overall: mapeOf(cases),
    decisions: decisions(results),
    ringIterations: ringIterations.flatMap((it) => ringChecks(it, inputs)),
    decodeAttention: decodeAttention.flatMap((row) => decodeAttentionChecks(row, inputs)),
  };
}

/** Pairs of measurements of the same workload from the same source, one per variant. */
function decisions(results: { m: Measurement; r: EstimateResult }[]): ValidationDecision[] {
  const key = (m: Measurement) => [m.nodes, m.tp, m.cp, m.dcp, m.contextTokens, m.cachedTokens, m.batch, m.ref].join('/');
  const out: ValidationDecision[] = [];
  for (const kv of results.filter(({ m }) => m.variant === 'pass-kv' && m.ttftMs !== undefined)) {
    const q = results.find(({ m }) => m.variant === 'pass-q' && m.ttftMs !== undefined && key(m) === key(kv.m));
    if (!q) continue;
    const kvMs = kv.m.ttftMs!;
    const qMs = q.m.ttftMs!;
    const measuredFaster: RingVariant = kvMs <= qMs ? 'pass-kv' : 'pass-q';
    const measuredGap = Math.abs(kvMs - qMs) / Math.min(kvMs, qMs);
    const chosen = kv.r.fasterVariant;
    out.push({ name: kv.m.name ?? describe(kv.m), measuredFaster, measuredGap, chosen, correct: chosen === measuredFaster, scored: measuredGap > 0.02 });
  }
  return out;
}

function ringChecks(it: RingIterationMeasurement, inputs: ValidationInputs): RingIterationCheck[] {
  const layout = resolveLayout({ nodes: it.nodes, tp: it.tp }, inputs.model, inputs.cluster);
  const w = { contextTokens: it.contextTokens, cachedTokens: it.cachedTokens, batch: 1 };
  const ring = estimatePrefill(inputs.model, inputs.cluster, layout, inputs.precision, w, it.variant).ring;
  const name = `CP${layout.cp} T=${it.contextTokens - it.cachedTokens} ${it.variant}`;
  const check = (component: RingIterationCheck['component'], predictedSec: number, measuredUs: number): RingIterationCheck => ({
    name,
    component,
    measuredUs,
    predictedUs: predictedSec * 1e6,
    error: (predictedSec * 1e6) / measuredUs - 1,
    // Only the SendRecv times are ever used to fit (the link's latency and efficiency).
    role: component === 'SendRecv' ? it.role : 'held-out',
  });
  const out = [check('SendRecv', ring.stepSendRecvSec, it.sendRecvUs), check('attention', ring.stepComputeSec, it.attentionUs)];
  if (it.allToAllUs !== undefined) out.push(check('All2All', ring.allToAllSec, it.allToAllUs));
  return out;
}

/** Table 8's components of one row; a component measured as 0 (no ring on CP1) is not scored. */
function decodeAttentionChecks(row: DecodeAttentionMeasurement, inputs: ValidationInputs): DecodeAttentionCheck[] {
  const layout = resolveLayout({ nodes: row.nodes, tp: row.tp }, inputs.model, inputs.cluster);
  const w = { contextTokens: row.contextTokens, cachedTokens: 0, batch: row.batch };
  const ring = estimateDecode(inputs.model, inputs.cluster, layout, inputs.precision, w).ring;
  const name = `${layout.cp > 1 ? `CP${layout.cp}` : `TP${layout.tp}`} ${row.contextTokens} b${row.batch}`;
  const predicted = {
    kernel: ring.kernelSec,
    attention: ring.attentionSec,
    sendRecv: ring.sendRecvSec,
    allToAll: ring.allToAllSec,
    whole: ring.attentionSec + ring.sendRecvSec + ring.allToAllSec + ring.mergeSec,
  };
  const measured = { kernel: row.kernelUs, attention: row.attentionUs, sendRecv: row.sendRecvUs, allToAll: row.allToAllUs, whole: row.wholeUs };
  return (Object.keys(predicted) as (keyof typeof predicted)[])
    .filter((c) => measured[c] > 0)
    .map((component) => ({
      name,
      component,
      measuredUs: measured[component],
      predictedUs: predicted[component] * 1e6,
      error: (predicted[component] * 1e6) / measured[component] - 1,
      role: row.role === 'fit' && PARTS[component].some((c) => (row.fitComponents ?? []).includes(c)) ? 'fit' : 'held-out',
    }));
}

/**
 * What each measured component of Table 8 contains: a component that holds a fitted one is not held out
 * (the attention time holds the kernels; the whole layer holds everything).
 */
const PARTS: Record<DecodeAttentionComponent, readonly DecodeAttentionComponent[]> = {
  kernel: ['kernel'],
  attention: ['kernel', 'attention'],
  sendRecv: ['sendRecv'],
  allToAll: ['allToAll'],
  whole: ['kernel', 'attention', 'sendRecv', 'allToAll', 'whole'],
};

function describe(m: Measurement): string {
  return `${m.nodes} node(s) ctx ${m.contextTokens}` + (m.cachedTokens ? ` cached ${m.cachedTokens}` : '');
}
