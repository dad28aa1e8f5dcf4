// CP styles (issue 15): ring, all-gather and Ulysses as one family; with one rank they are the same.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimate } from '../../src/model/estimate.js';
import { kvTokensPerGpu, tokensPerCpRank } from '../../src/model/kv-cache.js';
import { layoutOrProblem, resolveLayout } from '../../src/model/layout.js';
import type { ClusterSpec, CpStyle } from '../../src/model/types.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { shipped } from './specs.js';

const model = builtinModel('llama3-70b').spec;
/** h100-ib with an engine that runs every style. */
const any = (): ClusterSpec => {
  const c = shipped('h100-ib', 'vllm');
  return { ...c, engine: { ...c.engine, cpStyles: ['ring', 'all-gather', 'ulysses', 'hierarchical'] } };
};
const run = (cpStyle: CpStyle, layout: { gpus: number; tp: number }, ctx = 256_000) =>
  estimate({
    model,
    cluster: any(),
    precision: { weights: 'fp8', kvDtype: 'bf16' },
    layout: { ...layout, cpStyle },
    workload: { contextTokens: ctx, cachedTokens: 0, batch: 1, prefillChunkTokens: null },
    variant: 'auto',
  });

describe('CP styles', () => {
  test('with one rank every style is the no-CP estimate', () => {
    const ring = run('ring', { gpus: 8, tp: 8 });
    for (const s of ['all-gather', 'ulysses', 'hierarchical'] as const) {
      const r = run(s, { gpus: 8, tp: 8 });
      assert.equal(r.prefill.ttftSec, ring.prefill.ttftSec, s);
      assert.equal(r.decode.ttitSec, ring.decode.ttitSec, s);
      assert.equal(r.memory.perGpu.totalBytes, ring.memory.perGpu.totalBytes, s);
    }
  });

  test("all-gather keeps the whole context's KV on every rank; ring and Ulysses (enough KV heads) a 1/N share", () => {
    const c = any();
    const ag = resolveLayout({ gpus: 32, tp: 8, cpStyle: 'all-gather' }, model, c);
    assert.equal(kvTokensPerGpu(256_000, ag), 256_000);
    const ring = resolveLayout({ gpus: 32, tp: 8 }, model, c);
    assert.equal(kvTokensPerGpu(256_000, ring), tokensPerCpRank(256_000, 4));
    const ul = resolveLayout({ gpus: 16, tp: 4, cpStyle: 'ulysses' }, model, c); // 2 KV heads per GPU, CP4: replicated 2x
    assert.equal(kvTokensPerGpu(256_000, ul), 2 * tokensPerCpRank(256_000, 4));
    assert.ok(run('all-gather', { gpus: 32, tp: 8 }).memory.perGpu.kvCacheBytes > 3.9 * run('ring', { gpus: 32, tp: 8 }).memory.perGpu.kvCacheBytes);
  });

  test('Ulysses refuses a degree the query heads per GPU cannot split', () => {
    // 64 heads at TP8: 8 per GPU; CP16 cannot split them.
    const bad = layoutOrProblem({ gpus: 128, tp: 8, cpStyle: 'ulysses' }, model, { ...any(), maxNodes: 64 });
    assert.equal(typeof bad, 'string');
    assert.match(bad as string, /must divide the 8 query heads per GPU/);
    assert.equal(typeof layoutOrProblem({ gpus: 64, tp: 8, cpStyle: 'ulysses' }, model, any()), 'object');
  });

  test('the engine decides: a style it does not run is an input error; its first style is the default', () => {
    const vllm = shipped('h100-ib', 'vllm');
    assert.throws(
      () =>
        estimate({
          model,
          cluster: vllm,
          precision: { weights: 'fp8', kvDtype: 'bf16' },
          layout: { gpus: 16, cpStyle: 'ulysses' },
          workload: { contextTokens: 64_000, cachedTokens: 0, batch: 1 },
          variant: 'auto',
        }),
      /--cp-style ulysses: engine vllm runs all-gather, ring/,
    );
    const r = estimate({
      model,
      cluster: vllm,
      precision: { weights: 'fp8', kvDtype: 'bf16' },
      layout: { gpus: 16 },
      workload: { contextTokens: 64_000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    assert.equal(r.layout.cpStyle, 'all-gather');
    assert.equal(
      estimate({
        model,
        cluster: shipped('gtt'),
        precision: { weights: 'fp8', kvDtype: 'bf16' },
        layout: { gpus: 16 },
        workload: { contextTokens: 64_000, cachedTokens: 0, batch: 1 },
        variant: 'auto',
      }).layout.cpStyle,
      undefined,
      'meta-cp: ring',
    );
  });

  test('all-gather exposes its gather; Ulysses its two All2Alls; ring hides its SendRecv at long context', () => {
    const ring = run('ring', { gpus: 32, tp: 8 });
    const ag = run('all-gather', { gpus: 32, tp: 8 });
    const ul = run('ulysses', { gpus: 32, tp: 8 });
    assert.equal(ring.prefill.breakdown.cpCommExposedSec, 0);
    assert.ok(ag.prefill.breakdown.cpCommExposedSec > 0);
    assert.ok(ul.prefill.breakdown.cpCommExposedSec > 0);
    // The attention work per rank is the same in every style (zigzag shards); only its kernel shape differs.
    assert.ok(Math.abs(ag.prefill.breakdown.attentionSec / ring.prefill.breakdown.attentionSec - 1) < 0.25);
  });
});

describe('pipeline parallelism', () => {
  const cluster = shipped('h100-ib', 'sglang');
  const precision = { weights: 'fp8' as const, kvDtype: 'bf16' as const };
  const w = (chunk: number | null) => ({ contextTokens: 256_000, cachedTokens: 0, batch: 1, prefillChunkTokens: chunk });

  test('a PP of 1 is the plain estimate', async () => {
    const { estimatePipeline } = await import('../../src/model/pipeline.js');
    const p = estimatePipeline(model, cluster, precision, { gpus: 8, tp: 8 }, 1, w(8192), 'pass-kv');
    const e = estimate({ model, cluster, precision, layout: { gpus: 8, tp: 8 }, workload: w(8192), variant: 'pass-kv' });
    assert.equal(p.ttftSec, e.prefill.ttftSec);
    assert.equal(p.ttitSec, e.decode.ttitSec);
    assert.equal(p.memory.perGpu.totalBytes, e.memory.perGpu.totalBytes);
    assert.equal(p.bubbleFraction, 0);
  });

  test("chunked PP's bubble shrinks as the chunks get more; one whole prompt gets no speed-up", async () => {
    const { estimatePipeline } = await import('../../src/model/pipeline.js');
    const at = (chunk: number | null) => estimatePipeline(model, cluster, precision, { gpus: 8, tp: 8 }, 4, w(chunk), 'pass-kv');
    const coarse = at(64_000);
    const fine = at(8192);
    assert.ok(fine.chunks > coarse.chunks);
    assert.ok(fine.bubbleFraction < coarse.bubbleFraction, `${fine.bubbleFraction} vs ${coarse.bubbleFraction}`);
    const whole = at(null);
    assert.ok(whole.ttftSec >= whole.serialSec, 'a single chunk crosses every stage in turn');
    // Memory: a stage holds a quarter of the layers' weights (embeddings aside).
    const one = estimatePipeline(model, cluster, precision, { gpus: 8, tp: 8 }, 1, w(8192), 'pass-kv');
    assert.ok(fine.memory.perGpu.weightsBytes < 0.3 * one.memory.perGpu.weightsBytes);
  });

  test("why this style: every style on the same layout, the estimate's own numbers, and what cannot run", () => {
    assert.deepEqual(run('ring', { gpus: 8, tp: 8 }).styles, [], 'no CP, no styles');
    const r = run('all-gather', { gpus: 16, tp: 8 });
    assert.deepEqual(
      r.styles.map((o) => o.style),
      ['ring', 'all-gather', 'ulysses', 'hierarchical'],
    );
    const own = r.styles.find((o) => o.style === 'all-gather')!;
    assert.equal(own.ttftSec, r.prefill.ttftSec, 'the style used matches the estimate');
    assert.equal(own.memoryBytes, r.memory.perGpu.totalBytes);
    const ring = r.styles.find((o) => o.style === 'ring')!;
    assert.equal(
      ring.ttftSec,
      Math.min(run('ring', { gpus: 16, tp: 8 }).variants['pass-kv'].ttftSec, run('ring', { gpus: 16, tp: 8 }).variants['pass-q'].ttftSec),
    );
    assert.ok(own.memoryBytes! > ring.memoryBytes!, 'all-gather holds the whole KV');
    // 64 heads at TP8 leave 8 per GPU: Ulysses cannot split them over CP3.
    const odd = run('ring', { gpus: 24, tp: 8 }).styles.find((o) => o.style === 'ulysses')!;
    assert.equal(odd.ttftSec, null);
    assert.match(odd.problem!, /must divide the 8 query heads/);
    const sglang = estimate({
      model,
      cluster: shipped('h100-ib', 'sglang'),
      precision: { weights: 'fp8', kvDtype: 'bf16' },
      layout: { gpus: 16, tp: 8 },
      workload: { contextTokens: 256_000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    assert.deepEqual(
      sglang.styles.map((o) => o.runByEngine),
      [false, true, false, false],
    );
  });

  test('hierarchical: Ulysses inside a node, ring across nodes; a 1/N KV share; heads must split over the ranks in a node', () => {
    // TP8 on 8-GPU nodes: one CP rank per node, so it is a ring across nodes (no All2All), KV as the ring's.
    const across = run('hierarchical', { gpus: 32, tp: 8 });
    const ring = run('ring', { gpus: 32, tp: 8 });
    assert.equal(across.memory.perGpu.kvCacheBytes, ring.memory.perGpu.kvCacheBytes);
    assert.ok(
      Math.abs(across.prefill.ttftSec / ring.variants['pass-kv'].ttftSec - 1) < 0.1,
      `${across.prefill.ttftSec} vs ${ring.variants['pass-kv'].ttftSec}`,
    );
    // TP2 on one node: four CP ranks in the domain, Ulysses only; across four nodes both parts.
    const inNode = run('hierarchical', { gpus: 8, tp: 2 });
    assert.ok(inNode.prefill.breakdown.cpCommExposedSec > 0, 'the All2All is exposed');
    const both = run('hierarchical', { gpus: 32, tp: 2 });
    assert.equal(both.layout.groups.cp.perDomain, 4);
    assert.ok(both.memory.perGpu.kvCacheBytes < inNode.memory.perGpu.kvCacheBytes / 3, 'KV falls with every rank');
    // One CP rank per domain always splits; three ranks in a domain cannot split 16 heads per GPU (llama3-8b, TP2).
    const problem = layoutOrProblem({ gpus: 24, tp: 8, cpStyle: 'hierarchical' }, builtinModel('llama3-8b').spec, any());
    assert.equal(typeof problem, 'object', 'one rank per domain always splits');
    const bad = layoutOrProblem({ gpus: 6, tp: 2, cpStyle: 'hierarchical' }, builtinModel('llama3-8b').spec, any());
    assert.match(String(bad), /hierarchical: its 3 CP ranks inside an NVLink domain must divide the 16 query heads/);
  });
});
