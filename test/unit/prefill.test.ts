import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimate } from '../../src/model/estimate.js';
import { resolveLayout } from '../../src/model/layout.js';
import { estimatePrefill } from '../../src/model/prefill.js';
import { layerParams } from '../../src/model/shapes.js';
import type { ClusterSpec, Precision, RingVariant, Workload } from '../../src/model/types.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { gtt, llama405b, paperPrecision, roundCluster, shipped } from './specs.js';

const bf16: Precision = { weights: 'bf16', kvDtype: 'bf16' };
const full = (contextTokens: number, batch = 1): Workload => ({ contextTokens, cachedTokens: 0, batch });

function prefill(nodes: number, ctx: number, variant: RingVariant = 'pass-kv', cluster: ClusterSpec = gtt(), tp?: number) {
  const model = llama405b();
  return estimatePrefill(model, cluster, resolveLayout({ nodes, tp }, model, cluster), paperPrecision, full(ctx), variant);
}

test('CP1 TP1 on one GPU reduces to the single-GPU roofline formula', () => {
  const model = builtinModel('llama3-8b').spec;
  const cluster = roundCluster({ gpusPerNode: 1 });
  const layout = resolveLayout({ nodes: 1 }, model, cluster);
  const T = 4096;
  const p = estimatePrefill(model, cluster, layout, bf16, full(T), 'pass-kv');
  const lp = layerParams(model);
  const gemm = model.layers * ((2 * (lp.qo + lp.kv) * T) / 1e15 + (2 * lp.ffn * T) / 1e15);
  const attention = (model.layers * ((T * (T + 1)) / 2) * 4 * model.headDim * model.attentionHeads) / 1e15;
  const lmHead = Math.max((2 * model.vocabSize * model.hiddenSize) / 1e15, (model.vocabSize * model.hiddenSize * 2) / 1e12);
  assert.ok(Math.abs(p.breakdown.gemmSec - gemm) / gemm < 1e-12);
  assert.ok(Math.abs(p.breakdown.attentionSec - attention) / attention < 1e-12);
  assert.equal(p.breakdown.tpCommSec, 0);
  assert.equal(p.breakdown.cpCommExposedSec, 0);
  assert.ok(Math.abs(p.ttftSec - (gemm + attention + lmHead)) / p.ttftSec < 1e-12);
});

test('TTFT is the sum of its parts', () => {
  for (const [nodes, ctx] of [
    [1, 8000],
    [4, 128000],
    [16, 1_000_000],
  ] as const) {
    for (const variant of ['pass-kv', 'pass-q'] as const) {
      const p = prefill(nodes, ctx, variant);
      const sum = Object.values(p.breakdown).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - p.ttftSec) < 1e-12 * p.ttftSec, `${nodes} ${ctx} ${variant}`);
    }
  }
});

test('more CP ranks never add compute per GPU, and the FLOPs of the job do not change', () => {
  let prevCompute = Infinity;
  const flops = prefill(1, 256_000).flops.total;
  for (const nodes of [1, 2, 4, 8, 16, 32]) {
    const p = prefill(nodes, 256_000);
    const compute = p.breakdown.gemmSec + p.breakdown.attentionSec;
    assert.ok(compute <= prevCompute, `compute grew at ${nodes} nodes`);
    assert.equal(p.flops.total, flops);
    prevCompute = compute;
  }
});

test('pass-KV and pass-Q do the same FLOPs; only their communication differs', () => {
  const kv = prefill(4, 128_000, 'pass-kv');
  const q = prefill(4, 128_000, 'pass-q');
  assert.deepEqual(kv.flops, q.flops);
  assert.equal(kv.breakdown.gemmSec, q.breakdown.gemmSec);
  assert.equal(kv.breakdown.attentionSec, q.breakdown.attentionSec);
  assert.ok(q.ring.allToAllSec > 0 && kv.ring.allToAllSec === 0);
});

test('TTFT grows with context', () => {
  let prev = 0;
  for (const ctx of [1000, 8000, 32_000, 128_000, 512_000, 1_000_000]) {
    const t = prefill(16, ctx).ttftSec;
    assert.ok(t > prev, `${ctx}`);
    prev = t;
  }
});

test('full-prefill pass-KV hides its SendRecv on RDMA at 128K but exposes it on a slow network at short context', () => {
  const rdma = prefill(4, 128_000);
  assert.equal(rdma.ring.exposedSec, 0);
  assert.equal(rdma.breakdown.cpCommExposedSec, 0);
  const slow = prefill(4, 4000, 'pass-kv', shipped('gti'));
  assert.ok(slow.ring.stepSendRecvSec > slow.ring.stepComputeSec);
  assert.ok(slow.breakdown.cpCommExposedSec > 0);
});

test('Eq. 2 threshold, causal: pass-KV hides its SendRecv iff T >= 2 * N*C*N_KV*e/(2*N_H*BW)', () => {
  // The paper's Eq. 2 counts attention without the causal mask. With the 2N-chunk sharding each
  // ring step of a full prefill does half of the non-causal (T/N)^2 block, so the crossover sits at
  // twice Eq. 2. Ideal links, no latency, and an HBM fast enough to make the merge vanish.
  const model = llama405b();
  const base = roundCluster();
  const cluster = roundCluster({ gpu: { ...base.gpu, hbmBytesPerSec: 1e30 } });
  const layout = resolveLayout({ nodes: 4 }, model, cluster);
  const C = cluster.gpu.bf16FlopsPerSec;
  const BW = cluster.scaleOut.peerBytesPerSec;
  const eq2 = (4 * C * model.kvHeads * 2) / (2 * model.attentionHeads * BW);
  const ring = (T: number) => estimatePrefill(model, cluster, layout, bf16, full(Math.round(T)), 'pass-kv').ring;
  const above = ring(2 * eq2 * 1.05);
  const below = ring(2 * eq2 * 0.95);
  assert.ok(above.stepSendRecvSec <= above.stepComputeSec, 'hidden above 2 x Eq. 2');
  assert.ok(below.stepSendRecvSec > below.stepComputeSec, 'exposed below 2 x Eq. 2');
});

test('TP across nodes runs a multi-domain all-reduce over every NIC, and multi-node TP prefill still speeds up (paper Fig. 7)', () => {
  const tp8 = prefill(1, 128_000, 'pass-kv', gtt(), 8);
  const tp16 = prefill(2, 128_000, 'pass-kv', gtt(), 16);
  const tp32 = prefill(4, 128_000, 'pass-kv', gtt(), 32);
  assert.ok(['nvls-tree', 'hierarchical', 'ring', 'tree'].includes(tp16.tpAllReduce.algorithm));
  // No all-reduce across 2 nodes beats 8 NICs of 50 GB/s each way in both directions of the tree at once.
  const bytes = 16_000 * 16_384 * 2; // the tokens per layer of one GPU here are 128K; any size obeys the bound
  const bound = (bytes * 2 * 15) / 16 / (8 * 50e9 * 2);
  const probe = prefill(2, 16_000, 'pass-kv', gtt(), 16).tpAllReduce.sec;
  assert.ok(probe >= bound, `${probe} < ${bound}`);
  assert.ok(tp16.ttftSec < tp8.ttftSec, `TP16 ${tp16.ttftSec} s vs TP8 ${tp8.ttftSec} s`);
  assert.ok(tp32.ttftSec < tp16.ttftSec, `TP32 ${tp32.ttftSec} s vs TP16 ${tp16.ttftSec} s`);
});

test('auto picks the faster variant, and full prefill on RDMA is pass-KV as the paper found', () => {
  const r = estimate({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    layout: { nodes: 4 },
    workload: full(128_000),
    variant: 'auto',
  });
  assert.equal(r.prefill.variant, 'pass-kv');
  assert.ok(r.variants['pass-kv'].ttftSec < r.variants['pass-q'].ttftSec);
});

test('a GPU without FP8 runs FP8 weights at the BF16 rate and says so', () => {
  const r = estimate({
    model: builtinModel('llama3-70b').spec,
    cluster: shipped('a100-ib'),
    precision: { weights: 'fp8', kvDtype: 'bf16' },
    layout: { nodes: 1 },
    workload: full(32_000),
    variant: 'auto',
  });
  assert.ok(r.warnings.some((w) => w.includes('no FP8')));
  const bf = estimate({
    model: builtinModel('llama3-70b').spec,
    cluster: shipped('a100-ib'),
    precision: bf16,
    layout: { nodes: 1 },
    workload: full(32_000),
    variant: 'auto',
  });
  assert.ok(Math.abs(r.prefill.breakdown.gemmSec - bf.prefill.breakdown.gemmSec) / bf.prefill.breakdown.gemmSec < 1e-9);
  assert.ok(r.memory.perGpu.weightsBytes < bf.memory.perGpu.weightsBytes);
});

test('on an infinitely fast network the two variants cost the same: the merge is counted once in each', () => {
  const model = llama405b();
  const base = roundCluster();
  const instant = { ...base.scaleOut, bytesPerSec: Infinity, peerBytesPerSec: Infinity };
  // A collective library without latencies: the network costs nothing at all.
  const zero = [0, 0, 0] as const;
  const byAlgo = { tree: zero, ring: zero, nvls: zero, nvlsTree: zero, collnetDirect: zero };
  const collectives = { ...base.collectives, baseLatencySec: byAlgo, hopLatencySec: { nvlink: byAlgo, pci: byAlgo, net: byAlgo } };
  const cluster = roundCluster({ scaleOut: instant, scaleUp: { ...instant, linkClass: 'nvlink' }, collectives });
  const layout = resolveLayout({ nodes: 4 }, model, cluster);
  const kv = estimatePrefill(model, cluster, layout, bf16, full(128_000), 'pass-kv');
  const q = estimatePrefill(model, cluster, layout, bf16, full(128_000), 'pass-q');
  assert.ok(kv.breakdown.mergeSec > 0);
  assert.equal(q.breakdown.mergeSec, kv.breakdown.mergeSec);
  assert.ok(Math.abs(q.ttftSec - kv.ttftSec) < 1e-12 * kv.ttftSec, `pass-Q ${q.ttftSec} vs pass-KV ${kv.ttftSec}`);
});

test('async TP (efficiency.tpCommOverlapFraction) hides that share of the TP all-reduce, never more than the GEMMs', () => {
  const at = (f: number) => prefill(2, 128_000, 'pass-kv', { ...gtt(), engine: { ...gtt().engine, tpCommOverlapFraction: f } }, 16);
  const none = at(0);
  const tp = none.layers[0]!.tpCommSec;
  const gemm = none.layers[0]!.gemmSec;
  assert.ok(tp > 0);
  assert.equal(none.tpAllReduce.sec * 2, tp, 'no overlap: both all-reduces exposed');
  assert.ok(Math.abs(at(0.5).layers[0]!.tpCommSec - (tp - Math.min(0.5 * tp, gemm))) < 1e-12);
  assert.ok(Math.abs(at(1).layers[0]!.tpCommSec - Math.max(0, tp - gemm)) < 1e-12);
  assert.ok(at(1).ttftSec < none.ttftSec);
  assert.ok(Math.abs(none.ttftSec - at(1).ttftSec - (tp - at(1).layers[0]!.tpCommSec) * 126) < 1e-9, 'TTFT falls by the hidden time of every layer');
});
