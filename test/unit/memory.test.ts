import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smallestGpusThatFit } from '../../src/model/fit.js';
import { kvBytesPerToken } from '../../src/model/kv-cache.js';
import { layoutOrProblem, resolveLayout } from '../../src/model/layout.js';
import { maxContextThatFits, memoryPerGpu } from '../../src/model/memory.js';
import { weightBytesTotal } from '../../src/model/shapes.js';
import { builtinModel } from '../../src/presets/catalog.js';
import type { Workload } from '../../src/model/types.js';
import { gtt, llama405b, paperPrecision, shipped } from './specs.js';

const full = (contextTokens: number, batch = 1): Workload => ({ contextTokens, cachedTokens: 0, batch });

test('per-GPU total is the sum of its parts, and capacity is the HBM', () => {
  const model = llama405b();
  const m = memoryPerGpu(model, gtt(), resolveLayout({ nodes: 16 }, model, gtt()), paperPrecision, full(1_000_000));
  const p = m.perGpu;
  assert.equal(p.totalBytes, p.weightsBytes + p.kvCacheBytes + p.activationBytes + p.reserveBytes);
  assert.equal(p.capacityBytes, 96e9);
  assert.ok(m.fits);
});

test('memory per GPU x GPUs covers the whole model and the whole KV cache (CP replicates weights)', () => {
  const model = llama405b();
  for (const nodes of [1, 2, 4, 8, 16]) {
    const layout = resolveLayout({ nodes }, model, gtt());
    const ctx = 100_000;
    const m = memoryPerGpu(model, gtt(), layout, paperPrecision, full(ctx));
    assert.ok(m.perGpu.weightsBytes * layout.gpus >= weightBytesTotal(model, 'fp8-ffn') * layout.cp * 0.999);
    assert.ok(m.perGpu.kvCacheBytes * layout.gpus >= kvBytesPerToken(model, 'bf16') * ctx);
  }
});

test('KV cache per GPU shrinks with CP and grows with batch', () => {
  const model = llama405b();
  const kv = (nodes: number, batch: number) =>
    memoryPerGpu(model, gtt(), resolveLayout({ nodes }, model, gtt()), paperPrecision, full(256_000, batch)).perGpu.kvCacheBytes;
  assert.ok(Math.abs(kv(4, 1) * 4 - kv(1, 1)) < 1);
  assert.equal(kv(2, 3), 3 * kv(2, 1));
});

test('the largest context that fits does fit, and a little more does not', () => {
  const model = llama405b();
  for (const nodes of [1, 4, 16]) {
    const layout = resolveLayout({ nodes }, model, gtt());
    const max = maxContextThatFits(model, gtt(), layout, paperPrecision, 1);
    assert.ok(max > 0);
    assert.ok(memoryPerGpu(model, gtt(), layout, paperPrecision, full(max)).fits, `${nodes}: ${max} fits`);
    assert.ok(!memoryPerGpu(model, gtt(), layout, paperPrecision, full(max + 2 * layout.cp)).fits, `${nodes}: beyond`);
  }
});

test("the paper's runs fit: 128K on one node, 1M on 8 and 16 nodes; 1M does not fit one node", () => {
  const model = llama405b();
  const fits = (nodes: number, ctx: number) => memoryPerGpu(model, gtt(), resolveLayout({ nodes }, model, gtt()), paperPrecision, full(ctx)).fits;
  assert.ok(fits(1, 128_000));
  assert.ok(fits(8, 1_000_000));
  assert.ok(fits(16, 1_000_000));
  assert.ok(!fits(1, 1_000_000));
});

test('smallest GPU count that fits (keeping TP8) is minimal', () => {
  const model = llama405b();
  const layout = resolveLayout({ nodes: 1 }, model, gtt());
  const g = smallestGpusThatFit(model, gtt(), layout, paperPrecision, full(1_000_000));
  assert.ok(g !== null && g > 8 && g % 8 === 0, `${g}`);
  const n = g! / 8;
  const fitsAt = (nodes: number) => memoryPerGpu(model, gtt(), resolveLayout({ nodes }, model, gtt()), paperPrecision, full(1_000_000)).fits;
  assert.ok(fitsAt(n!));
  assert.ok(!fitsAt(n! - 1));
});

test('smallest GPU count that fits skips counts whose groups straddle NVLink domains (brute force)', () => {
  // TP16 on an NVL72 of 4-GPU trays: 16, 32, 48, 64 GPUs are layouts; from 80 on a TP group crosses GPU 72.
  const model = llama405b();
  const nvl72 = shipped('gb200-nvl72');
  const tp16 = resolveLayout({ gpus: 16, tp: 16 }, model, nvl72);
  for (const ctx of [128_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000]) {
    let expected: number | null = null;
    for (let gpus = 16; gpus <= nvl72.maxNodes * nvl72.gpusPerNode && expected === null; gpus += 16) {
      const l = layoutOrProblem({ gpus, tp: 16 }, model, nvl72);
      if (typeof l !== 'string' && memoryPerGpu(model, nvl72, l, paperPrecision, full(ctx)).fits) expected = gpus;
    }
    assert.equal(smallestGpusThatFit(model, nvl72, tp16, paperPrecision, full(ctx)), expected, `context ${ctx}`);
  }
  assert.equal(typeof layoutOrProblem({ gpus: 80, tp: 16 }, model, nvl72), 'string');
});

test('BF16 Llama3 405B weights do not fit one 96 GB node at TP8: no context fits', () => {
  const model = llama405b();
  const layout = resolveLayout({ nodes: 1 }, model, gtt());
  assert.equal(maxContextThatFits(model, gtt(), layout, { weights: 'bf16', kvDtype: 'bf16' }, 1), 0);
});

test("SGLang's memory fraction bounds weights and KV; activations live in the rest of HBM (review 13, P1.5)", () => {
  const model = builtinModel('llama3-70b').spec;
  const sglang = shipped('h100-ib', 'sglang');
  const layout = resolveLayout({ gpus: 8 }, model, sglang);
  const m = memoryPerGpu(model, sglang, layout, { weights: 'fp8', kvDtype: 'bf16' }, full(256_000));
  const p = m.perGpu;
  const hbm = sglang.gpu.hbmBytes;
  const u = sglang.engine.gpuMemoryUtilization;
  assert.equal(p.capacityBytes, hbm, 'the total is held against all of HBM');
  assert.equal(p.reserveBytes, Math.max(0, hbm * (1 - u) - p.activationBytes), 'the rest of HBM, less activations');
  // KV capacity: the fraction's pool after the weights, not after the activations too.
  const perToken = p.kvCacheBytes / m.tokensPerGpu;
  assert.ok(Math.abs(m.kvCapacityTokensPerGpu - Math.floor((hbm * u - p.weightsBytes) / perToken)) <= 1, `${m.kvCapacityTokensPerGpu}`);
  // vLLM's fraction bounds everything: capacity is HBM x fraction, the reserve its own.
  const vllm = shipped('h100-ib', 'vllm');
  const v = memoryPerGpu(model, vllm, layout, { weights: 'fp8', kvDtype: 'bf16' }, full(256_000)).perGpu;
  assert.equal(v.capacityBytes, hbm * vllm.engine.gpuMemoryUtilization);
  assert.equal(v.reserveBytes, vllm.engine.runtimeReserveBytes);
});
