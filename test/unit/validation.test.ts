// Every measurement of arXiv:2411.01783v3 that cp-plan ships (validation/paper-measurements.yaml),
// scored by validate(), the code path of `cp-plan validate` and `cp-plan estimate`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictSec, targetsOf } from '../../src/calibration/predict.js';
import { estimate } from '../../src/model/estimate.js';
import { validate } from '../../src/validation/report.js';
import { estimatePartial, gtt, llama405b, paperData, paperPrecision } from './specs.js';

const { data, inputs } = paperData();
const report = validate(data.measurements, data.ringIterations ?? [], inputs);

/**
 * Known misses of the ±10% bound, each with why (README "Accuracy" reports them): the test still runs and
 * prints its error, as a TODO, and fails if the case drifts beyond 11%.
 */
// Cases allowed past 10% while a named issue is open (a todo while they miss); none at present.
const KNOWN_MISSES: Record<string, string> = {};

for (const c of report.cases) {
  const known = KNOWN_MISSES[`${c.name} ${c.variant}`];
  test(
    `${c.group} ${c.name} ${c.variant} (${c.ref}, ${c.role}): ${c.measuredMs} ms measured, within 10%`,
    known && Math.abs(c.error) > 0.1 ? { todo: known } : {},
    () => {
      assert.ok(Math.abs(c.error) <= (known ? 0.11 : 0.1), `predicted ${c.predictedMs.toFixed(2)} ms, error ${(c.error * 100).toFixed(1)}%`);
    },
  );
}

test('issue 4 gates: overall MAPE <= 8%, no case worse than 15%', () => {
  assert.ok(report.overall.mape <= 0.08, `${report.overall.mape}`);
  assert.ok(report.overall.maxAbsError <= 0.15, `${report.overall.maxAbsError}`);
});

test('every group is covered: full prefill, partial prefill for both variants, decode', () => {
  assert.ok(report.byGroup['full-prefill'].count >= 6);
  assert.ok(report.byGroup['partial-prefill'].count >= 12);
  assert.ok(report.byGroup.decode.count >= 5);
  assert.ok(report.cases.some((c) => c.group === 'partial-prefill' && c.variant === 'pass-q'));
});

test('honest split: at least a third held out, and held-out MAPE within 1.5x the fitted MAPE', () => {
  assert.ok(report.byRole['held-out'].count * 3 >= report.cases.length);
  assert.ok(report.byRole['held-out'].mape <= 1.5 * report.byRole.fit.mape, `${report.byRole['held-out'].mape} vs ${report.byRole.fit.mape}`);
});

test('Table 4: auto picks the variant the paper measured faster wherever they differ by more than 2%', () => {
  const scored = report.decisions.filter((d) => d.scored);
  assert.ok(scored.length >= 6);
  for (const d of scored) assert.ok(d.correct, `${d.name}: measured ${d.measuredFaster}, cp-plan ${d.chosen}`);
});

test('Table 5: ring-iteration components within a factor of 1.5, in the measured order', () => {
  for (const c of report.ringIterations) {
    const ratio = c.predictedUs / c.measuredUs;
    assert.ok(ratio >= 1 / 1.5 && ratio <= 1.5, `${c.name} ${c.component}: ${c.predictedUs.toFixed(0)} vs ${c.measuredUs} us`);
  }
  // Every pair of one iteration that the paper measured more than 5% apart keeps its order.
  for (const name of new Set(report.ringIterations.map((c) => c.name))) {
    const parts = report.ringIterations.filter((c) => c.name === name);
    for (const a of parts)
      for (const b of parts)
        if (a !== b && a.measuredUs > b.measuredUs * 1.05) assert.ok(a.predictedUs > b.predictedUs, `${name}: ${a.component} > ${b.component}`);
  }
});

test("calibrate's fast predictor gives exactly what estimate() gives, on every paper case", () => {
  for (const t of targetsOf(data.measurements)) {
    const m = t.measurement;
    const r = estimate({
      ...inputs,
      layout: { nodes: m.nodes, tp: m.tp, cp: m.cp },
      workload: { contextTokens: m.contextTokens, cachedTokens: m.cachedTokens, batch: m.batch },
      variant: m.variant,
    });
    const viaEstimate = t.metric === 'ttft' ? r.prefill.ttftSec : r.decode.ttitSec;
    assert.equal(predictSec(t, inputs, inputs.cluster), viaEstimate, `${m.name} ${t.metric}`);
  }
});

test('Table 4: the predicted crossover lies between the rows where the measured winner flips', () => {
  // Measured: pass-Q wins at T=1280 (1.0% miss rate), pass-KV at T=25600 (20%); near-tie at 5%.
  const c = estimatePartial({ cached: 64000, new: 64000 }).crossover;
  assert.ok(c.missRate !== null && c.missRate > 0.01 && c.missRate < 0.2, `${c.missRate}`);
  assert.equal(c.below, 'pass-q');
  assert.equal(c.above, 'pass-kv');
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
