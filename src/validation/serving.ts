import { CpPlanError, InputError } from '../errors.js';
import type { ClusterSpec, ModelSpec } from '../model/types.js';
import type { ServingRun } from '../schema/serving-measurements.js';
import { serve } from '../serving/serve.js';
import { generateRequests, type Length } from '../serving/traffic.js';
import { mapeOf, type Mape } from './report.js';

export interface ServingInputs {
  model(name: string): ModelSpec;
  deployment(cluster: string, engine: string): ClusterSpec;
}

export interface ServingCase {
  name: string;
  role: 'fit' | 'held-out';
  gpu: string;
  engine: string;
  concurrency: number | null;
  measuredOutputTokensPerSec: number;
  predictedOutputTokensPerSec: number;
  /** Output-throughput error, predicted / measured - 1: what the group is scored on. */
  error: number;
  measuredMeanTpotMs: number | null;
  predictedMeanTpotMs: number | null;
  measuredMeanTtftMs: number | null;
  predictedMeanTtftMs: number | null;
}

export interface ServingReport {
  cases: ServingCase[];
  fit: Mape;
  heldOut: Mape;
  byGpu: Record<string, Mape>;
  byEngine: Record<string, Mape>;
  /** Held-out mean TPOT and TTFT errors where the source printed them. */
  tpot: Mape;
  ttft: Mape;
  skipped: { name: string; reason: string }[];
}

/**
 * Replays each serving run with cp-plan serve's simulation: the run's deployment (one replica per DP rank,
 * TP and EP as stated), its request count, concurrency (closed loop) or rate (Poisson, seed 1), and lengths
 * (fixed, or uniform on [0.8 L, L] where the source drew them so). Scored on output tokens per second.
 */
export function validateServing(rows: ServingRun[], inputs: ServingInputs): ServingReport {
  const cases: ServingCase[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const r of rows) {
    try {
      const model = inputs.model(r.model);
      const cluster = inputs.deployment(r.cluster, r.engine);
      const len = (mean: number): Length => (r.lengthsRandom ? { uniform: [Math.round(0.8 * (mean / 0.9)), Math.round(mean / 0.9)] } : Math.round(mean));
      const requests = generateRequests({
        classes: [{ weight: 1, inputTokens: len(r.inputTokens), outputTokens: len(r.outputTokens), hitRate: 0, turns: 1, thinkSec: 0 }],
        arrivals: r.concurrency !== null ? { kind: 'closed', concurrency: r.concurrency } : { kind: 'poisson', ratePerSec: r.requestRate ?? 1e9 },
        requests: r.requests,
        seed: 1,
      });
      const perReplica = r.gpus / r.dp;
      const result = serve({
        model,
        cluster,
        precision: { weights: r.weights, kvDtype: r.kvDtype },
        replica: { gpus: perReplica, tp: r.tp, ep: r.ep },
        replicas: r.dp,
        requests,
        concurrency: r.concurrency,
        slo: {},
        pricePerGpuHourUsd: null,
      });
      const s = result.summary;
      if (s.served < r.requests) throw new InputError(`${r.requests - s.served} of ${r.requests} requests were not served (their KV exceeds a replica's)`);
      const ms = (x: number) => (Number.isFinite(x) ? x * 1e3 : null);
      cases.push({
        name: r.id,
        role: r.role,
        gpu: cluster.gpu.preset,
        engine: r.engine,
        concurrency: r.concurrency,
        measuredOutputTokensPerSec: r.measured.outputTokensPerSec,
        predictedOutputTokensPerSec: s.outputTokensPerSec,
        error: s.outputTokensPerSec / r.measured.outputTokensPerSec - 1,
        measuredMeanTpotMs: r.measured.meanTpotMs ?? null,
        predictedMeanTpotMs: ms(s.ttit.meanSec),
        measuredMeanTtftMs: r.measured.meanTtftMs ?? null,
        predictedMeanTtftMs: ms(s.ttft.meanSec),
      });
    } catch (error) {
      // A row cp-plan cannot express is reported as skipped; anything else is a bug and surfaces.
      if (!(error instanceof CpPlanError)) throw error;
      skipped.push({ name: r.id, reason: error.message.split('\n')[0]! });
    }
  }
  const held = cases.filter((c) => c.role === 'held-out');
  const by = (key: 'gpu' | 'engine') => {
    const out: Record<string, Mape> = {};
    for (const k of [...new Set(held.map((c) => c[key]))].sort()) out[k] = mapeOf(held.filter((c) => c[key] === k));
    return out;
  };
  const rel = (pred: number | null, meas: number | null) => (pred !== null && meas !== null ? [{ error: pred / meas - 1 }] : []);
  return {
    cases,
    fit: mapeOf(cases.filter((c) => c.role === 'fit')),
    heldOut: mapeOf(held),
    byGpu: by('gpu'),
    byEngine: by('engine'),
    tpot: mapeOf(held.flatMap((c) => rel(c.predictedMeanTpotMs, c.measuredMeanTpotMs))),
    ttft: mapeOf(held.flatMap((c) => rel(c.predictedMeanTtftMs, c.measuredMeanTtftMs))),
    skipped,
  };
}
