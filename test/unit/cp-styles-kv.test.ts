// CP styles after the prefill: where each style leaves the KV (kvPlacement), what that holds of a context,
// and how decode reads it. Hierarchical with one CP rank per NVLink domain is the ring exactly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimate } from '../../src/model/estimate.js';
import { contextTokensPerKvSlot, kvPlacement } from '../../src/model/kv-cache.js';
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
