// Non-dense-GQA architectures (issue 8): sliding-window, chunked and linear
// attention, MLA and mixtures of experts. Every expected number is written out
// as a closed form from the model's config (or the reference table), never
// recomputed with the function under test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { estimateDecode } from '../../src/model/decode.js';
import {
  kvBytesPerToken,
  kvBytesPerTokenPerGpu,
  kvCacheBytesPerSequence,
  kvElementsPerToken,
  kvElementsPerTokenPerGpu,
  linearStateBytes,
} from '../../src/model/kv-cache.js';
import { attentionPairs, cachedTokensOfLayer, isMoeLayer, layerGroups, layersByAttention, moeLayers, usesMla } from '../../src/model/layers.js';
import { resolveLayout } from '../../src/model/layout.js';
import { gemmSec } from '../../src/model/hardware/kernels.js';
import { estimatePrefill, prefillFlops } from '../../src/model/prefill.js';
import { activeParams, embeddingParams, totalParams, weightBytesPerGpu, weightBytesTotal } from '../../src/model/shapes.js';
import type { ModelSpec, Precision, Workload } from '../../src/model/types.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { roundCluster, shipped } from './specs.js';

const spec = (name: string): ModelSpec => builtinModel(name).spec;
const h200 = () => shipped('h200-ib');
const full = (contextTokens: number, batch = 1): Workload => ({ contextTokens, cachedTokens: 0, batch });
const bf16: Precision = { weights: 'bf16', kvDtype: 'bf16' };
const fp8: Precision = { weights: 'fp8', kvDtype: 'bf16' };
/** |got / want - 1| < tol, with both numbers in the message. */
const near = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got / want - 1) < tol, `${what}: got ${got}, want ${want} (±${tol * 100}%)`);

/** A copy of a model with some MoE fields changed (a new object, so no cached layer groups are shared). */
const withMoe = (model: ModelSpec, change: Partial<NonNullable<ModelSpec['moe']>>): ModelSpec => ({ ...model, moe: { ...model.moe!, ...change } });

/** DeepSeek-V3's routed expert: SwiGLU (3 matrices) of hidden 7168 x moe_intermediate 2048. */
const DS_EXPERT = 3 * 7168 * 2048; // 44,040,192

describe('KV bytes per token (full-attention layers only)', () => {
  const table: Record<string, number> = {
    // 12 full GQA layers x 2 x 8 KV heads x 128 x 2 B
    'llama4-scout': 49_152,
    'llama4-maverick': 49_152,
    // 61 MLA layers x (512 + 64) x 2 B
    'deepseek-v3': 70_272,
    'kimi-k2': 70_272,
    // 94 layers x 2 x 4 x 128 x 2 B
    'qwen3-235b-a22b': 192_512,
    // 10 global layers x 2 x 16 x 128 x 2 B
    'gemma3-27b': 81_920,
    // 18 full layers x 2 x 8 x 64 x 2 B
    'gpt-oss-120b': 36_864,
    // 10 softmax layers x 2 x 8 x 128 x 2 B
    'minimax-text-01': 40_960,
    // the dense presets, unchanged
    'llama3-8b': 131_072,
    'llama3-70b': 327_680,
    'llama3-405b': 516_096,
    'qwen2.5-14b-1m': 196_608,
    'mistral-large-2': 360_448,
  };
  for (const [name, bytes] of Object.entries(table)) {
    test(`${name}: ${bytes} B in BF16, ${bytes / 2} B in FP8`, () => {
      const model = spec(name);
      assert.equal(kvBytesPerToken(model, 'bf16'), bytes);
      assert.equal(kvBytesPerToken(model, 'fp8'), bytes / 2);
    });
  }
});

describe('layer counts from the patterns', () => {
  test('attention kinds per model', () => {
    const expected: Record<string, { full: number; sliding: number; chunked: number; linear: number }> = {
      'gemma3-27b': { full: 10, sliding: 52, chunked: 0, linear: 0 },
      'llama4-scout': { full: 12, sliding: 0, chunked: 36, linear: 0 },
      'llama4-maverick': { full: 12, sliding: 0, chunked: 36, linear: 0 },
      'gpt-oss-120b': { full: 18, sliding: 18, chunked: 0, linear: 0 },
      'minimax-text-01': { full: 10, sliding: 0, chunked: 0, linear: 70 },
      'deepseek-v3': { full: 61, sliding: 0, chunked: 0, linear: 0 },
      'llama3-70b': { full: 80, sliding: 0, chunked: 0, linear: 0 },
    };
    for (const [name, counts] of Object.entries(expected)) assert.deepEqual(layersByAttention(spec(name)), counts, name);
  });

  test('MoE layers per model', () => {
    const expected: Record<string, number> = {
      'deepseek-v3': 58,
      'kimi-k2': 60,
      'llama4-maverick': 24,
      'llama4-scout': 48,
      'qwen3-235b-a22b': 94,
      'gpt-oss-120b': 36,
      'minimax-text-01': 80,
      'gemma3-27b': 0,
      'llama3-405b': 0,
    };
    for (const [name, n] of Object.entries(expected)) assert.equal(moeLayers(spec(name)), n, name);
  });

  test('deepseek-v3: 3 leading dense layers, then 58 MoE; kimi-k2: 1 dense, 60 MoE', () => {
    assert.deepEqual(layerGroups(spec('deepseek-v3')), [
      { attention: 'full', moe: false, count: 3 },
      { attention: 'full', moe: true, count: 58 },
    ]);
    assert.deepEqual(layerGroups(spec('kimi-k2')), [
      { attention: 'full', moe: false, count: 1 },
      { attention: 'full', moe: true, count: 60 },
    ]);
    const ds = spec('deepseek-v3');
    assert.deepEqual(
      [0, 1, 2, 3, 60].map((i) => isMoeLayer(ds, i)),
      [false, false, false, true, true],
    );
  });

  test('maverick: MoE on odd layers (1, 3, ...), full on 3, 7, ... so every full layer is MoE', () => {
    const m = spec('llama4-maverick');
    assert.deepEqual(layerGroups(m), [
      { attention: 'full', moe: true, count: 12 },
      { attention: 'chunked', moe: false, count: 24 },
      { attention: 'chunked', moe: true, count: 12 },
    ]);
    assert.deepEqual(
      [0, 1, 2, 3, 47].map((i) => isMoeLayer(m, i)),
      [false, true, false, true, true],
    );
  });

  test('MLA is on for deepseek-v3 and kimi-k2 only', () => {
    assert.equal(usesMla(spec('deepseek-v3')), true);
    assert.equal(usesMla(spec('kimi-k2')), true);
    assert.equal(usesMla(spec('qwen3-235b-a22b')), false);
    assert.equal(usesMla(spec('llama3-70b')), false);
  });
});

describe('parameter counts against the reference (within 0.5%)', () => {
  const reference: Record<string, { total: number; active?: number }> = {
    'deepseek-v3': { total: 671.0e9, active: 37.55e9 },
    'kimi-k2': { total: 1026.4e9, active: 32.86e9 },
    'qwen3-235b-a22b': { total: 235.09e9, active: 22.19e9 },
    'llama4-scout': { total: 107.8e9, active: 17.17e9 },
    'llama4-maverick': { total: 400.7e9, active: 17.18e9 },
    'gpt-oss-120b': { total: 116.83e9, active: 5.71e9 },
    'gemma3-27b': { total: 27.0e9, active: 27.0e9 },
    'minimax-text-01': { total: 456e9 },
  };
  for (const [name, ref] of Object.entries(reference)) {
    test(`${name}: ${ref.total / 1e9}B total${ref.active ? `, ${ref.active / 1e9}B active` : ''}`, () => {
      const model = spec(name);
      near(totalParams(model), ref.total, 0.005, `${name} total`);
      if (ref.active) near(activeParams(model), ref.active, 0.005, `${name} active`);
    });
  }

  test("minimax-text-01: the model card's 45.9B active excludes the 2 x 200,064 x 6,144 embedding tables", () => {
    const m = spec('minimax-text-01');
    assert.equal(embeddingParams(m), 2 * 200_064 * 6_144);
    near(activeParams(m) - embeddingParams(m), 45.9e9, 0.005, 'minimax active without embeddings');
  });

  test('gpt-oss-120b counts both embedding tables: 2 x 201,088 x 2,880', () => {
    assert.equal(embeddingParams(spec('gpt-oss-120b')), 2 * 201_088 * 2_880);
  });

  test('gemma3-27b: 25.6B non-embedding + 1.41B tied embedding (262,144 x 5,376, counted once)', () => {
    const g = spec('gemma3-27b');
    assert.equal(embeddingParams(g), 262_144 * 5_376);
    near(totalParams(g) - embeddingParams(g), 25.6e9, 0.005, 'gemma3 non-embedding');
  });
});

describe('kvCacheBytesPerSequence closed forms (BF16)', () => {
  test('gemma3-27b: 10 full layers grow, 52 sliding layers stop at 1,024 tokens (8,192 B per layer-token)', () => {
    const g = spec('gemma3-27b');
    assert.equal(kvCacheBytesPerSequence(g, 'bf16', 100_000), (10 * 100_000 + 52 * 1024) * 8192);
    assert.equal(kvCacheBytesPerSequence(g, 'bf16', 500), 62 * 500 * 8192);
    assert.equal(kvCacheBytesPerSequence(g, 'bf16', 1024), 62 * 1024 * 8192);
  });

  test('llama4-scout at 1M: 12 full layers + 36 chunked layers of 8,192 tokens (4,096 B per layer-token)', () => {
    assert.equal(kvCacheBytesPerSequence(spec('llama4-scout'), 'bf16', 1_000_000), (12 * 1_000_000 + 36 * 8192) * 4096);
  });

  test('gpt-oss-120b at 10,000: 18 full + 18 sliding of 128 tokens (2,048 B per layer-token)', () => {
    assert.equal(kvCacheBytesPerSequence(spec('gpt-oss-120b'), 'bf16', 10_000), (18 * 10_000 + 18 * 128) * 2048);
  });

  test('deepseek-v3 at 128,000: 61 layers x one 576-element latent x 2 B', () => {
    assert.equal(kvCacheBytesPerSequence(spec('deepseek-v3'), 'bf16', 128_000), 61 * 128_000 * 576 * 2);
    assert.equal(kvCacheBytesPerSequence(spec('deepseek-v3'), 'fp8', 128_000), 61 * 128_000 * 576);
  });

  test('minimax-text-01 at 1M: 10 softmax layers + 70 linear layers of a fixed FP32 state (64 x 128 x 128 x 4 B)', () => {
    const m = spec('minimax-text-01');
    assert.equal(linearStateBytes(m), 64 * 128 * 128 * 4);
    assert.equal(kvCacheBytesPerSequence(m, 'bf16', 1_000_000), 10 * 1_000_000 * 4096 + 70 * (64 * 128 * 128 * 4));
    // The linear state is FP32 whatever the KV dtype.
    assert.equal(kvCacheBytesPerSequence(m, 'fp8', 1_000_000), 10 * 1_000_000 * 2048 + 70 * (64 * 128 * 128 * 4));
  });

  test('dense llama3-70b: ctx x 327,680', () => {
    for (const ctx of [1, 1000, 128_000, 1_000_000]) assert.equal(kvCacheBytesPerSequence(spec('llama3-70b'), 'bf16', ctx), ctx * 327_680);
  });
});

describe('invariants of bounded layers, MoE and MLA', () => {
  test('gemma3-27b: past the 1,024-token window KV grows by exactly 10 x 8,192 = 81,920 B per token; below it by 62 x 8,192', () => {
    const g = spec('gemma3-27b');
    const kv = (ctx: number) => kvCacheBytesPerSequence(g, 'bf16', ctx);
    for (const ctx of [1024, 1025, 2000, 50_000, 131_071]) assert.equal(kv(ctx + 1) - kv(ctx), 81_920, `ctx ${ctx}`);
    for (const ctx of [1, 500, 1023]) assert.equal(kv(ctx + 1) - kv(ctx), 62 * 8192, `ctx ${ctx}`);
    // The sliding part is constant past the window.
    for (const ctx of [1024, 4096, 100_000, 1_000_000]) assert.equal(kv(ctx) - 10 * ctx * 8192, 52 * 1024 * 8192, `ctx ${ctx}`);
    assert.equal(cachedTokensOfLayer(g, 'sliding', 100_000), 1024);
    assert.equal(cachedTokensOfLayer(g, 'full', 100_000), 100_000);
  });

  test('llama4-scout: past the 8,192-token chunk KV grows by exactly 12 x 4,096 = 49,152 B per token', () => {
    const s = spec('llama4-scout');
    const kv = (ctx: number) => kvCacheBytesPerSequence(s, 'bf16', ctx);
    for (const ctx of [8192, 8193, 100_000, 5_000_000]) assert.equal(kv(ctx + 1) - kv(ctx), 49_152, `ctx ${ctx}`);
    for (const ctx of [1, 8191]) assert.equal(kv(ctx + 1) - kv(ctx), 48 * 4096, `ctx ${ctx}`);
    for (const ctx of [8192, 1_000_000]) assert.equal(kv(ctx) - 12 * ctx * 4096, 36 * 8192 * 4096, `ctx ${ctx}`);
  });

  test('minimax-text-01: per-sequence KV grows by its 10 softmax layers only (40,960 B per token)', () => {
    const m = spec('minimax-text-01');
    const kv = (ctx: number) => kvCacheBytesPerSequence(m, 'bf16', ctx);
    for (const ctx of [1, 1000, 1_000_000]) assert.equal(kv(ctx + 1) - kv(ctx), 40_960);
  });

  test('MoE prefill: doubling topK adds exactly the routed experts the tokens now run; stored weights are unchanged', () => {
    const ds = spec('deepseek-v3');
    const k16 = withMoe(ds, { topK: 16 });
    const t = 1000;
    const a = prefillFlops(ds, bf16, full(t));
    const b = prefillFlops(k16, bf16, full(t));
    // 2 FLOPs x T tokens x 58 MoE layers x 8 more experts x one expert's parameters.
    assert.equal(b.gemmBf16 - a.gemmBf16, 2 * t * 58 * 8 * DS_EXPERT);
    assert.equal(b.attention, a.attention);
    assert.equal(a.gemmFp8, 0);
    assert.equal(totalParams(k16), totalParams(ds));
    assert.equal(weightBytesTotal(k16, 'fp8'), weightBytesTotal(ds, 'fp8'));
    assert.equal(activeParams(k16) - activeParams(ds), 58 * 8 * DS_EXPERT);
  });

  test('MoE prefill: GEMM FLOPs per token are 2 x the active (not total) parameters outside the embeddings', () => {
    // deepseek-v3: 37.55e9 active - 2 x 129,280 x 7,168 embedding and LM head = 35.70e9 per token in the layers.
    const t = 1000;
    const f = prefillFlops(spec('deepseek-v3'), bf16, full(t));
    const lmHead = 2 * 129_280 * 7_168;
    near((f.gemmBf16 - lmHead) / (2 * t), 37.55e9 - 2 * 129_280 * 7_168, 0.005, 'per-token layer GEMM params');
    assert.ok(f.gemmBf16 / (2 * t) < 671e9 / 10, 'far below the total parameters');
  });

  test('MoE: more experts at the same topK add only the router to the FLOPs, but every expert to the weights', () => {
    const ds = spec('deepseek-v3');
    const e512 = withMoe(ds, { experts: 512 });
    const t = 1000;
    const a = prefillFlops(ds, bf16, full(t));
    const b = prefillFlops(e512, bf16, full(t));
    // The router's logits (7,168 x experts per MoE layer) are the only FLOPs that grow with the expert count.
    assert.equal(b.gemmBf16 - a.gemmBf16, 2 * t * 58 * 7168 * 256);
    // 58 x 7,168 x 256 = 106M of the ~35.7B per-token parameters: +0.3%, against +99% more stored expert weights.
    assert.ok((b.gemmBf16 - a.gemmBf16) / a.gemmBf16 < 0.005, 'router share is small');
    assert.equal(b.attention, a.attention);
    assert.equal(totalParams(e512) - totalParams(ds), 58 * 256 * (DS_EXPERT + 7168));
    assert.equal(weightBytesTotal(e512, 'bf16') - weightBytesTotal(ds, 'bf16'), 2 * 58 * 256 * (DS_EXPERT + 7168));
  });

  test('MLA: the 576-element latent is whole on every TP rank; GQA KV heads divide by TP', () => {
    const ds = spec('deepseek-v3');
    const cluster = h200();
    const tp1 = resolveLayout({ nodes: 1, tp: 1 }, ds, cluster);
    const tp8 = resolveLayout({ nodes: 1, tp: 8 }, ds, cluster);
    assert.equal(kvElementsPerToken(ds, 'full'), 576);
    assert.equal(kvElementsPerTokenPerGpu(ds, tp1, 'full'), 576);
    assert.equal(kvElementsPerTokenPerGpu(ds, tp8, 'full'), 576);
    assert.equal(kvBytesPerTokenPerGpu(ds, tp8, 'bf16'), 70_272);

    const gqa = spec('llama3-70b');
    const g1 = resolveLayout({ nodes: 1, tp: 1 }, gqa, cluster);
    const g8 = resolveLayout({ nodes: 1, tp: 8 }, gqa, cluster);
    assert.equal(kvElementsPerToken(gqa, 'full'), 2 * 8 * 128);
    assert.equal(kvElementsPerTokenPerGpu(gqa, g1, 'full'), 2 * 8 * 128);
    assert.equal(kvElementsPerTokenPerGpu(gqa, g8, 'full'), 2 * 1 * 128);
    assert.equal(kvBytesPerTokenPerGpu(gqa, g8, 'bf16'), 327_680 / 8);
  });

  test('linear layers cache nothing per token', () => {
    assert.equal(kvElementsPerToken(spec('minimax-text-01'), 'linear'), 0);
    assert.equal(cachedTokensOfLayer(spec('minimax-text-01'), 'linear', 1_000_000), 0);
  });
});

describe('attentionPairs closed forms', () => {
  const base = spec('gemma3-27b');
  const model: ModelSpec = { ...base, attention: { ...base.attention!, slidingWindowTokens: 4, chunkTokens: 4 } };

  test('full: T x P + T(T+1)/2', () => {
    assert.equal(attentionPairs(model, 'full', 10, 0), 55);
    assert.equal(attentionPairs(model, 'full', 5, 5), 5 * 5 + 15);
    assert.equal(attentionPairs(model, 'full', 128_000, 0), (128_000 * 128_001) / 2);
    assert.equal(attentionPairs(model, 'full', 1, 999), 1000);
  });

  test('sliding W=4: positions 1..10 see min(x, 4): 1+2+3+4x7 = 34; positions 6..10 after P=5: 5 x 4 = 20', () => {
    assert.equal(attentionPairs(model, 'sliding', 10, 0), 34);
    assert.equal(attentionPairs(model, 'sliding', 5, 5), 20);
    assert.equal(attentionPairs(model, 'sliding', 3, 0), 6);
    assert.equal(attentionPairs(model, 'sliding', 1, 1_000_000), 4);
  });

  test('chunked C=4: positions 1..10 see 1+2+3+4+1+2+3+4+1+2 = 23; positions 6..10: 2+3+4+1+2 = 12', () => {
    assert.equal(attentionPairs(model, 'chunked', 10, 0), 23);
    assert.equal(attentionPairs(model, 'chunked', 5, 5), 12);
    assert.equal(attentionPairs(model, 'chunked', 4, 0), 10);
    assert.equal(attentionPairs(model, 'chunked', 1, 8), 1);
  });

  test('linear: no pairs', () => {
    assert.equal(attentionPairs(model, 'linear', 10, 0), 0);
  });
});

describe('expert parallelism layouts', () => {
  const cluster = h200();

  test('ep on a dense model is an input error', () => {
    assert.throws(
      () => resolveLayout({ nodes: 4, tp: 8, ep: 8 }, spec('llama3-405b'), cluster),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.match(e.message, /^--ep 8: llama3-405b has no mixture-of-experts layers/);
        return true;
      },
    );
  });

  test('ep not a multiple of TP is an input error', () => {
    assert.throws(
      () => resolveLayout({ nodes: 4, tp: 8, ep: 12 }, spec('kimi-k2'), cluster),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.match(e.message, /^--ep 12: must be a multiple of TP 8/);
        return true;
      },
    );
  });

  test('ep not dividing the experts is an input error (llama4-scout: 16 experts, ep 32)', () => {
    assert.throws(
      () => resolveLayout({ nodes: 4, tp: 8, ep: 32 }, spec('llama4-scout'), cluster),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.match(e.message, /^--ep 32: must divide the 16 experts of llama4-scout/);
        return true;
      },
    );
    assert.equal(resolveLayout({ nodes: 4, tp: 8, ep: 16 }, spec('llama4-scout'), cluster).ep, 16);
  });

  test('deepseek-v3 on 4 nodes, TP8, EP32: layout.ep 32 spanning nodes; within a node it does not span', () => {
    const ds = spec('deepseek-v3');
    const l = resolveLayout({ nodes: 4, tp: 8, ep: 32 }, ds, cluster);
    assert.equal(l.ep, 32);
    assert.equal(l.groups.ep.domains, 4, 'EP32 spans 4 NVLink domains (nodes)');
    const l8 = resolveLayout({ nodes: 4, tp: 8, ep: 8 }, ds, cluster);
    assert.equal(l8.groups.ep.domains, 1, 'EP8 stays inside one node');
    assert.equal(resolveLayout({ nodes: 4 }, ds, cluster).ep, 1);
  });

  test('EP32 holds 1/32 of the routed experts per GPU instead of 1/8, and adds the All2All to prefill', () => {
    const ds = spec('deepseek-v3');
    const ep1 = resolveLayout({ nodes: 4, tp: 8 }, ds, cluster);
    const ep32 = resolveLayout({ nodes: 4, tp: 8, ep: 32 }, ds, cluster);
    const w1 = weightBytesPerGpu(ds, ep1, 'fp8');
    const w32 = weightBytesPerGpu(ds, ep32, 'fp8');
    assert.ok(w32 < w1);
    // 58 MoE layers x 256 experts x one expert (FP8, 1 B) x (1/8 - 1/32).
    assert.ok(Math.abs(w1 - w32 - (58 * 256 * DS_EXPERT * 3) / 32) < 1, `${w1 - w32}`);
    const workload = full(128_000);
    const p1 = estimatePrefill(ds, cluster, ep1, fp8, workload, 'pass-kv');
    const p32 = estimatePrefill(ds, cluster, ep32, fp8, workload, 'pass-kv');
    assert.equal(p1.breakdown.epCommSec, 0);
    assert.ok(p32.breakdown.epCommSec > 0);
    assert.ok(p32.ttftSec > p1.ttftSec);
    for (const l of p32.layers) assert.equal(l.epCommSec > 0, l.moe, `${l.attention}/${l.moe}`);
  });
});

describe('MoE decode reads only the experts a batch touches', () => {
  test('deepseek-v3 at batch 1: reading 8 + 1 shared of 257 experts, far below a topK = experts copy', () => {
    const ds = spec('deepseek-v3');
    const all = withMoe(ds, { topK: 256 });
    const cluster = h200();
    const layout = resolveLayout({ nodes: 1 }, ds, cluster);
    const touched = estimateDecode(ds, cluster, layout, fp8, full(8000)).breakdown.gemmSec;
    const every = estimateDecode(all, cluster, layout, fp8, full(8000)).breakdown.gemmSec;
    // Both pay the same fixed cost per GEMM call (about ten calls per layer at ~13 us in FP8): the reads differ 30x.
    assert.ok(touched < every / 3, `${touched} vs ${every}`);
  });

  test('on a round cluster (1 TB/s HBM) the difference is exactly the 248 untouched experts of 58 layers, read at 1 B / 8 GPUs', () => {
    const ds = spec('deepseek-v3');
    const all = withMoe(ds, { topK: 256 });
    const cluster = roundCluster();
    const layout = resolveLayout({ nodes: 1 }, ds, cluster);
    assert.equal(layout.tp, 8);
    const touched = estimateDecode(ds, cluster, layout, fp8, full(8000)).breakdown.gemmSec;
    const every = estimateDecode(all, cluster, layout, fp8, full(8000)).breakdown.gemmSec;
    const want = (58 * (256 - 8) * DS_EXPERT) / 8 / 1e12;
    assert.ok(Math.abs(every - touched - want) < 1e-9, `${every - touched} vs ${want}`);
  });
});

describe('MLA prefill expands the latent: pass-KV every arriving shard, pass-Q only its own', () => {
  test('deepseek-v3, TP8 x CP4, 128K: pass-KV attention exceeds pass-Q attention by exactly (N-1) shard expansions', () => {
    const model = spec('deepseek-v3');
    const cluster = h200();
    const layout = resolveLayout({ nodes: 4 }, model, cluster);
    const workload = full(128_000);
    const kv = estimatePrefill(model, cluster, layout, fp8, workload, 'pass-kv').layers[0]!;
    const q = estimatePrefill(model, cluster, layout, fp8, workload, 'pass-q').layers[0]!;
    // One shard: 128,000 / 4 tokens x 2 x kvLoraRank 512 x 16 heads x (128 nope + 128 v) FLOPs, at BF16 GEMM speed.
    const params = 512 * 16 * (128 + 128);
    const shard = gemmSec(2 * (128_000 / 4) * params, params * 2, 128_000 / 4, 'bf16', cluster, params);
    near(kv.attentionSec - q.attentionSec, 3 * shard, 1e-9, 'pass-KV minus pass-Q attention per layer');
  });

  test('a GQA model has no expansion: both variants compute the same attention', () => {
    const model = spec('llama3-70b');
    const cluster = h200();
    const layout = resolveLayout({ nodes: 4 }, model, cluster);
    const kv = estimatePrefill(model, cluster, layout, bf16, full(128_000), 'pass-kv').layers[0]!;
    const q = estimatePrefill(model, cluster, layout, bf16, full(128_000), 'pass-q').layers[0]!;
    assert.equal(kv.attentionSec, q.attentionSec);
  });
});
