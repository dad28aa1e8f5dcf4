import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveLayout } from '../../src/model/layout.js';
import { kvBytesPerToken, kvBytesPerTokenPerGpu, tokensPerCpRank } from '../../src/model/kv-cache.js';
import { causalPairs, totalParams, weightBytesPerGpu, weightBytesTotal } from '../../src/model/shapes.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { gtt, llama405b } from './specs.js';

test('KV bytes per token of Llama3 405B in BF16 is 2*126*8*128*2 = 516,096 B (paper.md Sec. 9)', () => {
  assert.equal(kvBytesPerToken(llama405b(), 'bf16'), 516_096);
  assert.equal(kvBytesPerToken(llama405b(), 'fp8'), 258_048);
});

test('KV bytes per token per GPU under TP8 is one KV head: 64,512 B; under TP16 the head is replicated, not split', () => {
  const model = llama405b();
  const tp8 = resolveLayout({ nodes: 1 }, model, gtt());
  assert.equal(kvBytesPerTokenPerGpu(model, tp8, 'bf16'), 64_512);
  const tp16 = resolveLayout({ nodes: 2, tp: 16 }, model, gtt());
  assert.equal(tp16.kvReplication, 2);
  assert.equal(kvBytesPerTokenPerGpu(model, tp16, 'bf16'), 64_512);
});

test('KV bytes per token match hardware-and-models.md Sec. 3 for every dense preset', () => {
  const expected: Record<string, number> = {
    'llama3-8b': 131_072,
    'llama3-70b': 327_680,
    'llama3-405b': 516_096,
    'qwen2.5-14b-1m': 196_608,
    'mistral-large-2': 360_448,
  };
  for (const [name, bytes] of Object.entries(expected)) assert.equal(kvBytesPerToken(builtinModel(name).spec, 'bf16'), bytes, name);
});

test('parameter counts from the shapes agree with the published totals within 0.5%', () => {
  // hardware-and-models.md Sec. 1 "calc" column (biases omitted here, < 0.1%).
  const published: Record<string, number> = {
    'llama3-8b': 8.03e9,
    'llama3-70b': 70.554e9,
    'llama3-405b': 405.853e9,
    'qwen2.5-14b-1m': 14.77e9,
    'mistral-large-2': 122.61e9,
  };
  for (const [name, params] of Object.entries(published)) {
    const got = totalParams(builtinModel(name).spec);
    assert.ok(Math.abs(got / params - 1) < 0.005, `${name}: ${got} vs ${params}`);
  }
});

test("the paper's recipe puts Llama3 405B at ~482 GB of weights, ~60 GB per GPU at TP8 (paper.md Sec. 9)", () => {
  const model = llama405b();
  const total = weightBytesTotal(model, 'fp8-ffn');
  assert.ok(total > 470e9 && total < 495e9, `${total}`);
  const perGpu = weightBytesPerGpu(model, resolveLayout({ nodes: 1 }, model, gtt()), 'fp8-ffn');
  // TP8 shards every weight except the RMSNorm vectors, which every rank holds whole.
  const normBytes = (2 * model.layers + 1) * model.hiddenSize * 2;
  assert.ok(Math.abs(perGpu - (total / 8 + (normBytes * 7) / 8)) < 1, `${perGpu}`);
  assert.ok(perGpu > 59e9 && perGpu < 61e9, `${perGpu}`);
  assert.equal(weightBytesTotal(model, 'bf16'), 2 * totalParams(model));
});

test('causal pairs: T(T+1)/2 for a full prefill; every new token also sees all cached tokens', () => {
  assert.equal(causalPairs(4, 0), 10);
  assert.equal(causalPairs(2, 3), 2 * 3 + 3);
  assert.equal(causalPairs(1, 127_999), 128_000);
});

test('load-balanced sharding pads each rank to 2 * ceil(T / 2N) token slots', () => {
  assert.equal(tokensPerCpRank(128_000, 1), 128_000);
  assert.equal(tokensPerCpRank(128_000, 4), 32_000);
  assert.equal(tokensPerCpRank(1_000_000, 16), 62_500);
  assert.equal(tokensPerCpRank(10, 4), 4); // chunks of 2 (ceil 10/8), two per rank
  for (const [t, n] of [
    [7, 3],
    [100_001, 16],
    [5, 2],
  ] as const)
    assert.ok(tokensPerCpRank(t, n) * n >= t);
});
