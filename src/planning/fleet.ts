import { estimateDecode } from '../model/decode.js';
import { nicBytesPerSecPerGpu } from '../model/hardware/topology.js';
import { kvCacheBytesPerSequence } from '../model/kv-cache.js';
import { memoryParts } from '../model/memory.js';
import { chunkedPrefillSec, prefillChunkOf } from '../model/prefill-chunked.js';
import type { ClusterSpec, Layout, ModelSpec, Precision } from '../model/types.js';
import { saturationRate, serve } from '../serving/serve.js';
import { generateRequests } from '../serving/traffic.js';
import { layouts, variantsFor, type SearchSpace } from './candidates.js';

/**
 * Fleets for a request stream: how many instances of which layouts serve `ratePerSec` requests of `isl`
 * prompt tokens (`cachedTokens` of them found in the prefix cache) and `osl` output tokens within the SLOs.
 *
 * Disaggregated (prefill and decode pools, as Dynamo, vLLM and SGLang run PD disaggregation):
 * - A prefill instance (any layout, CP allowed) prefills one prompt at a time in S seconds. Arrivals split
 *   evenly over n instances form n M/D/1 queues: mean wait W = ρ S / (2 (1 - ρ)), ρ = λ S / n
 *   (Pollaczek-Khinchine, exact for Poisson arrivals and a fixed service time). Then the KV travels to
 *   the decode pool over the prefill instance's NICs. Mean TTFT = W + S + transfer.
 * - A decode instance (CP1: TP, DCP, EP) runs b sequences at once, each step taking TTIT(b) at the mean
 *   decode context; it holds b sequences' KV. Little's law: λ osl TTIT(b) sequences are decoding at any
 *   time, so n = ⌈λ osl TTIT(b) / b⌉ instances, with the largest b whose TTIT meets the SLO.
 * The pools are independent, so the cheapest fleet is the cheapest prefill pool plus the cheapest decode pool.
 *
 * Co-located (every replica prefills and decodes, chunked, as vLLM and SGLang serve by default): replicas of
 * one CP1 layout, sized by cp-plan serve's simulation (the smallest count whose mean TTFT and TTIT meet the
 * SLOs without saturating). Pure; deterministic.
 */
export interface FleetInput {
  model: ModelSpec;
  cluster: ClusterSpec;
  precision: Precision;
  isl: number;
  cachedTokens: number;
  osl: number;
  ratePerSec: number;
  maxTtftSec?: number | undefined;
  maxTtitSec?: number | undefined;
  space: SearchSpace;
  /** USD per GPU-hour; null: GPUs are the cost. */
  pricePerGpuHourUsd: number | null;
  /** Requests each co-located simulation runs (default 400). */
  simulatedRequests?: number;
}

export interface PrefillPool {
  layout: Layout;
  instances: number;
  gpus: number;
  serviceSec: number;
  waitSec: number;
  transferSec: number;
  meanTtftSec: number;
  utilisation: number;
}

export interface DecodePool {
  layout: Layout;
  instances: number;
  gpus: number;
  batchPerInstance: number;
  ttitSec: number;
  utilisation: number;
}

export interface ColocatedFleet {
  layout: Layout;
  replicas: number;
  gpus: number;
  meanTtftSec: number;
  meanTtitSec: number;
  outputTokensPerSec: number;
}

export interface FleetPlan {
  disaggregated: { prefill: PrefillPool; decode: DecodePool; gpus: number } | null;
  colocated: ColocatedFleet | null;
  /** What made the disaggregated search find nothing (or null when it found a fleet). */
  disaggregatedProblem: string | null;
  colocatedProblem: string | null;
}

/** Largest fleet of one pool considered: beyond this an answer is not a plan. */
const MAX_INSTANCES = 4096;

export function prefillPools(input: FleetInput): PrefillPool[] {
  const { model, cluster, precision } = input;
  const out: PrefillPool[] = [];
  // Prefill instances chunk as the engine does (estimate's rule); one request at a time.
  const chunk = prefillChunkOf(undefined, cluster);
  const workload = { contextTokens: input.isl, cachedTokens: input.cachedTokens, batch: 1, prefillChunkTokens: chunk };
  const kvBytes = kvCacheBytesPerSequence(model, precision.kvDtype, input.isl);
  for (const layout of layouts(model, cluster, input.space)) {
    if (input.isl - input.cachedTokens < layout.cp) continue;
    const mem = memoryParts(model, cluster, layout, precision, workload);
    if (mem.totalBytes > mem.capacityBytes) continue;
    const serviceSec = Math.min(...variantsFor(layout).map((v) => chunkedPrefillSec(model, cluster, layout, precision, workload, v, chunk)));
    // The KV leaves over the prefill instance's NICs (all its GPUs' share at once).
    const transferSec = kvBytes / (layout.gpus * nicBytesPerSecPerGpu(cluster) * cluster.scaleOut.sendRecvEfficiency);
    const budget = (input.maxTtftSec ?? Infinity) - serviceSec - transferSec;
    if (budget <= 0) continue;
    // Mean wait W = ρ S / (2 (1 - ρ)) <= budget  <=>  ρ <= 2 budget / (S + 2 budget).
    // Without a TTFT SLO, instances run at most 90% busy (a mean wait of 4.5 service times).
    const rhoMax = Number.isFinite(budget) ? (2 * budget) / (serviceSec + 2 * budget) : 0.9;
    const instances = Math.max(1, Math.ceil((input.ratePerSec * serviceSec) / Math.min(rhoMax, 0.999)));
    if (instances > MAX_INSTANCES) continue;
    const rho = (input.ratePerSec * serviceSec) / instances;
    const waitSec = (rho * serviceSec) / (2 * (1 - rho));
    out.push({
      layout,
      instances,
      gpus: instances * layout.gpus,
      serviceSec,
      waitSec,
      transferSec,
      meanTtftSec: waitSec + serviceSec + transferSec,
      utilisation: rho,
    });
  }
  return out;
}

export function decodePools(input: FleetInput): DecodePool[] {
  const { model, cluster, precision } = input;
  const out: DecodePool[] = [];
  const total = input.isl + input.osl;
  const meanContext = Math.round(input.isl + input.osl / 2);
  const limit = cluster.engine.maxRunningSequences ?? Infinity;
  for (const layout of layouts(model, cluster, { ...input.space })) {
    if (layout.cp !== 1) continue;
    // Sequences whose whole KV fits (activations of one decode step: a token each).
    const fits = (b: number) => {
      const m = memoryParts(model, cluster, layout, precision, { contextTokens: total, cachedTokens: total - 1, batch: b });
      return m.totalBytes <= m.capacityBytes;
    };
    if (!fits(1)) continue;
    let hi = 1;
    while (hi < limit && hi < 1 << 20 && fits(Math.min(limit, hi * 2))) hi = Math.min(limit, hi * 2);
    let lo = hi;
    if (hi < limit && hi < 1 << 20) {
      let top = Math.min(limit, hi * 2);
      while (top - lo > 1) {
        const mid = (lo + top) >> 1;
        if (fits(mid)) lo = mid;
        else top = mid;
      }
    }
    const ttit = (b: number) => estimateDecode(model, cluster, layout, precision, { contextTokens: meanContext, cachedTokens: 0, batch: b }).ttitSec;
    const maxTtit = input.maxTtitSec ?? Infinity;
    if (ttit(1) > maxTtit) continue;
    // TTIT grows with b: the largest b that meets the SLO.
    let b = lo;
    if (ttit(b) > maxTtit) {
      let okB = 1;
      let bad = b;
      while (bad - okB > 1) {
        const mid = (okB + bad) >> 1;
        if (ttit(mid) <= maxTtit) okB = mid;
        else bad = mid;
      }
      b = okB;
    }
    const t = ttit(b);
    const concurrent = input.ratePerSec * input.osl * t;
    const instances = Math.max(1, Math.ceil(concurrent / b));
    if (instances > MAX_INSTANCES) continue;
    out.push({ layout, instances, gpus: instances * layout.gpus, batchPerInstance: b, ttitSec: t, utilisation: concurrent / (instances * b) });
  }
  return out;
}

const byGpusThen =
  <T extends { gpus: number }>(tie: (x: T) => number) =>
  (a: T, b: T) =>
    a.gpus - b.gpus || tie(a) - tie(b);

export function planFleet(input: FleetInput): FleetPlan {
  const prefill = prefillPools(input).sort(byGpusThen((p) => p.meanTtftSec))[0] ?? null;
  const decode = decodePools(input).sort(byGpusThen((d) => d.ttitSec))[0] ?? null;
  const disaggregated = prefill && decode ? { prefill, decode, gpus: prefill.gpus + decode.gpus } : null;
  const colocated = planColocated(input);
  return {
    disaggregated,
    colocated,
    disaggregatedProblem: disaggregated
      ? null
      : !prefill
        ? 'no prefill layout meets the TTFT SLO within the limits'
        : 'no decode layout meets the TTIT SLO within the limits',
    colocatedProblem: colocated ? null : 'no co-located fleet within the limits meets the SLOs',
  };
}

/** The cheapest co-located fleet: for each CP1 layout, the fewest replicas meeting the SLOs in simulation. */
export function planColocated(input: FleetInput): ColocatedFleet | null {
  const { model, cluster, precision } = input;
  const maxGpus = input.space.maxGpus ?? input.space.maxNodes * cluster.gpusPerNode;
  // Enough requests to span a couple of minutes of arrivals (a short burst is not a steady state), at most 5,000.
  const n = input.simulatedRequests ?? Math.min(5000, Math.max(400, Math.ceil(input.ratePerSec * 120)));
  const classes = [{ weight: 1, inputTokens: input.isl, outputTokens: input.osl, hitRate: input.cachedTokens / input.isl, turns: 1, thinkSec: 0 }];
  const requests = generateRequests({
    classes,
    arrivals: { kind: 'poisson', ratePerSec: input.ratePerSec },
    requests: n,
    seed: 1,
  });
  let best: ColocatedFleet | null = null;
  const seen = new Set<string>();
  for (const layout of layouts(model, cluster, input.space)) {
    // Engines serve a replica on one node or two (TP16 over two NVLink domains); beyond that the search is a plan nobody runs.
    if (layout.cp !== 1 || layout.nodes > 2) continue;
    const key = `${layout.gpus}/${layout.tp}/${layout.dcp}/${layout.ep}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const serveInput = (replicas: number) => ({
      model,
      cluster,
      precision,
      replica: { gpus: layout.gpus, tp: layout.tp, dcp: layout.dcp, ep: layout.ep },
      replicas,
      requests,
      concurrency: null,
      slo: {},
      pricePerGpuHourUsd: null,
    });
    const run = (replicas: number) => serve(serveInput(replicas));
    const meets = (replicas: number) => {
      const served = run(replicas);
      const s = served.summary;
      if (s.rejected > 0 || s.saturated || !(s.ttft.meanSec <= (input.maxTtftSec ?? Infinity)) || !(s.ttit.meanSec <= (input.maxTtitSec ?? Infinity)))
        return false;
      // A run shorter than a request's life can end before the queue shows: the rate must also be below the
      // fleet's capacity (its completion rate with every replica full, closed loop).
      return saturationRate(serveInput(replicas), { classes, seed: 1 }, served) >= input.ratePerSec;
    };
    const most = Math.floor(maxGpus / layout.gpus);
    if (most < 1) continue;
    // Doubling, then bisection: more replicas never hurt (arrivals split round-robin).
    let ok = 1;
    while (!meets(ok) && ok < most) ok = Math.min(most, ok * 2);
    if (!meets(ok)) continue;
    let bad = ok === 1 ? 0 : Math.floor(ok / 2);
    while (ok - bad > 1) {
      const mid = (ok + bad) >> 1;
      if (meets(mid)) ok = mid;
      else bad = mid;
    }
    const s = run(ok).summary;
    const fleet = {
      layout,
      replicas: ok,
      gpus: ok * layout.gpus,
      meanTtftSec: s.ttft.meanSec,
      meanTtitSec: s.ttit.meanSec,
      outputTokensPerSec: s.outputTokensPerSec,
    };
    if (!best || fleet.gpus < best.gpus || (fleet.gpus === best.gpus && fleet.meanTtftSec < best.meanTtftSec)) best = fleet;
  }
  return best;
}
