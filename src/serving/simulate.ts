import type { Requests } from './traffic.js';
import { chunkPairs, type StepCostModel } from './step-cost.js';

/**
 * A deterministic discrete-event simulation of continuous batching on data-parallel replicas, step by step
 * as vLLM's and SGLang's schedulers run them:
 *
 * - Requests go to replicas round-robin (in arrival order; closed-loop clients are spread evenly).
 * - Every step first gives each decoding sequence one token, then spends what is left of the token budget
 *   (the prefill chunk) on prefills: first the ones in progress, then new ones in arrival order.
 * - A request is admitted when the running count is under the engine's limit and its whole KV (prompt plus
 *   output) fits next to the admitted ones: KV is reserved at admission, so nothing is ever preempted (vLLM
 *   allocates as it goes and preempts when full: under KV pressure this is slightly pessimistic).
 * - The cached prefix of a prompt costs no compute but takes KV; its prefill attends to it.
 * - A prefill's last chunk emits the first token (TTFT); then one token per step until the output is done.
 *
 * Everything is a function of the requests and the step model: the same inputs give the same result.
 */
export interface SimulationConfig {
  replicas: number;
  /** Token budget of one step; null: prompts are prefilled whole (budget: the larger of maxStepTokens and the prompt). */
  chunkTokens: number | null;
  /** Without chunking, the engine's token budget of a step (null: one whole prompt per step). */
  maxStepTokens?: number | null;
  /** Most sequences running at once per replica; null: KV capacity alone. */
  maxRunning: number | null;
  /** Tokens of KV one replica holds. */
  kvCapacityTokens: number;
  /** Closed loop: clients per run (each sends its next request when the last one finishes); null: open loop. */
  concurrency: number | null;
}

export interface SimulationResult {
  /** Per request (input order); NaN for requests never served (their KV alone exceeds a replica's). */
  ttftSec: Float64Array;
  /** Mean time between output tokens after the first (NaN for one-token outputs). */
  ttitSec: Float64Array;
  e2eSec: Float64Array;
  arrivalSec: Float64Array;
  served: number;
  rejected: number;
  /** From the first arrival to the last finish. */
  makespanSec: number;
  inputTokens: number;
  /** Prompt tokens computed (not found in the prefix cache). */
  prefilledTokens: number;
  outputTokens: number;
  steps: number;
  /** Time-averaged share of KV capacity reserved, over replicas and the makespan. */
  kvUtilisation: number;
  /** Share of the makespan the replicas were running a step. */
  busyFraction: number;
  /** Requests waiting for admission: the most at once (one replica), and over all replicas when the last request arrived (open loop). */
  peakQueue: number;
  queueAtLastArrival: number;
  /** ∫ requests in the system dt over the run (Little's law: equals Σ e2e when everything finishes). */
  requestSecondsInSystem: number;
}

export function simulate(requests: Requests, step: StepCostModel, config: SimulationConfig): SimulationResult {
  const n = requests.count;
  const res: SimulationResult = {
    ttftSec: new Float64Array(n).fill(NaN),
    ttitSec: new Float64Array(n).fill(NaN),
    e2eSec: new Float64Array(n).fill(NaN),
    arrivalSec: new Float64Array(requests.arrivalSec),
    served: 0,
    rejected: 0,
    makespanSec: 0,
    inputTokens: 0,
    prefilledTokens: 0,
    outputTokens: 0,
    steps: 0,
    kvUtilisation: 0,
    busyFraction: 0,
    peakQueue: 0,
    queueAtLastArrival: 0,
    requestSecondsInSystem: 0,
  };
  const lastArrival = n > 0 ? requests.arrivalSec[n - 1]! : 0;
  let start = Infinity;
  let end = 0;
  let kvIntegral = 0;
  let busy = 0;
  // Open loop: request i goes to replica i mod R. Closed loop: to client i mod C, and client c to replica c mod R,
  // so every replica's share of requests matches its share of clients (and a replica without clients gets none).
  const c = config.concurrency;
  const replicaOf = (i: number) => (c === null ? i % config.replicas : (i % c) % config.replicas);
  const shares: number[][] = Array.from({ length: config.replicas }, () => []);
  for (let i = 0; i < n; i++) shares[replicaOf(i)]!.push(i);
  for (let r = 0; r < config.replicas; r++) {
    const mine = shares[r]!;
    if (mine.length === 0) continue;
    const clients = c === null ? null : Math.floor(c / config.replicas) + (r < c % config.replicas ? 1 : 0);
    const out = runReplica(requests, mine, step, config, clients, res, lastArrival);
    start = Math.min(start, out.start);
    end = Math.max(end, out.end);
    kvIntegral += out.kvIntegral;
    busy += out.busy;
  }
  res.makespanSec = Number.isFinite(start) ? Math.max(0, end - start) : 0;
  const span = res.makespanSec * config.replicas;
  res.kvUtilisation = span > 0 ? kvIntegral / (span * config.kvCapacityTokens) : 0;
  res.busyFraction = span > 0 ? busy / span : 0;
  return res;
}

function runReplica(
  q: Requests,
  mine: number[],
  step: StepCostModel,
  config: SimulationConfig,
  clients: number | null,
  res: SimulationResult,
  lastArrival: number,
) {
  // Arrival times: fixed (open loop), or when a client frees up (closed loop: the first `clients` at 0).
  const arrival = new Float64Array(mine.length);
  let released = 0;
  if (clients === null) {
    for (let k = 0; k < mine.length; k++) arrival[k] = q.arrivalSec[mine[k]!]!;
    released = mine.length;
  } else {
    released = Math.min(clients, mine.length);
    for (let k = 0; k < released; k++) arrival[k] = 0;
  }
  const pendingByTime: number[] = []; // closed loop: released requests in release order (arrival non-decreasing)
  for (let k = 0; k < released; k++) pendingByTime.push(k);
  let nextPending = 0;

  const waiting: number[] = [];
  let waitHead = 0;
  // Prefills in progress: local index and tokens of the prompt already in KV (cached + computed).
  const prefilling: { k: number; done: number }[] = [];
  let decoding = 0;
  let context = 0; // Σ KV tokens of the decoding sequences
  const finishAt = new Map<number, number[]>();
  const firstToken = new Float64Array(mine.length);
  let reserved = 0;
  let now = 0;
  let steps = 0;
  let kvIntegral = 0;
  let busy = 0;
  let inSystem = 0;
  let start = Infinity;
  let end = 0;
  let queueAtLast = -1;

  const finish = (k: number, t: number) => {
    const i = mine[k]!;
    res.e2eSec[i] = t - arrival[k]!;
    res.arrivalSec[i] = arrival[k]!;
    const out = q.outputTokens[i]!;
    res.ttitSec[i] = out > 1 ? (t - firstToken[k]!) / (out - 1) : NaN;
    res.served++;
    reserved -= q.inputTokens[i]! + out;
    inSystem--;
    end = Math.max(end, t);
    release(t);
  };
  // Closed loop: a client whose request ends sends the next one.
  const release = (t: number) => {
    if (clients !== null && released < mine.length) {
      arrival[released] = t;
      pendingByTime.push(released);
      released++;
    }
  };

  for (;;) {
    // Arrivals up to now join the queue.
    while (nextPending < pendingByTime.length && arrival[pendingByTime[nextPending]!]! <= now) {
      const k = pendingByTime[nextPending++]!;
      waiting.push(k);
      inSystem++;
      // It arrived during the last step (or idle gap): its time in the system began then.
      res.requestSecondsInSystem += now - arrival[k]!;
      start = Math.min(start, arrival[k]!);
      res.inputTokens += q.inputTokens[mine[k]!]!;
    }
    const queued = waiting.length - waitHead;
    res.peakQueue = Math.max(res.peakQueue, queued);
    if (queueAtLast < 0 && clients === null && now >= lastArrival && nextPending >= pendingByTime.length) queueAtLast = queued;

    // Build the step: decode tokens first, then prefill chunks within the budget.
    // Chunked: decode tokens first, prefill chunks in what is left. Whole prompts: the next prompt runs whole
    // whatever the decode batch, and others join it within the engine's step budget.
    const next = prefilling.length > 0 ? remaining(q, mine, prefilling[0]!) : waitHead < waiting.length ? newTokens(q, mine[waiting[waitHead]!]!) : 0;
    let budget = config.chunkTokens !== null ? config.chunkTokens - decoding : Math.max((config.maxStepTokens ?? 0) - decoding, next);
    let prefillTokens = 0;
    let attention = 0;
    let emitting = decoding;
    const completing: number[] = [];
    const chunkOf = (p: { k: number; done: number }) => {
      const i = mine[p.k]!;
      const c = Math.min(Math.max(0, budget), q.inputTokens[i]! - p.done);
      if (c <= 0) return;
      attention += step.alpha(q.inputTokens[i]!) * chunkPairs(c, p.done);
      prefillTokens += c;
      budget -= c;
      p.done += c;
      res.prefilledTokens += c;
      if (p.done >= q.inputTokens[i]!) {
        completing.push(p.k);
        emitting++;
      }
    };
    for (const p of prefilling) if (budget > 0) chunkOf(p);
    // Admission in arrival order: the running limit and the KV reservation.
    while (waitHead < waiting.length && budget > 0) {
      const k = waiting[waitHead]!;
      const i = mine[k]!;
      const need = q.inputTokens[i]! + q.outputTokens[i]!;
      if (need > config.kvCapacityTokens) {
        // Can never fit: refused (the report counts it).
        waitHead++;
        res.rejected++;
        inSystem--;
        end = Math.max(end, now);
        release(now);
        continue;
      }
      const running = prefilling.length + decoding;
      if ((config.maxRunning !== null && running >= config.maxRunning) || reserved + need > config.kvCapacityTokens) break;
      waitHead++;
      reserved += need;
      const p = { k, done: q.cachedTokens[i]! };
      prefilling.push(p);
      chunkOf(p);
    }
    if (waitHead > 4096 && waitHead * 2 > waiting.length) {
      waiting.splice(0, waitHead);
      waitHead = 0;
    }

    if (decoding === 0 && prefillTokens === 0) {
      // Idle: jump to the next arrival, or stop.
      if (nextPending < pendingByTime.length) {
        now = Math.max(now, arrival[pendingByTime[nextPending]!]!);
        continue;
      }
      break;
    }
    const dt = step.stepSec(decoding, context, prefillTokens, attention, emitting);
    kvIntegral += reserved * dt;
    res.requestSecondsInSystem += inSystem * dt;
    busy += dt;
    now += dt;
    steps++;
    // Decoding sequences each emitted a token and grew by one.
    res.outputTokens += decoding;
    context += decoding;
    const done = finishAt.get(steps);
    if (done) {
      finishAt.delete(steps);
      for (const k of done) {
        const i = mine[k]!;
        decoding--;
        context -= q.inputTokens[i]! + q.outputTokens[i]! - 1;
        finish(k, now);
      }
    }
    // Completed prefills emit their first token and start decoding.
    if (completing.length) {
      for (const k of completing) {
        const i = mine[k]!;
        firstToken[k] = now;
        res.ttftSec[i] = now - arrival[k]!;
        res.outputTokens++;
        const idx = prefilling.findIndex((p) => p.k === k);
        prefilling.splice(idx, 1);
        const out = q.outputTokens[i]!;
        if (out <= 1) {
          finish(k, now);
          continue;
        }
        decoding++;
        context += q.inputTokens[i]!;
        const at = steps + out - 1;
        const list = finishAt.get(at);
        if (list) list.push(k);
        else finishAt.set(at, [k]);
      }
    }
  }
  // Summed over replicas: the fleet's backlog when the last request arrived.
  res.queueAtLastArrival += Math.max(0, queueAtLast);
  res.steps += steps;
  return { start: Number.isFinite(start) ? start : 0, end, kvIntegral, busy };
}

function newTokens(q: Requests, i: number): number {
  return q.inputTokens[i]! - q.cachedTokens[i]!;
}

function remaining(q: Requests, mine: number[], p: { k: number; done: number }): number {
  return q.inputTokens[mine[p.k]!]! - p.done;
}
