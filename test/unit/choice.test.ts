import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossoverMissRate } from '../../src/model/crossover.js';
import { paperHeuristic } from '../../src/model/heuristic.js';
import { resolveLayout } from '../../src/model/layout.js';
import { estimatePrefill } from '../../src/model/prefill.js';
import type { Workload } from '../../src/model/types.js';
import { gtt, llama405b, paperPrecision, roundCluster, shipped } from './specs.js';

const w = (context: number, cached: number): Workload => ({ contextTokens: context, cachedTokens: cached, batch: 1 });

test("the paper's equations, in closed form, with C and BW per GPU", () => {
  // Round cluster: C = 1e15 FLOP/s, ring BW = 10e9 B/s, e = 2, N = 4, N_KV/N_H = 8/128.
  const model = llama405b();
  const cluster = roundCluster();
  const layout = resolveLayout({ nodes: 4 }, model, cluster);
  const h = paperHeuristic(model, cluster, layout, paperPrecision, w(128_000, 124_800));
  assert.equal(h.eq1.threshold, 0.125);
  assert.equal(h.eq2.minNewTokens, (4 * 1e15 * 8 * 2) / (2 * 128 * 10e9)); // 25,000 tokens
  assert.equal(h.eq3.minContextTokens, (4 * 2 * 1e15) / (4 * 10e9)); // 200,000 tokens
  assert.ok(Math.abs(h.eq5.threshold - (0.125 - (4 * 3200 * 10e9) / (4 * 1e15 * 2))) < 1e-15);
  assert.equal(h.missRate, 0.025);
  assert.equal(h.algorithm1, 'pass-q'); // T < Eq.2 and miss rate < 12.5%
  assert.equal(h.eq5.holds, h.missRate <= h.eq5.threshold, "Eq. 5 holds in the paper's sense: the pass-Q condition");
});

test('the equations use per-GPU head ratios and each message its own element size', () => {
  const model = llama405b();
  const cluster = roundCluster();
  const w0 = w(128_000, 121_600);
  // TP16 replicates the 8 KV heads: per GPU 1 KV head serves 8 query heads, so the KV share doubles.
  const tp16 = paperHeuristic(model, cluster, resolveLayout({ nodes: 4, tp: 16 }, model, cluster), paperPrecision, w0);
  assert.equal(tp16.eq1.threshold, 0.25);
  // An FP8 KV cache halves KV messages but not Q messages.
  const fp8 = paperHeuristic(model, cluster, resolveLayout({ nodes: 4 }, model, cluster), { weights: 'fp8-ffn', kvDtype: 'fp8' }, w0);
  const bf16 = paperHeuristic(model, cluster, resolveLayout({ nodes: 4 }, model, cluster), paperPrecision, w0);
  assert.equal(fp8.eq1.threshold, bf16.eq1.threshold / 2);
  assert.equal(fp8.eq2.minNewTokens, bf16.eq2.minNewTokens / 2);
  assert.equal(fp8.eq3.minContextTokens, bf16.eq3.minContextTokens);
});

test('Algorithm 1: a full prefill is always pass-KV; a single new token is pass-Q (paper Sec. 3.4)', () => {
  const model = llama405b();
  const layout = resolveLayout({ nodes: 4 }, model, gtt());
  assert.equal(paperHeuristic(model, gtt(), layout, paperPrecision, w(128_000, 0)).algorithm1, 'pass-kv');
  assert.equal(paperHeuristic(model, gtt(), layout, paperPrecision, w(128_000, 127_999)).algorithm1, 'pass-q');
  // Algorithm 5 is Algorithm 1 with a lower miss-rate bar, so it never picks pass-Q where Algorithm 1 picks pass-KV.
  for (const cached of [0, 64_000, 120_000, 126_000, 127_990]) {
    const h = paperHeuristic(model, gtt(), layout, paperPrecision, w(128_000, cached));
    if (h.algorithm1 === 'pass-kv') assert.equal(h.algorithm5, 'pass-kv', `${cached}`);
  }
});

test('at the crossover the two predicted TTFTs tie, and each side picks its winner', () => {
  const model = llama405b();
  const layout = resolveLayout({ nodes: 4 }, model, gtt());
  const c = crossoverMissRate(model, gtt(), layout, paperPrecision, w(128_000, 0));
  assert.ok(c.missRate !== null);
  const at = (missRate: number) => {
    const workload = w(128_000, 128_000 - Math.round(128_000 * missRate));
    return [
      estimatePrefill(model, gtt(), layout, paperPrecision, workload, 'pass-kv').ttftSec,
      estimatePrefill(model, gtt(), layout, paperPrecision, workload, 'pass-q').ttftSec,
    ] as const;
  };
  const [kv, q] = at(c.missRate!);
  assert.ok(Math.abs(kv - q) / kv < 0.005, `${kv} vs ${q}`);
  const [kvLow, qLow] = at(c.missRate! / 2);
  assert.ok(qLow < kvLow, 'pass-Q wins below');
  const [kvHigh, qHigh] = at(Math.min(1, c.missRate! * 2));
  assert.ok(kvHigh < qHigh, 'pass-KV wins above');
});

test('no crossover on CP1, and none where one variant wins at every miss rate', () => {
  const model = llama405b();
  const one = resolveLayout({ nodes: 1 }, model, gtt());
  assert.equal(crossoverMissRate(model, gtt(), one, paperPrecision, w(128_000, 0)).missRate, null);
  // Over a TCP network at short context pass-KV's messages never hide: the choice can only move toward pass-Q.
  const gti = shipped('gti');
  const c = crossoverMissRate(model, gti, resolveLayout({ nodes: 4 }, model, gti), paperPrecision, w(128_000, 0));
  const rdma = crossoverMissRate(model, gtt(), resolveLayout({ nodes: 4 }, model, gtt()), paperPrecision, w(128_000, 0));
  assert.ok((c.missRate ?? 1) >= (rdma.missRate ?? 0), 'a slower network moves the crossover up');
});
