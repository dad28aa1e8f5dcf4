// Serving (issue 14): the traffic generator, the continuous-batching simulation against closed forms
// (Little's law, lock-step closed loops, unloaded latencies), admission by KV, saturation, determinism;
// chunked prefill against an exact sum of chunks; concurrent sequences with chunked prefill.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimate } from '../../src/model/estimate.js';
import { resolveLayout } from '../../src/model/layout.js';
import { estimatePrefill } from '../../src/model/prefill.js';
import { estimatePrefillChunked } from '../../src/model/prefill-chunked.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { mean, percentile } from '../../src/serving/metrics.js';
import { simulate, type SimulationConfig } from '../../src/serving/simulate.js';
import type { StepCostModel } from '../../src/serving/step-cost.js';
import { fromRows, generateRequests, rng } from '../../src/serving/traffic.js';
import { serve } from '../../src/serving/serve.js';
import { shipped } from './specs.js';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** A step of constant time, whatever is in it. */
const constantStep = (tau: number): StepCostModel => ({ stepSec: (b, _k, c) => (b > 0 || c > 0 ? tau : 0), alpha: () => 0 });
const config = (over: Partial<SimulationConfig> = {}): SimulationConfig => ({
  replicas: 1,
  chunkTokens: 8192,
  maxRunning: null,
  kvCapacityTokens: 1e9,
  concurrency: null,
  ...over,
});
const one = (input: number, output: number, arrivals: number[]) =>
  fromRows(
    arrivals,
    arrivals.map(() => input),
    arrivals.map(() => 0),
    arrivals.map(() => output),
  );

describe('traffic', () => {
  test('the generator is seeded: the same seed gives the same requests, another seed others', () => {
    const spec = (seed: number) => ({
      classes: [{ weight: 1, inputTokens: { uniform: [100, 1000] as [number, number] }, outputTokens: 50, hitRate: 0, turns: 1, thinkSec: 0 }],
      arrivals: { kind: 'poisson' as const, ratePerSec: 3 },
      requests: 500,
      seed,
    });
    assert.deepEqual(generateRequests(spec(7)), generateRequests(spec(7)));
    assert.notDeepEqual(generateRequests(spec(7)).inputTokens, generateRequests(spec(8)).inputTokens);
  });

  test('Poisson arrivals keep the rate; lognormal lengths keep the median', () => {
    const r = generateRequests({
      classes: [{ weight: 1, inputTokens: { lognormal: { median: 2000, sigma: 0.8 } }, outputTokens: 10, hitRate: 0, turns: 1, thinkSec: 0 }],
      arrivals: { kind: 'poisson', ratePerSec: 5 },
      requests: 20_000,
      seed: 3,
    });
    close(r.count / r.arrivalSec[r.count - 1]!, 5, 0.03, 'rate');
    close(percentile(r.inputTokens, 50), 2000, 0.03, 'median');
  });

  test('a conversation finds the whole conversation so far cached in its later turns', () => {
    const r = generateRequests({
      classes: [{ weight: 1, inputTokens: 100, outputTokens: 20, hitRate: 0, turns: 3, thinkSec: 10 }],
      arrivals: { kind: 'constant', ratePerSec: 0.01 },
      requests: 3,
      seed: 1,
    });
    assert.deepEqual([...r.inputTokens], [100, 220, 340]);
    assert.deepEqual([...r.cachedTokens], [0, 120, 240]);
    assert.deepEqual([...r.arrivalSec], [100, 110, 120]);
  });

  test('rng is uniform enough on [0, 1)', () => {
    const u = rng(42);
    const xs = Array.from({ length: 50_000 }, u);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    close(mean(xs), 0.5, 0.01);
  });
});

describe('the simulation against closed forms', () => {
  test('unloaded: TTFT is one step, each later token one step', () => {
    // Requests 100 s apart never meet: prefill (one step, the first token) then osl - 1 decode steps.
    const sim = simulate(one(100, 11, [0, 100, 200]), constantStep(0.01), config());
    for (let i = 0; i < 3; i++) {
      close(sim.ttftSec[i]!, 0.01);
      close(sim.ttitSec[i]!, 0.01);
      close(sim.e2eSec[i]!, 0.11);
    }
    assert.equal(sim.outputTokens, 33);
  });

  test("Little's law: time-integrated requests in the system equal the sum of their times in it", () => {
    const r = generateRequests({
      classes: [{ weight: 1, inputTokens: { uniform: [500, 5000] }, outputTokens: { uniform: [10, 300] }, hitRate: 0.2, turns: 1, thinkSec: 0 }],
      arrivals: { kind: 'poisson', ratePerSec: 40 },
      requests: 3000,
      seed: 5,
    });
    const step: StepCostModel = { stepSec: (b, k, c, a) => (b > 0 || c > 0 ? 0.005 + 2e-6 * (b + c) + 1e-9 * k + a : 0), alpha: () => 1e-10 };
    const sim = simulate(r, step, config({ replicas: 2, chunkTokens: 2048, maxRunning: 64 }));
    let sum = 0;
    for (const e of sim.e2eSec) sum += e;
    close(sim.requestSecondsInSystem, sum, 1e-9, 'L = lambda W over the run');
    assert.equal(sim.served, 3000);
  });

  test('closed loop in lock step: N clients, outputs of k tokens, step tau: throughput N / (k tau)', () => {
    const n = 16;
    const k = 50;
    const tau = 0.02;
    const r = generateRequests({
      classes: [{ weight: 1, inputTokens: 10, outputTokens: k, hitRate: 0, turns: 1, thinkSec: 0 }],
      arrivals: { kind: 'closed', concurrency: n },
      requests: 1600,
      seed: 1,
    });
    const sim = simulate(r, constantStep(tau), config({ concurrency: n }));
    close(sim.served / sim.makespanSec, n / (k * tau), 1e-6, 'requests/s');
    close(percentile(sim.e2eSec, 50), k * tau, 1e-9, 'each request: one prefill step and k - 1 decode steps');
  });

  test('KV admission: room for two requests runs two at a time', () => {
    const sim = simulate(one(1000, 101, [0, 0, 0, 0]), constantStep(0.01), config({ kvCapacityTokens: 2 * 1101 }));
    // Two start at once; the next two wait for them: 101 steps each.
    const e2e = [...sim.e2eSec].sort((a, b) => a - b);
    close(e2e[1]!, 1.01);
    close(e2e[2]!, 2.02);
    const big = simulate(one(5000, 10, [0]), constantStep(0.01), config({ kvCapacityTokens: 2000 }));
    assert.equal(big.rejected, 1);
    assert.ok(Number.isNaN(big.e2eSec[0]!));
  });

  test('a prompt longer than the chunk takes one step per chunk before its first token', () => {
    const sim = simulate(one(10_000, 2, [0]), constantStep(0.01), config({ chunkTokens: 4096 }));
    close(sim.ttftSec[0]!, 0.03, 1e-9, '3 chunks');
  });
});

describe('serve on the shipped presets', () => {
  const model = builtinModel('llama3-70b').spec;
  const cluster = shipped('h100-ib', 'vllm');
  const traffic = (rate: number, n = 400, seed = 1) =>
    generateRequests({
      classes: [{ weight: 1, inputTokens: 2000, outputTokens: 200, hitRate: 0, turns: 1, thinkSec: 0 }],
      arrivals: { kind: 'poisson', ratePerSec: rate },
      requests: n,
      seed,
    });
  const run = (rate: number, seed = 1) =>
    serve({
      model,
      cluster,
      precision: { weights: 'fp8', kvDtype: 'fp8' },
      replica: { gpus: 8, tp: 8 },
      replicas: 1,
      requests: traffic(rate, 400, seed),
      concurrency: null,
      slo: {},
      pricePerGpuHourUsd: 2,
    });

  test('deterministic for a seed; percentiles move with the seed', () => {
    assert.deepEqual(run(2).summary, run(2).summary);
    assert.notEqual(run(2, 1).summary.ttft.p99Sec, run(2, 2).summary.ttft.p99Sec);
  });

  test('light load keeps up (no saturation, TTFT near one prefill); overload saturates', () => {
    const light = run(0.5).summary;
    assert.equal(light.saturated, false);
    const single = estimate({
      model,
      cluster,
      precision: { weights: 'fp8', kvDtype: 'fp8' },
      layout: { gpus: 8, tp: 8 },
      workload: { contextTokens: 2000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    assert.ok(light.ttft.p50Sec < 3 * single.prefill.ttftSec + 0.2, `${light.ttft.p50Sec} vs ${single.prefill.ttftSec}`);
    close(light.requestsPerSec, 0.5, 0.15, 'throughput = offered rate below saturation');
    assert.equal(run(200).summary.saturated, true);
  });

  test('cost per million output tokens is the fleet price over the output rate', () => {
    const r = run(1);
    close(r.cost!.perMillionOutputTokensUsd, (2 * 8 * 1e6) / (r.summary.outputTokensPerSec * 3600));
  });
});

describe('chunked prefill', () => {
  const model = builtinModel('llama3-70b').spec;
  const cluster = shipped('h100-ib', 'vllm');
  const layout = resolveLayout({ gpus: 8, tp: 8 }, model, cluster);
  const precision = { weights: 'fp8' as const, kvDtype: 'bf16' as const };

  test('a chunk no smaller than the prompt is the unchunked prefill', () => {
    const w = { contextTokens: 6000, cachedTokens: 0, batch: 1 };
    assert.equal(
      estimatePrefillChunked(model, cluster, layout, precision, w, 'pass-kv', 8192).ttftSec,
      estimatePrefill(model, cluster, layout, precision, w, 'pass-kv').ttftSec,
    );
  });

  test("Simpson's rule over many chunks matches the chunk-by-chunk sum (brute force)", () => {
    const chunk = 8192;
    const w = { contextTokens: 200_000, cachedTokens: 3000, batch: 1 };
    const fast = estimatePrefillChunked(model, cluster, layout, precision, w, 'pass-kv', chunk);
    let exact = 0;
    const serial = cluster.engine.serialSecPerContextToken;
    for (let start = w.cachedTokens; start < w.contextTokens; start += chunk) {
      const end = Math.min(w.contextTokens, start + chunk);
      const p = estimatePrefill(model, cluster, layout, precision, { contextTokens: end, cachedTokens: start, batch: 1 }, 'pass-kv');
      exact += p.ttftSec - p.breakdown.lmHeadSec - serial * end;
      if (end === w.contextTokens) exact += p.breakdown.lmHeadSec;
    }
    exact += serial * w.contextTokens;
    close(fast.ttftSec, exact, 0.005, 'within 0.5%');
    assert.equal(fast.chunks, Math.ceil(197_000 / chunk));
    // Chunking costs time (smaller GEMMs, per-pass costs, prefix re-reads), never saves it here.
    assert.ok(fast.ttftSec > estimatePrefill(model, cluster, layout, precision, w, 'pass-kv').ttftSec);
  });

  test('DeepSeek-V3 on 8 H200 at 128K: 8K chunks hold 4 or more sequences at once (issue 14)', () => {
    const ds = builtinModel('deepseek-v3').spec;
    const h200 = shipped('h200-ib');
    const run = (chunk: number | null) =>
      estimate({
        model: ds,
        cluster: h200,
        precision: { weights: ds.defaultWeights, kvDtype: ds.defaultKvDtype },
        layout: { gpus: 8 },
        workload: { contextTokens: 128_000, cachedTokens: 0, batch: 1, prefillChunkTokens: chunk },
        variant: 'auto',
      });
    assert.ok(run(8192).memory.maxConcurrentSequences >= 4, `${run(8192).memory.maxConcurrentSequences}`);
    assert.ok(run(null).memory.maxConcurrentSequences < run(8192).memory.maxConcurrentSequences, 'a whole 128K prefill holds more activations');
  });
});

describe('the serving validation group', () => {
  test('every published run is held out, replayed, and scored on output tokens per second', async () => {
    const { shippedServing } = await import('../../src/presets/measurements.js');
    const { validateServing } = await import('../../src/validation/serving.js');
    const { builtinCluster, builtinEngine } = await import('../../src/presets/catalog.js');
    const { deploy } = await import('../../src/presets/deploy.js');
    const data = shippedServing()!;
    const runs = data.data.servingRuns;
    assert.ok(runs.length >= 10);
    assert.ok(
      runs.every((r) => r.role === 'held-out'),
      'nothing is fitted on serving runs',
    );
    const r = validateServing(runs, { model: (n) => builtinModel(n).spec, deployment: (c, e) => deploy(builtinCluster(c).spec, builtinEngine(e).preset) });
    assert.equal(r.skipped.length, 0, JSON.stringify(r.skipped));
    assert.equal(r.heldOut.count, runs.length);
    for (const c of r.cases) close(c.error, c.predictedOutputTokensPerSec / c.measuredOutputTokensPerSec - 1);
  });
});

test('whole-prompt engines run the next prompt whole even beside a decode batch', () => {
  // A 10,000-token prompt arrives while 100 sequences decode; budget 8,192 without chunking: still one step.
  const arrivals = [...Array.from({ length: 100 }, () => 0), 0.505];
  const inputs = [...Array.from({ length: 100 }, () => 10), 10_000];
  const r = fromRows(
    arrivals,
    inputs,
    arrivals.map(() => 0),
    [...Array.from({ length: 100 }, () => 500), 2],
  );
  const sim = simulate(r, constantStep(0.01), config({ chunkTokens: null, maxStepTokens: 8192 }));
  // Admitted at the next step boundary (0.51 s), its first token at the end of that one step.
  assert.ok(sim.ttftSec[100]! < 0.02, `${sim.ttftSec[100]}`);
});
