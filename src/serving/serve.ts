import { contextTokensPerKvSlot, kvBytesPerTokenPerGpu } from '../model/kv-cache.js';
import { resolveLayout, type LayoutRequest } from '../model/layout.js';
import { memoryParts } from '../model/memory.js';
import type { ClusterSpec, Layout, ModelSpec, Precision } from '../model/types.js';
import { summarize, type ServingSummary, type Slo } from './metrics.js';
import { simulate, type SimulationConfig } from './simulate.js';
import { stepCostModel } from './step-cost.js';
import { generateRequests, type Requests, type TrafficSpec } from './traffic.js';

/** One deployment serving traffic: replicas of one layout (a TP group with its DCP and EP), continuous batching. */
export interface ServeInput {
  model: ModelSpec;
  cluster: ClusterSpec;
  precision: Precision;
  /** One replica's layout (CP1). */
  replica: LayoutRequest;
  replicas: number;
  requests: Requests;
  /** Closed loop with this many clients; null: open loop at the requests' arrival times. */
  concurrency: number | null;
  /** Prefill chunk: undefined = the engine's default, null = whole prompts. */
  chunkTokens?: number | null | undefined;
  /** Running-sequence limit per replica: undefined = the engine's default, null = none. */
  maxRunning?: number | null | undefined;
  slo: Slo;
  /** USD per GPU-hour, null when unknown. */
  pricePerGpuHourUsd: number | null;
}

export interface Cost {
  pricePerGpuHourUsd: number;
  perHourUsd: number;
  /** The fleet's whole cost per million output tokens (and, separately, per million input tokens). */
  perMillionOutputTokensUsd: number;
  perMillionInputTokensUsd: number;
}

export interface ServeResult {
  layout: Layout;
  replicas: number;
  gpus: number;
  chunkTokens: number | null;
  maxRunning: number | null;
  kvCapacityTokensPerReplica: number;
  summary: ServingSummary;
  cost: Cost | null;
}

/** Tokens of KV one replica holds beside weights, reserve and one chunk's activations (full-attention layers). */
export function kvCapacityTokens(
  model: ModelSpec,
  cluster: ClusterSpec,
  layout: Layout,
  precision: Precision,
  chunkTokens: number | null,
  promptTokens: number,
): number {
  const chunk = chunkTokens ?? promptTokens;
  const one = memoryParts(model, cluster, layout, precision, { contextTokens: Math.max(1, chunk), cachedTokens: 0, batch: 1, prefillChunkTokens: chunkTokens });
  const free = one.capacityBytes - one.weightsBytes - one.reserveBytes - one.activationBytes;
  const perToken = kvBytesPerTokenPerGpu(model, layout, precision.kvDtype);
  if (perToken <= 0 || free <= 0) return 0;
  // Tokens of context per slot: DCP's share (a replica has no CP), as the estimate's KV capacity counts them.
  return Math.floor(free / perToken) * contextTokensPerKvSlot(layout);
}

export function serve(input: ServeInput): ServeResult {
  const { model, cluster, precision } = input;
  const layout = resolveLayout(input.replica, model, cluster);
  const chunkTokens = input.chunkTokens === undefined ? cluster.engine.prefillChunkTokens : input.chunkTokens;
  const maxRunning = input.maxRunning === undefined ? cluster.engine.maxRunningSequences : input.maxRunning;
  let longest = 1;
  for (let i = 0; i < input.requests.count; i++) longest = Math.max(longest, input.requests.inputTokens[i]! - input.requests.cachedTokens[i]!);
  const kv = kvCapacityTokens(model, cluster, layout, precision, chunkTokens, longest);
  const config: SimulationConfig = {
    replicas: input.replicas,
    chunkTokens,
    maxRunning,
    kvCapacityTokens: kv,
    concurrency: input.concurrency,
    maxStepTokens: cluster.engine.maxStepTokens,
  };
  const sim = simulate(input.requests, stepCostModel(model, cluster, layout, precision), config);
  const gpus = layout.gpus * input.replicas;
  const summary = summarize(sim, gpus, input.slo, input.concurrency === null);
  const price = input.pricePerGpuHourUsd;
  const cost =
    price === null
      ? null
      : {
          pricePerGpuHourUsd: price,
          perHourUsd: price * gpus,
          perMillionOutputTokensUsd: summary.outputTokensPerSec > 0 ? (price * gpus * 1e6) / (summary.outputTokensPerSec * 3600) : NaN,
          perMillionInputTokensUsd: summary.inputTokensPerSec > 0 ? (price * gpus * 1e6) / (summary.inputTokensPerSec * 3600) : NaN,
        };
  return { layout, replicas: input.replicas, gpus, chunkTokens, maxRunning, kvCapacityTokensPerReplica: kv, summary, cost };
}

/**
 * Where a deployment saturates: requests per second it completes when every replica runs as many sequences
 * as its limits allow (closed loop at that concurrency), for the same request mix.
 */
export function saturationRate(input: ServeInput, traffic: Omit<TrafficSpec, 'arrivals' | 'requests'>, served: ServeResult): number {
  const perReplica = Math.max(
    1,
    Math.min(served.maxRunning ?? Infinity, Math.floor(served.kvCapacityTokensPerReplica / Math.max(1, meanTokensPerRequest(input.requests)))),
  );
  const concurrency = perReplica * input.replicas;
  const requests = generateRequests({
    ...traffic,
    arrivals: { kind: 'closed', concurrency },
    requests: Math.max(4 * concurrency, Math.min(2000, input.requests.count)),
  });
  const closed = serve({ ...input, requests, concurrency, slo: {} });
  return closed.summary.requestsPerSec;
}

function meanTokensPerRequest(r: Requests): number {
  let s = 0;
  for (let i = 0; i < r.count; i++) s += r.inputTokens[i]! + r.outputTokens[i]!;
  return r.count ? s / r.count : 1;
}
