// Every full-prefill measurement of arXiv:2411.01783v3 that cp-plan keeps in
// validation/paper-measurements.yaml, predicted with the gtt preset within 10%.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimate } from '../../src/model/estimate.js';
import { gtt, llama405b, paperFullPrefillCases, paperPrecision, predictFullPrefillMs } from './specs.js';

const cases = paperFullPrefillCases();
const TOLERANCE = 0.1;

for (const c of cases) {
  test(`full prefill TP${c.tp} CP${c.cp} ${c.context} tokens: ${c.ttft_ms} ms measured (${c.ref}, ${c.role}) within 10%`, () => {
    const predicted = predictFullPrefillMs(c);
    const error = predicted / c.ttft_ms - 1;
    assert.ok(Math.abs(error) <= TOLERANCE, `predicted ${predicted.toFixed(0)} ms, error ${(error * 100).toFixed(1)}%`);
  });
}

test('held-out cases are at least a third of the full-prefill data', () => {
  const held = cases.filter((c) => c.role === 'held-out').length;
  assert.ok(held * 3 >= cases.length);
});

test('1M on CP16 achieves about the 502 TF/s per GPU the paper reports (App. A), within 5%', () => {
  const r = estimate({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    layout: { nodes: 16 },
    workload: { contextTokens: 1_000_000, cachedTokens: 0, batch: 1 },
    variant: 'auto',
  });
  const tflops = r.prefill.achievedFlopsPerSecPerGpu / 1e12;
  assert.ok(Math.abs(tflops / 502 - 1) < 0.05, `${tflops.toFixed(0)} TF/s`);
  // The paper's FLOP count: 4.9e18 (2*W*T GEMMs + causal attention).
  assert.ok(Math.abs(r.prefill.flops.total / 4.9e18 - 1) < 0.02, `${r.prefill.flops.total}`);
});
