import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { resolveLayout } from '../../src/model/layout.js';
import { estimatePrefill } from '../../src/model/prefill.js';
import { sweep, sweepGrid, type SweepDim } from '../../src/planning/sweep.js';
import { chartData } from '../../src/render/sweep-chart.js';
import { svgChart } from '../../src/render/svg-chart.js';
import { parsePositiveInt, parseRate, parseSweepValues, parseTokenCount } from '../../src/units.js';
import { gtt, llama405b, paperPrecision, sweepGridOf as grid } from './specs.js';

const run = (v: Partial<Record<SweepDim, number[]>>, forced?: 'pass-kv' | 'pass-q') => sweep(llama405b(), gtt(), paperPrecision, sweepGrid(grid(v)), forced);

test('sweepGrid: every combination, the first dimension varying slowest', () => {
  const points = sweepGrid(grid({ nodes: [1, 2], ctx: [10, 20, 30] }));
  assert.deepEqual(
    points.map((p) => [p.nodes, p.ctx]),
    [
      [1, 10],
      [1, 20],
      [1, 30],
      [2, 10],
      [2, 20],
      [2, 30],
    ],
  );
  const mixed = sweepGrid(grid({ ctx: [8, 16], missRate: [0.1, 0.2], tp: [4, 8] }));
  assert.equal(mixed.length, 8);
  assert.deepEqual(
    mixed.slice(0, 3).map((p) => [p.ctx, p.missRate, p.tp]),
    [
      [8, 0.1, 4],
      [8, 0.1, 8],
      [8, 0.2, 4],
    ],
  );
  assert.deepEqual(mixed[mixed.length - 1], { nodes: 1, ctx: 16, missRate: 0.2, batch: 1, tp: 8 });
  // No TP values: one point per combination, TP left to the layout default.
  const noTp = sweepGrid(grid({ batch: [1, 2, 4] }));
  assert.equal(noTp.length, 3);
  assert.ok(noTp.every((p) => p.tp === undefined));
});

test('sweep: CP1 rows have passKv == passQ; CP>1 rows pick the faster variant', () => {
  const { rows, skipped } = run({ nodes: [1, 2, 4, 8], missRate: [1, 0.025] });
  assert.equal(skipped.length, 0);
  assert.equal(rows.length, 8);
  for (const r of rows) {
    if (r.cp === 1) {
      assert.equal(r.passKvTtftSec, r.passQTtftSec, `nodes ${r.nodes}`);
      assert.equal(r.variant, 'pass-kv');
    } else {
      assert.equal(r.ttftSec, Math.min(r.passKvTtftSec, r.passQTtftSec));
      assert.equal(r.variant, r.passQTtftSec < r.passKvTtftSec ? 'pass-q' : 'pass-kv');
    }
    assert.equal(r.gpus, r.nodes * 8);
    assert.equal(r.cp * r.tpUsed, r.gpus);
    assert.equal(r.cachedTokens, r.ctx - Math.max(1, Math.round(r.ctx * r.missRate)));
    assert.ok(r.ttftSec > 0 && r.ttitSec > 0 && r.tokensPerSec > 0 && r.memoryBytes > 0);
  }
  // The paper's finding: at a 2.5% miss rate pass-Q wins on 4 nodes; at a full prefill pass-KV does.
  const at = (nodes: number, missRate: number) => rows.find((r) => r.nodes === nodes && r.missRate === missRate)!;
  assert.equal(at(4, 0.025).variant, 'pass-q');
  assert.equal(at(4, 1).variant, 'pass-kv');
});

test('sweep values agree with the model for the same layout and workload', () => {
  const [row] = run({ nodes: [4], ctx: [128_000], missRate: [0.1] }).rows;
  const layout = resolveLayout({ nodes: 4 }, llama405b(), gtt());
  const workload = { contextTokens: 128_000, cachedTokens: 115_200, batch: 1 };
  assert.equal(row!.passKvTtftSec, estimatePrefill(llama405b(), gtt(), layout, paperPrecision, workload, 'pass-kv').ttftSec);
  assert.equal(row!.passQTtftSec, estimatePrefill(llama405b(), gtt(), layout, paperPrecision, workload, 'pass-q').ttftSec);
});

test('sweep: a forced variant is reported even when slower', () => {
  const [kv] = run({ nodes: [4], missRate: [0.025] }, 'pass-kv').rows;
  const [q] = run({ nodes: [4], missRate: [1] }, 'pass-q').rows;
  assert.equal(kv!.variant, 'pass-kv');
  assert.equal(kv!.ttftSec, kv!.passKvTtftSec);
  assert.equal(q!.variant, 'pass-q');
  assert.equal(q!.ttftSec, q!.passQTtftSec);
});

test('sweep: invalid TP points and too few new tokens for the ring are skipped with a reason', () => {
  const { rows, skipped } = run({ nodes: [1], tp: [1, 2, 3, 4, 5, 8] });
  assert.deepEqual(
    rows.map((r) => r.tpUsed),
    [1, 2, 4, 8],
  );
  assert.deepEqual(
    skipped.map((s) => s.point.tp),
    [3, 5],
  );
  for (const s of skipped) assert.match(s.reason, new RegExp(`^--tp ${s.point.tp}: does not divide the 8 GPUs`));
  // 1,000 tokens at a 0.1% miss rate: one new token cannot be split over a CP2 ring.
  const few = run({ nodes: [1, 2], ctx: [1000], missRate: [0.001] });
  assert.deepEqual(
    few.rows.map((r) => r.nodes),
    [1],
  );
  assert.equal(few.skipped.length, 1);
  assert.match(few.skipped[0]!.reason, /^CP2 needs at least 2 new tokens/);
});

test('sweep: memory fit follows the context (1M does not fit on one node, does on 16)', () => {
  const { rows } = run({ nodes: [1, 16], ctx: [1_000_000] });
  assert.deepEqual(
    rows.map((r) => r.fits),
    [false, true],
  );
  assert.ok(rows[1]!.ttftSec < rows[0]!.ttftSec);
});

test('chart data: one swept quantity gives pass-KV and pass-Q series; two give one series per value', () => {
  const one = chartData(run({ nodes: [1, 2, 4] }).rows, ['nodes'], 'ttft');
  assert.deepEqual(
    one.series.map((s) => s.name),
    ['pass-KV', 'pass-Q'],
  );
  assert.deepEqual(one.x, [1, 2, 4]);
  assert.equal(one.series[0]!.values[0], one.series[1]!.values[0], 'CP1: the two series meet');
  const two = chartData(run({ nodes: [2, 4], ctx: [128_000, 1_000_000] }).rows, ['nodes', 'ctx'], 'ttit');
  assert.equal(two.series.length, 2);
  assert.ok(two.series.every((s) => s.values.length === 2 && s.values.every((v) => v > 0)));
  const svg = svgChart(one);
  assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'));
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.equal(svgChart(one), svg, 'deterministic');
});

test('parseSweepValues: lists, ranges, steps and percentages', () => {
  assert.deepEqual(parseSweepValues('4', '--nodes', parsePositiveInt), [4]);
  assert.deepEqual(parseSweepValues('1,2,4', '--nodes', parsePositiveInt), [1, 2, 4]);
  assert.deepEqual(parseSweepValues('1..5', '--nodes', parsePositiveInt), [1, 2, 3, 4, 5]);
  assert.deepEqual(parseSweepValues('1..32:8', '--nodes', parsePositiveInt), [1, 9, 17, 25]);
  assert.equal(parseSweepValues('1..32', '--nodes', parsePositiveInt).length, 32);
  assert.deepEqual(parseSweepValues('8K,128K,1M', '--ctx', parseTokenCount), [8000, 128_000, 1_000_000]);
  assert.deepEqual(parseSweepValues('128K..512K:128K', '--ctx', parseTokenCount), [128_000, 256_000, 384_000, 512_000]);
  const pct = parseSweepValues('1%..50%', '--miss-rate', parseRate);
  assert.equal(pct.length, 50);
  assert.equal(pct[0], 0.01);
  assert.equal(pct[2], 0.03, 'no floating-point drift');
  assert.equal(pct[49], 0.5);
  assert.deepEqual(parseSweepValues('1%..10%:3%', '--miss-rate', parseRate), [0.01, 0.04, 0.07, 0.1]);
  assert.deepEqual(parseSweepValues('10%..50%:0.1', '--miss-rate', parseRate), [0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.deepEqual(parseSweepValues('2.5%,5%,0.1', '--miss-rate', parseRate), [0.025, 0.05, 0.1]);
});

test('parseSweepValues: malformed specs are input errors naming the flag', () => {
  const bad: [string, (s: string, f: string) => number, RegExp][] = [
    ['5..1', parsePositiveInt, /not an increasing range/],
    ['1..1', parsePositiveInt, /not an increasing range/],
    ['1..x', parsePositiveInt, /'x' is not a positive whole number/],
    ['0..4', parsePositiveInt, /at least 1/],
    ['1..', parsePositiveInt, /not a positive whole number/],
    ['..4', parsePositiveInt, /not a positive whole number/],
    ['1..4:0', parsePositiveInt, /at least 1/],
    ['1..3..5', parsePositiveInt, /not a range/],
    ['1,2..4', parsePositiveInt, /not a range/],
    ['1,,2', parsePositiveInt, /not a positive whole number/],
    ['1,2,1', parsePositiveInt, /repeats a value/],
    ['1..20000', parsePositiveInt, /has 20000 values; at most 10000/],
    ['1Mb', parseTokenCount, /not a token count/],
    ['8K..1M', parseTokenCount, /at most 10000/],
    ['1%..x%', parseRate, /not a rate/],
    ['50%..10%', parseRate, /not an increasing range/],
  ];
  for (const [text, parse, message] of bad) {
    assert.throws(
      () => parseSweepValues(text, '--flag', parse),
      (e: unknown) => e instanceof InputError && e.message.startsWith('--flag: ') && message.test(e.message),
      text,
    );
  }
});

// Regressions: these specs once swept fewer values than written, silently.
test('parseSweepValues: a range narrower than its default step is not silently one value', () => {
  for (const text of ['0.01..0.5', '0.1%..0.5%']) {
    let values: number[] | undefined;
    try {
      values = parseSweepValues(text, '--miss-rate', parseRate);
    } catch (e) {
      assert.ok(e instanceof InputError, text);
    }
    assert.ok(values === undefined || values.length > 1, `${text} -> ${JSON.stringify(values)}`);
  }
});

test('parseSweepValues: a second step (1..5:2:3) is an error', () => {
  assert.throws(() => parseSweepValues('1..5:2:3', '--nodes', parsePositiveInt), InputError);
});
