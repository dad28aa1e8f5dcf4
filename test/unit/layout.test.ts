import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { resolveLayout } from '../../src/model/layout.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { gtt, llama405b, shipped } from './specs.js';

test('defaults: TP = GPUs per node, CP = the rest (the paper layout CPN + TP8)', () => {
  const l = resolveLayout({ nodes: 16 }, llama405b(), gtt());
  assert.deepEqual([l.gpus, l.tp, l.cp, l.qHeadsPerGpu, l.kvHeadsPerGpu], [128, 8, 16, 16, 1]);
  assert.deepEqual(l.groups.tp, { size: 8, perDomain: 8, domains: 1 }, 'a TP group inside one node');
  assert.deepEqual(l.groups.cp, { size: 16, perDomain: 1, domains: 16 }, 'a CP ring with one GPU per node');
});

test('TP16 over 2 nodes spans nodes and replicates KV heads; CP inside one node stays on NVLink', () => {
  const tp16 = resolveLayout({ nodes: 2, tp: 16 }, llama405b(), gtt());
  assert.deepEqual([tp16.cp, tp16.groups.tp.domains, tp16.kvReplication], [1, 2, 2]);
  const cpInNode = resolveLayout({ nodes: 1, tp: 4 }, llama405b(), gtt());
  assert.deepEqual([cpInNode.cp, cpInNode.groups.cp.domains, cpInNode.kvHeadsPerGpu], [2, 1, 2]);
});

test('impossible layouts are input errors', () => {
  const model = llama405b();
  const cases: [string, object][] = [
    ['TP not dividing the GPUs', { nodes: 1, tp: 3 }],
    ['TP x CP != GPUs', { nodes: 2, tp: 8, cp: 3 }],
    ['TP x CP != GPUs (both given)', { nodes: 2, tp: 8, cp: 4 }],
    ['more nodes than the cluster has', { nodes: 33 }],
    ['TP across a partial node', { nodes: 3, tp: 12 }],
    ['--gpus and --nodes disagree', { nodes: 2, gpus: 4 }],
    ['TP group straddling two nodes', { gpus: 12, tp: 6 }],
    ['more GPUs than the cluster has', { gpus: 257 }],
  ];
  for (const [why, request] of cases) {
    assert.throws(() => resolveLayout(request as { nodes: number }, model, gtt()), InputError, why);
  }
  // Qwen2.5-14B has 40 heads: TP 16 does not divide them.
  assert.throws(() => resolveLayout({ nodes: 2, tp: 16 }, builtinModel('qwen2.5-14b-1m').spec, gtt()), /40 attention heads/);
});

test('a default TP that does not fit the model is named as the default, with a TP that works', () => {
  const model = { ...llama405b(), name: 'heads28', attentionHeads: 28, kvHeads: 4 };
  assert.throws(
    () => resolveLayout({ nodes: 2 }, model, gtt()),
    /^InputError: the default TP 8 \(GPUs per node\): does not divide the 28 attention heads.*try --tp 4$/,
  );
  assert.throws(() => resolveLayout({ nodes: 1, tp: 8 }, model, gtt()), /--tp 8: does not divide/);
});

test('--gpus hints: a default TP of all the GPUs is named so, and hints are TPs the GPU count can take', () => {
  const model = llama405b();
  assert.throws(
    () => resolveLayout({ gpus: 6 }, model, gtt()),
    /^InputError: the default TP 6 \(all 6 GPUs\): does not divide the 128 attention heads.*try --tp 2$/,
  );
  assert.throws(() => resolveLayout({ gpus: 3 }, model, gtt()), /try --tp 1$/);
  assert.throws(() => resolveLayout({ gpus: 12 }, model, gtt()), /^InputError: --gpus 12: the default TP 8 \(GPUs per node\) does not divide it; give --tp 4 /);
  assert.equal(resolveLayout({ gpus: 12, tp: 4 }, model, gtt()).cp, 3);
});

test('--gpus: layouts smaller than a node, and GPU counts that are not whole nodes', () => {
  const model = builtinModel('llama3-70b').spec;
  const tp4 = resolveLayout({ gpus: 4, tp: 4 }, model, gtt());
  assert.deepEqual([tp4.gpus, tp4.nodes, tp4.tp, tp4.cp, tp4.groups.tp.domains], [4, 1, 4, 1, 1]);
  const twelve = resolveLayout({ gpus: 12, tp: 4 }, model, gtt());
  assert.deepEqual(
    [twelve.nodes, twelve.cp, twelve.groups.cp.domains, twelve.groups.cp.perDomain],
    [2, 3, 2, 1],
    'rings of 3: two GPUs in node 0, one in node 1',
  );
  assert.equal(resolveLayout({ gpus: 8, nodes: 1 }, model, gtt()).gpus, 8, 'agreeing --gpus and --nodes');
  assert.throws(
    () => resolveLayout({ gpus: 4, nodes: 2 }, model, gtt()),
    /^InputError: --gpus 4 and --nodes 2 disagree: 4 GPUs fill 1 node\(s\) of 8; give one of them, or --gpus 9 to 16 with --nodes 2$/,
  );
});

test('an NVLink domain larger than a node: TP32 inside a GB200 NVL72 rack stays on NVLink, TP32 twice over 96 GPUs straddles racks', () => {
  const nvl72 = shipped('gb200-nvl72');
  const tp32 = resolveLayout({ gpus: 32, tp: 32 }, llama405b(), nvl72);
  assert.deepEqual(tp32.groups.tp, { size: 32, perDomain: 32, domains: 1 });
  assert.equal(tp32.nodes, 8, '8 trays of 4');
  const two = resolveLayout({ gpus: 64, tp: 32 }, llama405b(), nvl72);
  assert.deepEqual(two.groups.cp, { size: 2, perDomain: 2, domains: 1 }, 'CP2 between two TP32 groups of one rack: NVLink');
  assert.throws(() => resolveLayout({ gpus: 96, tp: 32 }, llama405b(), nvl72), /TP group 2 \(GPUs 64-95\) would straddle two NVLink domains of 72 GPUs/);
  const tp8 = resolveLayout({ gpus: 144, tp: 8 }, llama405b(), nvl72);
  assert.deepEqual(tp8.groups.cp, { size: 18, perDomain: 9, domains: 2 }, 'rings of 18 TP8 groups: 9 in each rack');
});
