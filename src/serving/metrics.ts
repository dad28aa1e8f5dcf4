import type { SimulationResult } from './simulate.js';

/** Nearest-rank percentile of the finite values (NaN when there are none). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const v = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)));
  return v[rank - 1]!;
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) {
      s += x;
      k++;
    }
  }
  return k ? s / k : NaN;
}

export interface Distribution {
  meanSec: number;
  p50Sec: number;
  p90Sec: number;
  p99Sec: number;
}

export function distribution(values: ArrayLike<number>): Distribution {
  return { meanSec: mean(values), p50Sec: percentile(values, 50), p90Sec: percentile(values, 90), p99Sec: percentile(values, 99) };
}

export interface Slo {
  maxTtftSec?: number | undefined;
  maxTtitSec?: number | undefined;
}

/** What a serving run delivered, per second of the run and per GPU. */
export interface ServingSummary {
  requests: number;
  served: number;
  rejected: number;
  makespanSec: number;
  requestsPerSec: number;
  inputTokensPerSec: number;
  outputTokensPerSec: number;
  outputTokensPerSecPerGpu: number;
  ttft: Distribution;
  ttit: Distribution;
  e2e: Distribution;
  /** Requests per second that met every SLO given (all served ones when none is given). */
  goodputRequestsPerSec: number;
  /** Share of served requests that met every SLO. */
  sloAttainment: number;
  kvUtilisation: number;
  busyFraction: number;
  peakQueue: number;
  /** Open loop: the queue kept growing (requests waited at the end of the arrivals): the rate is beyond capacity. */
  saturated: boolean;
}

export function summarize(sim: SimulationResult, gpus: number, slo: Slo, openLoop: boolean): ServingSummary {
  const n = sim.ttftSec.length;
  let good = 0;
  for (let i = 0; i < n; i++) {
    const ttft = sim.ttftSec[i]!;
    if (!Number.isFinite(sim.e2eSec[i]!)) continue;
    const ttit = sim.ttitSec[i]!;
    if (slo.maxTtftSec !== undefined && !(ttft <= slo.maxTtftSec)) continue;
    if (slo.maxTtitSec !== undefined && Number.isFinite(ttit) && !(ttit <= slo.maxTtitSec)) continue;
    good++;
  }
  const span = sim.makespanSec > 0 ? sim.makespanSec : NaN;
  const perSec = (x: number) => (Number.isFinite(span) ? x / span : 0);
  return {
    requests: n,
    served: sim.served,
    rejected: sim.rejected,
    makespanSec: sim.makespanSec,
    requestsPerSec: perSec(sim.served),
    inputTokensPerSec: perSec(sim.inputTokens),
    outputTokensPerSec: perSec(sim.outputTokens),
    outputTokensPerSecPerGpu: perSec(sim.outputTokens) / gpus,
    ttft: distribution(sim.ttftSec),
    ttit: distribution(sim.ttitSec),
    e2e: distribution(sim.e2eSec),
    goodputRequestsPerSec: perSec(good),
    sloAttainment: sim.served > 0 ? good / sim.served : 0,
    kvUtilisation: sim.kvUtilisation,
    busyFraction: sim.busyFraction,
    peakQueue: sim.peakQueue,
    saturated: openLoop && sim.queueAtLastArrival > Math.max(8, 0.02 * n),
  };
}
