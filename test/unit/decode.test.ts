import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { gemmBandwidthFraction } from '../../src/model/hardware/kernels.js';
import { estimateDecode } from '../../src/model/decode.js';
import { resolveLayout } from '../../src/model/layout.js';
import { memoryPerGpu } from '../../src/model/memory.js';
import type { Workload } from '../../src/model/types.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { gtt, llama405b, paperPrecision, shipped } from './specs.js';

const w = (contextTokens: number, batch = 1): Workload => ({ contextTokens, cachedTokens: 0, batch });
const bf16 = { weights: 'bf16', kvDtype: 'bf16' } as const;

test('decode: TTIT is the sum of its parts; throughput is 1/TTIT per sequence and B/TTIT in aggregate', () => {
  const model = llama405b();
  const d = estimateDecode(model, gtt(), resolveLayout({ nodes: 2 }, model, gtt()), paperPrecision, w(128_000, 8));
  const sum = Object.values(d.breakdown).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - d.ttitSec) < 1e-12);
  assert.equal(d.tokensPerSecondPerSequence, 1 / d.ttitSec);
  assert.equal(d.tokensPerSecondAggregate, 8 / d.ttitSec);
});

test('decode at batch 1 is bound by reading the weights: ~weights per GPU / HBM', () => {
  const model = llama405b();
  const layout = resolveLayout({ nodes: 1 }, model, gtt());
  const d = estimateDecode(model, gtt(), layout, paperPrecision, w(8000));
  const weights = memoryPerGpu(model, gtt(), layout, paperPrecision, w(8000)).perGpu.weightsBytes;
  // At one token a GEMM reads its weights at the table's bandwidth fraction (scaled by gtt's calibration), plus
  // a fixed cost per call: 2 attention and 2 FFN GEMMs per layer and the LM head.
  const c = gtt();
  const f = (dtype: 'bf16' | 'fp8') => gemmBandwidthFraction(c, dtype);
  const hbm = c.gpu.hbmBytesPerSec;
  const fixed = (dtype: 'bf16' | 'fp8') => (4 * model.layers + 1) * c.gpu.kernels.gemm[dtype]!.fixedSec;
  const bounds = [weights / (hbm * f('bf16')) + fixed('bf16'), weights / (hbm * f('fp8')) + fixed('fp8')];
  const t = d.breakdown.gemmSec + d.breakdown.lmHeadSec;
  assert.ok(t >= Math.min(...bounds) * 0.98 && t <= Math.max(...bounds) * 1.02, `${t} within ${bounds}`);
});

test('decode grows with context (KV reads) and CP pads the batch to a multiple of its ranks', () => {
  const model = llama405b();
  const layout = resolveLayout({ nodes: 4 }, model, gtt());
  let prev = 0;
  for (const ctx of [8000, 64_000, 512_000]) {
    const t = estimateDecode(model, gtt(), layout, paperPrecision, w(ctx)).ttitSec;
    assert.ok(t > prev);
    prev = t;
  }
  assert.equal(estimateDecode(model, gtt(), layout, paperPrecision, w(8000, 1)).paddedBatch, 4);
  assert.equal(estimateDecode(model, gtt(), layout, paperPrecision, w(8000, 5)).paddedBatch, 8);
});

test('multi-node TP decode pays network AllReduces: TP16 halves weight reads but adds latency (tens of µs, not hundreds)', () => {
  const model = llama405b();
  const tp8 = estimateDecode(model, gtt(), resolveLayout({ nodes: 1 }, model, gtt()), paperPrecision, w(8000));
  const tp16 = estimateDecode(model, gtt(), resolveLayout({ nodes: 2, tp: 16 }, model, gtt()), paperPrecision, w(8000));
  assert.ok(tp16.breakdown.gemmSec < tp8.breakdown.gemmSec * 0.6);
  assert.ok(tp16.breakdown.tpCommSec > tp8.breakdown.tpCommSec, 'the network adds latency');
  assert.equal(tp8.tpAllReduce.algorithm, 'ring', 'a 32 KB all-reduce inside a node: ring LL');
  assert.equal(tp8.tpAllReduce.protocol, 'LL');
  assert.ok(tp16.tpAllReduce.sec > 10e-6 && tp16.tpAllReduce.sec < 100e-6, `${tp16.tpAllReduce.sec}`);
  assert.notEqual(tp16.tpAllReduce.algorithm, 'ring', 'across nodes at 32 KB a tree beats a flat ring of 30 steps');
});

test('DCP shards the duplicated KV: KV memory and KV reads divide by D, at the cost of two small collectives', () => {
  const model = builtinModel('llama3-70b').spec;
  const cluster = shipped('h100-ib');
  const plain = resolveLayout({ nodes: 2, tp: 16 }, model, cluster);
  const dcp = resolveLayout({ nodes: 2, tp: 16, dcp: 2 }, model, cluster);
  const m1 = memoryPerGpu(model, cluster, plain, bf16, w(1_000_000));
  const m2 = memoryPerGpu(model, cluster, dcp, bf16, w(1_000_000));
  assert.ok(Math.abs(m2.perGpu.kvCacheBytes * 2 - m1.perGpu.kvCacheBytes) <= m1.perGpu.kvCacheBytes * 1e-6);
  const d1 = estimateDecode(model, cluster, plain, bf16, w(1_000_000));
  const d2 = estimateDecode(model, cluster, dcp, bf16, w(1_000_000));
  // The KV read halves; each kernel's fixed cost does not.
  const fixed = cluster.engine.attentionKernelSec ?? cluster.gpu.kernels.decodeAttention[cluster.engine.decodeAttention]!.bf16!.fixedSec;
  const reads = (d: typeof d1) => d.breakdown.attentionSec - model.layers * fixed;
  assert.ok(Math.abs(reads(d2) * 2 - reads(d1)) < reads(d1) * 0.01);
  assert.equal(d1.breakdown.dcpCommSec, 0);
  assert.ok(d2.breakdown.dcpCommSec > 0);
});

test('DCP is refused where it cannot apply (vLLM: dcp divides TP and dcp <= TP / KV heads)', () => {
  const model = builtinModel('llama3-70b').spec; // 8 KV heads
  const cluster = shipped('h100-ib');
  assert.throws(
    () => resolveLayout({ nodes: 1, tp: 8, dcp: 8 }, model, cluster),
    (e: unknown) => e instanceof InputError && /not applicable/.test(e.message),
  );
  assert.throws(() => resolveLayout({ nodes: 2, tp: 16, dcp: 4 }, model, cluster), /must divide TP \/ KV heads = 2/);
  assert.throws(() => resolveLayout({ nodes: 4, tp: 32, dcp: 3 }, model, cluster), /must divide TP \/ KV heads = 4/);
  // Mistral Large 2 at TP24 duplicates each KV head 3 times: DCP2 groups would straddle two heads.
  assert.throws(() => resolveLayout({ nodes: 3, tp: 24, dcp: 2 }, builtinModel('mistral-large-2').spec, cluster), /must divide TP \/ KV heads = 3/);
});

test('KV capacity and max batch: the largest batch fits, one more does not', () => {
  const model = llama405b();
  const layout = resolveLayout({ nodes: 2 }, model, gtt());
  const m = memoryPerGpu(model, gtt(), layout, paperPrecision, w(128_000));
  assert.ok(m.maxBatch >= 1);
  assert.ok(memoryPerGpu(model, gtt(), layout, paperPrecision, w(128_000, m.maxBatch)).fits);
  assert.ok(!memoryPerGpu(model, gtt(), layout, paperPrecision, w(128_000, m.maxBatch + 1)).fits);
  // ~30 GB left per GPU after weights and reserve, at 64.5 KB per token.
  const free = 96e9 - m.perGpu.weightsBytes - m.perGpu.reserveBytes;
  assert.equal(m.kvCapacityTokensPerGpu, Math.floor(free / 64_512));
});

test('CP decode grows with N by a per-rank term (one kernel and one Q SendRecv), not by a per-rank bulk latency', () => {
  const model = llama405b();
  const ring = (n: number) => estimateDecode(model, gtt(), resolveLayout({ nodes: n }, model, gtt()), paperPrecision, w(128_000)).ring;
  const perLayer = (n: number) => {
    const r = ring(n);
    return r.attentionSec + r.sendRecvSec + r.allToAllSec + r.mergeSec + r.fixedSec;
  };
  for (const n of [2, 4, 8, 16]) {
    const r = ring(n);
    // N kernels of a padded query chunk each, N-1 Q SendRecvs, the All2All once, the fixed cost once.
    assert.ok(Math.abs(r.attentionSec - n * r.kernelSec) < 1e-15, `N kernels at CP${n}`);
    assert.ok(Math.abs(r.sendRecvSec - (n - 1) * r.qSendRecvSec) < 1e-15, `N-1 SendRecvs at CP${n}`);
    assert.equal(r.fixedSec, gtt().engine.cpDecodeLayerSec);
    assert.equal(r.sendRecv!.protocol, 'LL', 'a decode Q message is small: NCCL LL');
    assert.ok(r.qSendRecvSec < 60e-6, `a latency-bound SendRecv of tens of µs, not a bulk one: ${r.qSendRecvSec}`);
  }
  // The All2All is posted to every peer at once: CP16's costs about what CP2's does, not 15 latencies.
  assert.ok(ring(16).allToAllSec < 1.5 * ring(2).allToAllSec, `${ring(16).allToAllSec} vs ${ring(2).allToAllSec}`);
  // From CP8 to CP16 each added rank adds about one kernel floor plus one Q SendRecv per layer.
  const step = (perLayer(16) - perLayer(8)) / 8;
  const r16 = ring(16);
  const expected = gtt().engine.attentionKernelSec! + r16.qSendRecvSec;
  assert.ok(Math.abs(step / expected - 1) < 0.25, `per added rank ${step * 1e6} µs vs ${expected * 1e6} µs`);
});
