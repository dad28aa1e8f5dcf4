// Kernel efficiency from the GPUs' measured tables (src/model/hardware/kernels.ts, presets/kernels/), the
// engines' kernel choices, precisions and provenance: closed forms on synthetic tables, and the invariants
// issue 13 names on the shipped presets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimate } from '../../src/model/estimate.js';
import {
  attentionFlopsPerSec,
  decodeAttentionSec,
  familyUsed,
  gemmBandwidthFraction,
  gemmComputeFraction,
  gemmSec,
  interpolate,
} from '../../src/model/hardware/kernels.js';
import { BYTES_PER_ELEMENT, computeDtype } from '../../src/model/precision.js';
import { termProvenance, transferredTerms } from '../../src/model/provenance.js';
import { weightBytesPerGpu } from '../../src/model/shapes.js';
import { resolveLayout } from '../../src/model/layout.js';
import type { ClusterSpec } from '../../src/model/types.js';
import { builtinEngine, builtinGpu, builtinModel, builtinNames } from '../../src/presets/catalog.js';
import { decodeKernelFit } from '../../src/presets/convert.js';
import { roundCluster, shipped } from './specs.js';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('curves', () => {
  test('interpolation is linear in log(x), exact at the points, flat beyond the ends', () => {
    const c = [
      [10, 0.2],
      [1000, 0.6],
    ] as const;
    close(interpolate(c, 10), 0.2);
    close(interpolate(c, 100), 0.4, 1e-12, 'geometric middle');
    close(interpolate(c, 1), 0.2);
    close(interpolate(c, 1e6), 0.6);
  });

  test('a decode table is fitted as a fixed cost plus bytes at a fraction of the bandwidth', () => {
    // Points generated from 12 us + bytes / (0.9 x 3 TB/s): the fit recovers both.
    const bw = 3e12;
    const points = [1e4, 1e6, 1e7, 1e8, 1e9].map((x) => [x, x / ((12e-6 + x / (0.9 * bw)) * bw)] as const);
    const fit = decodeKernelFit(points, bw);
    close(fit.fixedSec, 12e-6, 1e-6, 'fixed');
    close(fit.bandwidthFraction, 0.9, 1e-6, 'fraction');
  });
});

describe('GEMMs: a fixed cost per call plus the slower of compute and the weight read', () => {
  test('on an ideal GPU a GEMM takes exactly its roofline: max(FLOPs / peak, weight bytes / HBM)', () => {
    const c = roundCluster();
    // M = 1: 2 x 1e9 FLOPs at 1 PFLOP/s = 2 us; 2 GB of BF16 weights at 1 TB/s = 2 ms: bandwidth-bound.
    close(gemmSec(2e9, 2e9, 1, 'bf16', c), 2e-3);
    // M = 4096: 8.2e12 FLOPs = 8.2 ms against 2 ms of reads: compute-bound.
    close(gemmSec(2 * 4096 * 1e9, 2e9, 4096, 'bf16', c), 8.192e-3);
  });

  test('the fixed cost is paid per call; the calibration scales the compute and the bandwidth fractions', () => {
    const base = roundCluster();
    const fixed = { ...base.gpu.kernels.gemm.bf16!, fixedSec: 5e-6 };
    const gpu = { ...base.gpu, kernels: { ...base.gpu.kernels, gemm: { ...base.gpu.kernels.gemm, bf16: fixed } } };
    const c = roundCluster({ gpu, scales: { engine: 'x', gemmScale: 0.5, gemmBandwidthScale: 0.8, attentionScale: 1, decodeAttentionScale: 1 } });
    close(gemmComputeFraction(c, 'bf16', 1e6), 0.5);
    close(gemmBandwidthFraction(c, 'bf16'), 0.8);
    // Bandwidth-bound: 3 calls x 5 us + 2 GB / (1 TB/s x 0.8).
    close(gemmSec(2e9, 2e9, 1, 'bf16', c, undefined, 3), 15e-6 + 2.5e-3);
    // Compute-bound: 1 call x 5 us + 8.192e12 FLOPs / (1 PFLOP/s x 0.5).
    close(gemmSec(2 * 4096 * 1e9, 2e9, 4096, 'bf16', c), 5e-6 + 16.384e-3);
  });

  test('H100 (measured tables): FP8 GEMMs are at most 2x BF16, and their edge shrinks at small M', () => {
    const h100 = shipped('h100-ib');
    const n = 8192 * 8192;
    const speedup = (m: number) => gemmSec(2 * m * n, 2 * n, m, 'bf16', h100, n) / gemmSec(2 * m * n, n, m, 'fp8', h100, n);
    for (const m of [1, 16, 256, 1024, 8192]) assert.ok(speedup(m) <= 2, `FP8 speed-up ${speedup(m)} at M=${m}`);
    // At M = 1 both read their weights; FP8 reads half as many bytes but quantises its activations first.
    assert.ok(speedup(1) < 2 && speedup(1) > 1, `${speedup(1)}`);
  });

  test('at M = 1 the measured tables reproduce a fixed cost plus a weight read (H100 BF16 table)', () => {
    const h100 = shipped('h100-ib');
    const t = h100.gpu.kernels.gemm.bf16!;
    const n = 8192 * 8192;
    close(gemmSec(2 * n, 2 * n, 1, 'bf16', h100, n), t.fixedSec + (2 * n) / (h100.gpu.hbmBytesPerSec * t.bandwidthFraction));
  });

  test('4-bit weights read faster at small M but keep the fixed cost, whatever table computes them', () => {
    // Review finding: a fraction of the roofline read at another byte width shrank the fixed cost with the roofline.
    const n = 8192 * 8192;
    for (const name of ['h100-ib', 'b200-ib']) {
      const c = shipped(name);
      const at = (bytesPerWeight: number, dtype: 'bf16' | 'fp8' | 'fp4') => gemmSec(2 * n, n * bytesPerWeight, 1, dtype, c, n);
      const w4a16 = at(BYTES_PER_ELEMENT.int4, 'bf16');
      const bf16 = at(2, 'bf16');
      assert.ok(w4a16 > c.gpu.kernels.gemm.bf16!.fixedSec, `${name}: W4A16 keeps the BF16 call's fixed cost`);
      assert.ok(w4a16 > bf16 / 4 && w4a16 < bf16 / 2, `${name}: W4A16 ${w4a16} vs BF16 ${bf16}`);
    }
  });

  test('native NVFP4 on B200: the measured small-M floor (a tile of rows computed whatever M), and 4x BF16 at large M', () => {
    const b200 = shipped('b200-ib');
    const n = 8192 * 8192;
    const fp4 = (m: number) => gemmSec(2 * m * n, n * BYTES_PER_ELEMENT.nvfp4, m, 'fp4', b200, n);
    const bf16 = (m: number) => gemmSec(2 * m * n, n * 2, m, 'bf16', b200, n);
    // The table's compute fraction grows in proportion to M below ~512 rows: the time is flat there.
    close(fp4(1), fp4(64), 0.02);
    assert.ok(fp4(8192) < bf16(8192) / 2, `${fp4(8192)} vs ${bf16(8192)}`);
  });

  test('larger weights run closer to the peak at mid M (FP8 on H100, by-size tables)', () => {
    const h100 = shipped('h100-ib');
    assert.ok(gemmComputeFraction(h100, 'fp8', 1024, 2 ** 28) > gemmComputeFraction(h100, 'fp8', 1024, 2 ** 25));
  });

  test('4-bit weights: NVFP4 is 4 bits plus one FP8 scale per 16; FP4 tensor cores only where the GPU has them', () => {
    assert.equal(BYTES_PER_ELEMENT.nvfp4 / BYTES_PER_ELEMENT.fp8, 0.5625);
    assert.equal(BYTES_PER_ELEMENT.mxfp4, 0.53125);
    const model = builtinModel('llama3-70b').spec;
    const layout = resolveLayout({ gpus: 8 }, model, shipped('h100-ib'));
    const w = (r: 'bf16' | 'fp8' | 'nvfp4') => weightBytesPerGpu(model, layout, r);
    // BF16 and FP8 differ by one byte per linear-layer weight; embeddings and norms stay BF16 in every recipe.
    const linear = w('bf16') - w('fp8');
    const rest = w('fp8') - linear;
    close(w('nvfp4'), rest + 0.5625 * linear, 1e-9, 'NVFP4: 0.5625 of the FP8 bytes of every linear weight');
    assert.equal(computeDtype(builtinGpu('b200-sxm').spec, 'nvfp4'), 'fp4');
    assert.equal(computeDtype(builtinGpu('h100-sxm').spec, 'nvfp4'), 'bf16', 'Hopper dequantises NVFP4 (W4A16)');
    assert.equal(computeDtype(builtinGpu('h100-sxm').spec, 'int4'), 'bf16');
    assert.equal(computeDtype(builtinGpu('a100-sxm').spec, 'fp8'), 'bf16');
  });
});

describe('attention', () => {
  test('on Hopper an FA2 engine prefills slower than an FA3 one', () => {
    const fa3 = shipped('h100-ib', 'vllm');
    const fa2: ClusterSpec = { ...fa3, engine: { ...fa3.engine, prefillAttention: 'fa2' } };
    assert.equal(familyUsed(fa2, 'attention', 'bf16'), 'fa2');
    for (const len of [1024, 8192, 65536]) assert.ok(attentionFlopsPerSec(fa2, 'bf16', len, len) < attentionFlopsPerSec(fa3, 'bf16', len, len), `${len}`);
    const model = builtinModel('llama3-70b').spec;
    const run = (c: ClusterSpec) =>
      estimate({
        model,
        cluster: c,
        precision: { weights: 'fp8', kvDtype: 'bf16' },
        layout: { gpus: 8 },
        workload: { contextTokens: 128_000, cachedTokens: 0, batch: 1 },
        variant: 'auto',
      });
    assert.ok(run(fa2).prefill.breakdown.attentionSec > 1.5 * run(fa3).prefill.breakdown.attentionSec);
  });

  test('a kernel the GPU has no table for falls back to one it has, and the provenance says transferred', () => {
    const mi = shipped('mi300x-roce', 'vllm'); // vLLM's Triton attention; the table (transferred from H100) has none
    assert.notEqual(familyUsed(mi, 'attention', 'bf16'), 'triton');
    const p = termProvenance(mi).find((t) => t.term === 'prefill attention efficiency')!;
    assert.equal(p.provenance, 'transferred');
  });

  test("decode attention: the engine's fixed cost replaces the table's when it states one", () => {
    const vllm = shipped('h100-ib', 'vllm');
    const meta: ClusterSpec = { ...vllm, engine: { ...vllm.engine, attentionKernelSec: 1e-6 } };
    const bytes = 64e6;
    const table = vllm.gpu.kernels.decodeAttention.fa3!.bf16!;
    close(decodeAttentionSec(vllm, 'bf16', bytes), table.fixedSec + bytes / (vllm.gpu.hbmBytesPerSec * table.bandwidthFraction));
    close(decodeAttentionSec(meta, 'bf16', bytes), 1e-6 + bytes / (vllm.gpu.hbmBytesPerSec * table.bandwidthFraction));
  });

  test('FP8 attention needs FP8 tensor cores, an engine that runs it, and an FP8 KV cache', () => {
    const model = builtinModel('llama3-70b').spec;
    const run = (c: ClusterSpec, kvDtype: 'bf16' | 'fp8') =>
      estimate({
        model,
        cluster: c,
        precision: { weights: 'fp8', kvDtype, attentionDtype: 'fp8' },
        layout: { gpus: 8 },
        workload: { contextTokens: 32_000, cachedTokens: 0, batch: 1 },
        variant: 'auto',
      });
    assert.throws(() => run(shipped('h100-ib'), 'bf16'), /add --kv-dtype fp8/);
    assert.throws(() => run(shipped('a100-ib'), 'fp8'), /no FP8 tensor cores/);
    assert.throws(() => run(shipped('gtt'), 'fp8'), /engine 'meta-cp' runs no FP8 attention/);
    const fp8 = run(shipped('h100-ib'), 'fp8').prefill.breakdown.attentionSec;
    const bf16 = estimate({
      model,
      cluster: shipped('h100-ib'),
      precision: { weights: 'fp8', kvDtype: 'fp8' },
      layout: { gpus: 8 },
      workload: { contextTokens: 32_000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    }).prefill.breakdown.attentionSec;
    assert.ok(fp8 < bf16, `FP8 attention ${fp8} vs BF16 ${bf16}`);
  });
});

describe('engines and provenance', () => {
  test('every engine runs on the GPU generations it lists, and every shipped cluster deploys its default engine', () => {
    for (const name of builtinNames('cluster')) {
      const c = shipped(name);
      assert.ok(c.engine.name.length > 0, name);
    }
    assert.throws(() => shipped('mi300x-roce', 'trtllm'), /--engine trtllm: runs on .* not on .*cdna3/);
  });

  test('no transferred term goes unmarked: every transferred or assumed constant that is used is in the warning', () => {
    for (const name of builtinNames('cluster')) {
      for (const engine of builtinNames('engine')) {
        let c: ClusterSpec;
        try {
          c = shipped(name, engine);
        } catch {
          continue; // the engine does not run on this GPU
        }
        const warning = transferredTerms(c).join('; ');
        for (const t of termProvenance(c)) {
          if ((t.provenance === 'transferred' || t.provenance === 'assumed') && !t.inert) {
            assert.ok(warning.includes(t.term), `${name} with ${engine}: ${t.term} (${t.provenance}) missing from the warning`);
          }
        }
      }
    }
  });

  test("the paper's stack on gtt: GEMM and prefill attention are fitted there, meta-cp's constants too", () => {
    const p = Object.fromEntries(termProvenance(shipped('gtt')).map((t) => [t.term, t.provenance]));
    assert.equal(p['GEMM efficiency'], 'fitted');
    assert.equal(p['prefill attention efficiency'], 'fitted');
    assert.equal(p['serial time per context token'], 'fitted');
    // On another cluster the same engine's fitted constants are transferred.
    const elsewhere = Object.fromEntries(termProvenance(shipped('h100-ib', 'meta-cp')).map((t) => [t.term, t.provenance]));
    assert.equal(elsewhere['serial time per context token'], 'transferred');
    assert.equal(builtinEngine('meta-cp').preset.fittedOn?.includes('gtt'), true);
  });

  // Review 13, P1.2 and P1.3: provenance flags that lied.
  const provOf = (c: ClusterSpec) => Object.fromEntries(termProvenance(c).map((t) => [t.term, t]));

  test('a kernel family the table lacks is transferred, and the detail names the curve read', () => {
    const p = provOf(shipped('a100-ib', 'sglang')); // SGLang runs FlashInfer; the A100 table has FA2 only
    assert.equal(p['prefill attention efficiency']!.provenance, 'transferred');
    assert.match(p['prefill attention efficiency']!.detail, /flashinfer \(not in the table: fa2's curve\)/);
    assert.equal(p['decode attention bandwidth']!.provenance, 'transferred');
    // Where the table has the engine's kernel, measured.
    assert.equal(provOf(shipped('h100-ib', 'vllm'))['prefill attention efficiency']!.provenance, 'measured');
  });

  test("a transferred calibration marks the kernel terms transferred (gti borrows gtt's fit)", () => {
    const p = provOf(shipped('gti'));
    assert.equal(p['GEMM efficiency']!.provenance, 'transferred');
    assert.equal(p['prefill attention efficiency']!.provenance, 'transferred');
    assert.equal(p['network measured latency and fill']!.provenance, 'assumed', "gti's TCP latency is an assumption");
  });

  test('a constant measured on one GPU is transferred on another; table fixed costs carry the table provenance', () => {
    assert.equal(provOf(shipped('b200-ib', 'trtllm'))['decode fixed cost per step']!.provenance, 'measured');
    assert.equal(provOf(shipped('h100-ib', 'trtllm'))['decode fixed cost per step']!.provenance, 'transferred');
    assert.equal(provOf(shipped('h100-ib', 'vllm'))['runtime memory reserve']!.provenance, 'measured');
    assert.equal(provOf(shipped('mi300x-roce', 'vllm'))['runtime memory reserve']!.provenance, 'transferred');
    assert.equal(provOf(shipped('l40s-pcie', 'sglang'))['usable share of HBM']!.provenance, 'transferred');
    assert.equal(provOf(shipped('mi300x-roce', 'vllm'))['attention kernel fixed cost']!.provenance, 'transferred');
    assert.equal(provOf(shipped('h100-ib', 'vllm'))['attention kernel fixed cost']!.provenance, 'measured');
    assert.equal(provOf(shipped('gtt'))['GPU peaks and HBM']!.provenance, 'assumed', "h100-gtt: the paper's figures, FP8 assumed");
    assert.equal(provOf(shipped('h100-ib'))['GPU peaks and HBM']!.provenance, 'datasheet');
  });

  test('only a calibrated cluster warns about leaving its calibrated range (review 13, P1.4)', () => {
    const model = builtinModel('llama3-70b').spec;
    const run = (c: ClusterSpec) =>
      estimate({
        model,
        cluster: c,
        precision: { weights: 'fp8', kvDtype: 'bf16' },
        layout: { nodes: 32 },
        workload: { contextTokens: 2_000_000, cachedTokens: 0, batch: 1 },
        variant: 'auto',
      });
    assert.ok(!run(shipped('h100-ib')).warnings.some((w) => w.includes('calibrated')), 'h100-ib has no calibration');
    assert.ok(run(shipped('gtt')).warnings.some((w) => w.includes('extrapolates the calibrated model')));
    for (const name of builtinNames('cluster')) {
      const c = shipped(name);
      assert.equal(c.calibratedRange !== null, c.scales.engine !== null, `${name}: a calibrated range only with a calibration`);
    }
  });
});
