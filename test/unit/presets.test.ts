import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinNames, builtinCluster, builtinModel } from '../../src/presets/catalog.js';
import { closestNames } from '../../src/presets/closest.js';
import { nicBytesPerSecPerGpu } from '../../src/model/hardware/topology.js';
import { shipped } from './specs.js';

test('every built-in preset loads, validates, and is named after its file', () => {
  for (const name of builtinNames('model')) assert.equal(builtinModel(name).preset.name, name);
  for (const name of builtinNames('cluster')) assert.equal(builtinCluster(name).preset.name, name);
  assert.ok(builtinNames('model').length >= 5);
  assert.ok(builtinNames('cluster').length >= 7);
});

test('the presets the issue names exist', () => {
  for (const m of ['llama3-8b', 'llama3-70b', 'llama3-405b']) assert.ok(builtinNames('model').includes(m), m);
  for (const c of ['gtt', 'gti', 'h100-ib', 'h200-ib', 'b200-ib', 'a100-ib', 'mi300x-roce']) assert.ok(builtinNames('cluster').includes(c), c);
});

test('cluster figures are physically ordered: FP8 >= BF16, per-peer <= aggregate, network slower than scale-up', () => {
  for (const name of builtinNames('cluster')) {
    const c = shipped(name);
    if (c.gpu.fp8FlopsPerSec !== null) assert.ok(c.gpu.fp8FlopsPerSec >= c.gpu.bf16FlopsPerSec, name);
    assert.ok(c.scaleUp.peerBytesPerSec <= c.scaleUp.bytesPerSec, name);
    // A GPU's share of its node's NICs is below its scale-up bandwidth (a PCIe box: 4 NICs for 8 GPUs).
    assert.ok(nicBytesPerSecPerGpu(c) < c.scaleUp.bytesPerSec, name);
    assert.ok(c.engine.runtimeReserveBytes < c.gpu.hbmBytes * c.engine.gpuMemoryUtilization, name);
  }
});

test("the paper's platform: gtt and gti differ only in the network", () => {
  const gtt = shipped('gtt');
  const gti = shipped('gti');
  assert.deepEqual(gti.gpu, gtt.gpu);
  assert.equal(gtt.gpu.bf16FlopsPerSec, 800e12);
  assert.equal(gtt.gpu.hbmBytes, 96e9);
  assert.equal(gtt.scaleOut.bytesPerSec, 50e9);
  assert.equal(gti.scaleOut.bytesPerSec, 12.5e9);
});

test('llama3-405b defaults to the paper recipe; other models to BF16', () => {
  assert.equal(builtinModel('llama3-405b').spec.defaultWeights, 'fp8-ffn');
  assert.equal(builtinModel('llama3-70b').spec.defaultWeights, 'bf16');
});

test('closest names rank near misses first', () => {
  assert.equal(closestNames('llama-405b', builtinNames('model'))[0], 'llama3-405b');
  assert.equal(closestNames('h100', builtinNames('cluster'))[0], 'h100-ib');
  assert.equal(closestNames('gtx', builtinNames('cluster')).includes('gtt'), true);
});
