// CP styles after the prefill: where each style leaves the KV (kvPlacement), what that holds of a context,
// and how decode reads it. Hierarchical with one CP rank per NVLink domain is the ring exactly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimate, warningsFor } from '../../src/model/estimate.js';
import { resolveLayout } from '../../src/model/layout.js';
import { contextTokensPerKvSlot, kvBytesPerTokenPerGpu, kvPlacement } from '../../src/model/kv-cache.js';
import type { ClusterSpec, CpStyle } from '../../src/model/types.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { whoRuns } from '../../src/render/choice-section.js';
import { shipped } from './specs.js';

const model = builtinModel('llama3-70b').spec; // 8 KV heads, 64 query heads
/** h100-ib (8-GPU nodes) with an engine that runs every style. */
const any = (): ClusterSpec => {
  const c = shipped('h100-ib', 'vllm');
  return { ...c, engine: { ...c.engine, cpStyles: ['ring', 'all-gather', 'ulysses', 'hierarchical'] } };
};
/** gtt (the paper's platform, calibrated with CP decode up to CP2) with every style. */
const gttLike = (): ClusterSpec => {
  const c = shipped('gtt');
  return { ...c, engine: { ...c.engine, cpStyles: ['ring', 'all-gather', 'ulysses', 'hierarchical'] } };
};
const run = (cpStyle: CpStyle, layout: { gpus: number; tp: number }, workload: { ctx?: number; cached?: number; batch?: number } = {}) =>
  estimate({
    model,
    cluster: any(),
    precision: { weights: 'fp8', kvDtype: 'bf16' },
    layout: { ...layout, cpStyle },
    workload: { contextTokens: workload.ctx ?? 256_000, cachedTokens: workload.cached ?? 0, batch: workload.batch ?? 1, prefillChunkTokens: null },
    variant: 'pass-kv',
  });

describe('CP styles: KV capacity of a context over CP', () => {
  test('ring: the per-GPU capacity times CP; all-gather: the per-GPU capacity (every rank holds the whole context)', () => {
    const ring = run('ring', { gpus: 32, tp: 8 });
    assert.equal(ring.memory.kvCapacityContextTokens, ring.memory.kvCapacityTokensPerGpu * 4);
    const ag = run('all-gather', { gpus: 32, tp: 8 });
    assert.equal(ag.memory.kvCapacityContextTokens, ag.memory.kvCapacityTokensPerGpu);
    // What fits of one context can never exceed what the KV capacity holds of it.
    assert.ok(ag.memory.maxContextTokens <= ag.memory.kvCapacityContextTokens, `${ag.memory.maxContextTokens} > ${ag.memory.kvCapacityContextTokens}`);
  });

  test('Ulysses: times the head shards only (replicated heads hold no more context)', () => {
    // TP8: 1 KV head per GPU, CP2 cannot split it: both ranks hold the whole context.
    const replicated = run('ulysses', { gpus: 16, tp: 8 });
    assert.deepEqual(kvPlacement(replicated.layout), { ring: 1, ulysses: 2, headShards: 1, replicas: 2 });
    assert.equal(replicated.memory.kvCapacityContextTokens, replicated.memory.kvCapacityTokensPerGpu);
    // TP2: 4 KV heads per GPU over CP4: four shards.
    const sharded = run('ulysses', { gpus: 8, tp: 2 });
    assert.equal(contextTokensPerKvSlot(sharded.layout), 4);
    assert.equal(sharded.memory.kvCapacityContextTokens, sharded.memory.kvCapacityTokensPerGpu * 4);
  });
});

describe('CP styles: hierarchical with one CP rank per NVLink domain is a ring across domains', () => {
  for (const [name, workload] of [
    ['full prefill 256K', {}],
    ['partial prefill, 120K cached', { ctx: 128_000, cached: 120_000 }],
    ['batch 3, 64K', { ctx: 64_000, batch: 3 }],
  ] as const) {
    test(`${name}: TTFT, every breakdown part, TTIT and memory equal the ring's pass-KV`, () => {
      const h = run('hierarchical', { gpus: 32, tp: 8 }, workload);
      const ring = run('ring', { gpus: 32, tp: 8 }, workload);
      assert.equal(h.layout.groups.cp.perDomain, 1);
      assert.deepEqual(h.prefill.breakdown, ring.variants['pass-kv'].breakdown);
      assert.equal(h.prefill.ttftSec, ring.variants['pass-kv'].ttftSec);
      assert.ok(h.prefill.breakdown.mergeSec > 0, "the ring part's merge is paid");
      assert.deepEqual(h.decode.breakdown, ring.decode.breakdown);
      assert.deepEqual(h.memory, ring.memory);
    });
  }
});

describe('CP styles: which shipped engine runs a style (the verdict names it)', () => {
  test('hierarchical: none; Ulysses: trtllm; all-gather: sglang and vllm', () => {
    assert.equal(whoRuns('hierarchical'), 'no shipped engine profile runs it');
    assert.equal(whoRuns('ulysses'), '--engine trtllm does');
    assert.equal(whoRuns('all-gather'), '--engine sglang or --engine vllm does');
  });
});

describe('CP styles: the decode extrapolation warning is about the ring (CP decode was measured as ring pass-Q up to CP2)', () => {
  const extrapolated = (style: CpStyle, layout: { gpus: number; tp: number }) =>
    warningsFor(
      model,
      gttLike(),
      { weights: 'fp8', kvDtype: 'bf16' },
      { contextTokens: 64_000, cachedTokens: 0, batch: 1 },
      resolveLayout({ ...layout, cpStyle: style }, model, gttLike()),
    ).filter((w) => /^decode under CP/.test(w));
  test('ring CP4 and hierarchical across 4 nodes are warned; all-gather and Ulysses (no ring) and a 2-domain hierarchical are not', () => {
    assert.deepEqual(extrapolated('ring', { gpus: 32, tp: 8 }), ['decode under CP4 is extrapolated: CP decode was measured only up to CP2']);
    assert.deepEqual(extrapolated('hierarchical', { gpus: 32, tp: 8 }), ['decode under CP4 is extrapolated: CP decode was measured only up to CP2']);
    assert.deepEqual(extrapolated('hierarchical', { gpus: 32, tp: 2 }), [
      'decode under CP16 (its ring across 4 NVLink domains) is extrapolated: CP decode was measured only up to CP2',
    ]);
    assert.deepEqual(extrapolated('hierarchical', { gpus: 16, tp: 4 }), []);
    assert.deepEqual(extrapolated('all-gather', { gpus: 32, tp: 8 }), []);
    assert.deepEqual(extrapolated('ulysses', { gpus: 32, tp: 8 }), []);
  });
});

describe('CP styles: decode reads the KV where the prefill left it', () => {
  const L = model.layers;
  test('Ulysses with replicated heads: no ring, no messages; each rank reads the whole context of its sequence', () => {
    const ul = run('ulysses', { gpus: 16, tp: 8 });
    const ring = run('ring', { gpus: 16, tp: 8 });
    const d = ul.decode.ring;
    assert.equal(d.steps, 1);
    assert.equal(d.headShards, 1);
    assert.equal(d.kvTokens, 256_000);
    assert.equal(ul.decode.breakdown.cpCommSec, 0);
    // The KV decode reads per layer is the KV memory holds per layer (batch 1).
    const kvPerLayer = ul.memory.perGpu.kvCacheBytes / L;
    assert.equal(d.steps * d.kvBytes, kvPerLayer);
    assert.equal(ul.memory.tokensPerGpu, 256_000);
    assert.notEqual(ul.decode.ttitSec, ring.decode.ttitSec, 'not the ring pass-Q');
    assert.ok(ul.decode.ttitSec < ring.decode.ttitSec, 'one kernel and no ring messages');
  });

  test('Ulysses with sharded heads: one kernel over the whole context with its head share, two All2Alls', () => {
    const ul = run('ulysses', { gpus: 8, tp: 2 }); // 4 KV heads per GPU over CP4
    const d = ul.decode.ring;
    assert.equal(d.steps, 1);
    assert.equal(d.headShards, 4);
    assert.equal(d.kvTokens, 256_000);
    assert.equal(d.sendRecvSec, 0);
    assert.ok(d.ulyssesAllToAllSec > 0);
    assert.equal(ul.decode.breakdown.cpCommSec, L * d.ulyssesAllToAllSec);
    // One sequence: read at a quarter of the per-GPU KV width, as memory holds it.
    assert.equal(d.kvBytes, (256_000 * kvBytesPerTokenPerGpu(model, ul.layout, 'bf16')) / L / 4);
    assert.equal(d.kvBytes, ul.memory.perGpu.kvCacheBytes / L);
  });

  test('hierarchical with two domains of four: a ring of two steps over half the context, each with a quarter of the heads', () => {
    const h = run('hierarchical', { gpus: 16, tp: 2 });
    const d = h.decode.ring;
    assert.equal(h.layout.groups.cp.perDomain, 4);
    assert.equal(d.steps, 2);
    assert.equal(d.headShards, 4);
    assert.equal(d.kvTokens, 128_000);
    assert.ok(d.sendRecvSec > 0 && d.ulyssesAllToAllSec > 0);
    // Each visiting query chunk's kernel reads this rank's KV once: what memory holds per layer.
    assert.equal(d.kvBytes, h.memory.perGpu.kvCacheBytes / L);
  });

  test('the ring is unchanged: R = N steps over 1/N of the context, all heads', () => {
    const ring = run('ring', { gpus: 32, tp: 8 });
    assert.equal(ring.decode.ring.steps, 4);
    assert.equal(ring.decode.ring.headShards, 1);
    assert.equal(ring.decode.ring.kvTokens, 64_000);
    assert.equal(ring.decode.ring.ulyssesAllToAllSec, 0);
  });
});
