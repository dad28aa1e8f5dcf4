import { estimatePrefill } from './prefill.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from './types.js';

export interface Crossover {
  /** Miss rate T/(T+P) at which the two predicted TTFTs tie; null when one variant wins everywhere. */
  missRate: number | null;
  /** Which variant wins below the crossover (low miss rates), and above it. */
  below: RingVariant;
  above: RingVariant;
}

/**
 * Where pass-KV and pass-Q tie at this context, layout and batch, varying the
 * new tokens T from 1 to the whole context (miss rate 1/context .. 100%).
 * Bisection on the sign of TTFT(pass-KV) - TTFT(pass-Q).
 */
export function crossoverMissRate(model: ModelSpec, cluster: ClusterSpec, layout: Layout, precision: Precision, workload: Workload): Crossover {
  const context = workload.contextTokens;
  const minNew = Math.min(context, layout.cp); // every CP rank needs a new token
  const gap = (newTokens: number) => {
    const w = { ...workload, cachedTokens: context - newTokens };
    return estimatePrefill(model, cluster, layout, precision, w, 'pass-kv').ttftSec - estimatePrefill(model, cluster, layout, precision, w, 'pass-q').ttftSec;
  };
  const low = gap(minNew);
  const high = gap(context);
  const winner = (g: number): RingVariant => (g > 0 ? 'pass-q' : 'pass-kv');
  if (layout.cp <= 1 || Math.sign(low) === Math.sign(high) || low === 0) {
    return { missRate: null, below: winner(low), above: winner(high) };
  }
  let lo = minNew;
  let hi = context;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (Math.sign(gap(mid)) === Math.sign(low)) lo = mid;
    else hi = mid;
  }
  return { missRate: hi / context, below: winner(low), above: winner(high) };
}

/** Miss rates of a report's pass-KV vs pass-Q curve: dense where the crossover usually is. */
export const CURVE_MISS_RATES = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];

/** Predicted TTFT of both ring variants at each miss rate (whole prompts), for the pass-KV vs pass-Q curve. Pure. */
export function variantCurve(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  workload: Workload,
  missRates: readonly number[],
): { missRate: number; passKvSec: number; passQSec: number }[] {
  const context = workload.contextTokens;
  return missRates.map((missRate) => {
    const newTokens = Math.min(context, Math.max(layout.cp, Math.round(context * missRate)));
    const w = { ...workload, cachedTokens: context - newTokens };
    return {
      missRate: newTokens / context,
      passKvSec: estimatePrefill(model, cluster, layout, precision, w, 'pass-kv').ttftSec,
      passQSec: estimatePrefill(model, cluster, layout, precision, w, 'pass-q').ttftSec,
    };
  });
}
