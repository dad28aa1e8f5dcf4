import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { resolveLayout } from '../../src/model/layout.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { gtt, llama405b } from './specs.js';

test('defaults: TP = GPUs per node, CP = the rest (the paper layout CPN + TP8)', () => {
  const l = resolveLayout({ nodes: 16 }, llama405b(), gtt());
  assert.deepEqual([l.gpus, l.tp, l.cp, l.qHeadsPerGpu, l.kvHeadsPerGpu], [128, 8, 16, 16, 1]);
  assert.equal(l.tpSpansNodes, false);
  assert.equal(l.cpRingCrossesNodes, true);
});

test('TP16 over 2 nodes spans nodes and replicates KV heads; CP inside one node stays on NVLink', () => {
  const tp16 = resolveLayout({ nodes: 2, tp: 16 }, llama405b(), gtt());
  assert.deepEqual([tp16.cp, tp16.tpSpansNodes, tp16.kvReplication], [1, true, 2]);
  const cpInNode = resolveLayout({ nodes: 1, tp: 4 }, llama405b(), gtt());
  assert.deepEqual([cpInNode.cp, cpInNode.cpRingCrossesNodes, cpInNode.kvHeadsPerGpu], [2, false, 2]);
});

test('impossible layouts are input errors', () => {
  const model = llama405b();
  const cases: [string, object][] = [
    ['TP not dividing the GPUs', { nodes: 1, tp: 3 }],
    ['TP x CP != GPUs', { nodes: 2, tp: 8, cp: 3 }],
    ['TP x CP != GPUs (both given)', { nodes: 2, tp: 8, cp: 4 }],
    ['more nodes than the cluster has', { nodes: 33 }],
    ['TP across a partial node', { nodes: 3, tp: 12 }],
  ];
  for (const [why, request] of cases) {
    assert.throws(() => resolveLayout(request as { nodes: number }, model, gtt()), InputError, why);
  }
  // Qwen2.5-14B has 40 heads: TP 16 does not divide them.
  assert.throws(() => resolveLayout({ nodes: 2, tp: 16 }, builtinModel('qwen2.5-14b-1m').spec, gtt()), /40 attention heads/);
});

test('a default TP that does not fit the model is named as the default, with a TP that works', () => {
  const model = { ...llama405b(), name: 'heads28', attentionHeads: 28, kvHeads: 4 };
  assert.throws(() => resolveLayout({ nodes: 2 }, model, gtt()), /^InputError: the default TP 8 \(GPUs per node\): does not divide the 28 attention heads.*try --tp 4$/);
  assert.throws(() => resolveLayout({ nodes: 1, tp: 8 }, model, gtt()), /--tp 8: does not divide/);
});
