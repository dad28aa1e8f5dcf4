// The chart renderers: round ticks, log scale, marks for points that do not fit or miss an SLO,
// reference lines, and the terminal chart's width, glyphs and labelled axes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gtt, llama405b, paperPrecision, sweepGridOf as grid } from './specs.js';
import { logTicks, niceTicks } from '../../src/render/chart-scale.js';
import { chartData, chartOptions, type ChartData } from '../../src/render/sweep-chart.js';
import { svgChart } from '../../src/render/svg-chart.js';
import { terminalChart } from '../../src/render/terminal-chart.js';
import { sweep, sweepGrid, type SweepDim } from '../../src/planning/sweep.js';
import { usableHbmBytes } from '../../src/model/memory.js';

const rowsOf = (v: Partial<Record<SweepDim, number[]>>) => sweep(llama405b(), gtt(), paperPrecision, sweepGrid(grid(v))).rows;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
/** README's chart: TTFT against 1..32 nodes for three contexts; 512K and 1M do not fit on the fewest nodes. */
const readme = () => chartData(rowsOf({ nodes: range(1, 32), ctx: [128_000, 512_000, 1_000_000] }), ['nodes', 'ctx'], 'ttft', 'Llama 3.1 405B on gtt');

test('niceTicks: round steps, five to eight ticks where the range allows', () => {
  assert.deepEqual(niceTicks(0, 1091), [0, 200, 400, 600, 800, 1000, 1200]);
  assert.deepEqual(niceTicks(1, 32, { cover: false, integer: true }), [5, 10, 15, 20, 25, 30]);
  assert.deepEqual(niceTicks(1, 8, { cover: false, integer: true }), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(niceTicks(0.84, 2.41), [0.5, 1, 1.5, 2, 2.5], 'not 0.84, 0.97, 1.10 ...');
  for (const [lo, hi] of [
    [0, 28.6],
    [0, 26.52],
    [0, 0.0037],
    [3, 7.5],
    [0, 123456],
    [0, 1.01],
  ] as const) {
    const t = niceTicks(lo, hi);
    assert.ok(t.length >= 5 && t.length <= 8, `${lo}..${hi}: ${t}`);
    const step = t[1]! - t[0]!;
    const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(6));
    assert.ok([1, 2, 5].includes(mantissa), `${lo}..${hi}: step ${step}`);
    assert.ok(t[0]! <= lo && t[t.length - 1]! >= hi);
  }
});

test('logTicks: decades, with 2 and 5 between them over a narrow range', () => {
  assert.deepEqual(logTicks(1.2, 1091), [1, 10, 100, 1000, 10000]);
  assert.deepEqual(logTicks(3, 40), [2, 5, 10, 20, 50]);
});

test('svgChart: a point that does not fit is hollow on a dashed line, with a legend entry', () => {
  const d = readme();
  assert.equal(d.title, 'TTFT (s) vs nodes: Llama 3.1 405B on gtt', 'model and cluster in the title');
  assert.ok(d.series[2]!.bad!.slice(0, 3).every(Boolean) && !d.series[0]!.bad!.some(Boolean));
  const svg = svgChart(d);
  const bad = [...svg.matchAll(/<circle class="point bad"[^>]*>/g)].map((m) => m[0]);
  assert.ok(bad.length >= 3);
  assert.ok(
    bad.every((c) => c.includes('fill="white"') && /stroke="#(d62728|2ca02c)"/.test(c)),
    'hollow, in its series colour (512K red, 1M green)',
  );
  assert.ok(
    bad.some((c) => c.includes('stroke="#2ca02c"')),
    'the 1M series ring is green, not a shared red',
  );
  assert.match(svg, /<polyline [^>]*stroke-dasharray="5 4"/, 'the line to a point that does not fit is dashed');
  assert.match(svg, /<polyline fill="none" stroke="#1f77b4" stroke-width="2" points=/, 'a line of points that fit is solid');
  assert.match(svg, />does not fit in memory<\/text>/);
  // Round ticks on both axes, the x ticks labelled: 5, 10, ... 30 nodes.
  const ticks = [...svg.matchAll(/<text class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(ticks, ['0', '200', '400', '600', '800', '1000', '1200', '5', '10', '15', '20', '25', '30']);
});

test('svgChart --log-y: decade ticks; an SLO line and crosses on the points above it', () => {
  const d = readme();
  const svg = svgChart(d, chartOptions('ttft', { logY: true, maxTtftSec: 60 }));
  const yTicks = [...svg.matchAll(/<text class="tick" x="64"[^>]*>([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(yTicks, ['1', '10', '100', '1000', '10,000']);
  assert.match(svg, /TTFT \(s\), log scale/);
  assert.match(svg, /<line class="ref"[^>]*><title>TTFT SLO 60\.0 s<\/title>/);
  const over = d.series.flatMap((s) => s.values).filter((v) => v > 60).length;
  assert.equal((svg.match(/class="point[^"]* over"/g) ?? []).length, over);
  assert.equal((svg.match(/class="over-mark"/g) ?? []).length, over);
  assert.match(svg, />above the TTFT SLO<\/text>/);
  assert.equal(svgChart(d, chartOptions('ttft', { logY: true, maxTtftSec: 60 })), svg, 'deterministic');
});

test('chartOptions: the memory chart draws the usable HBM per GPU; an SLO only on its own metric', () => {
  const cap = usableHbmBytes(gtt());
  const memory = chartOptions('memory', { capacityBytes: cap, maxTtftSec: 60 });
  assert.equal(memory.hLines?.length, 1);
  assert.equal(memory.hLines![0]!.value, cap / 1e9);
  assert.match(memory.hLines![0]!.label, /^usable HBM .* per GPU$/);
  assert.equal(memory.over, undefined);
  const svg = svgChart(chartData(rowsOf({ nodes: range(1, 8), ctx: [1_000_000] }), ['nodes'], 'memory'), memory);
  assert.match(svg, /usable HBM [\d.]+ GB per GPU<\/text>/);
  const ttit = chartOptions('ttit', { maxTtitSec: 0.05, maxTtftSec: 60 });
  assert.deepEqual(ttit.hLines, [{ value: 50, label: 'TTIT SLO 50.0 ms' }]);
});

test('chartData: an evenly stepped range is placed by value; a list is spaced evenly', () => {
  assert.equal(readme().xScale, 'linear');
  assert.equal(chartData(rowsOf({ nodes: [1, 2, 4, 8] }), ['nodes'], 'ttft').xScale, undefined);
});

test('terminalChart: the terminal width, labelled round ticks, a glyph per series, hollow where it does not fit', () => {
  const d = readme();
  const o = chartOptions('ttft', { maxTtftSec: 60 });
  const at80 = terminalChart(d, o, { color: false });
  const lines = at80.trimEnd().split('\n');
  assert.ok(
    lines.every((l) => [...l].length <= 80),
    'default 80 columns',
  );
  assert.ok(
    lines.some((l) => [...l].length >= 75),
    'and uses them',
  );
  const wide = terminalChart(d, o, { color: false, columns: 140 }).trimEnd().split('\n');
  assert.ok(wide.every((l) => [...l].length <= 140) && wide.some((l) => [...l].length >= 135), 'a wider terminal');
  // y ticks are round numbers; x ticks are labelled under the axis.
  const yLabels = lines.filter((l) => l.includes('┤')).map((l) => l.split('┤')[0]!.trim());
  assert.deepEqual(yLabels, ['1200', '1000', '800', '600', '400', '200', '0']);
  const axis = lines.findIndex((l) => l.includes('└'));
  assert.match(lines[axis]!, /┬/);
  assert.deepEqual(lines[axis + 1]!.trim().split(/\s+/), ['5', '10', '15', '20', '25', '30']);
  assert.equal(lines[axis + 2]!.trim(), 'nodes');
  // Series told apart without colour: each glyph on the plot and in the legend.
  assert.match(at80, /● context 128,000 {3}■ context 512,000 {3}▲ context 1,000,000/);
  const plot = lines.slice(1, axis).join('\n');
  for (const g of ['●', '■', '▲', '△', '□']) assert.ok(plot.includes(g), g);
  assert.match(at80, /○□△ does not fit in memory/);
  assert.match(at80, /- - TTFT SLO 60\.0 s/);
  assert.match(at80, /\d+ point\(s\) above the TTFT SLO/);
  assert.doesNotMatch(at80, /\x1b/);
  assert.match(terminalChart(d, o, { color: true }), /\x1b\[34m●\x1b\[39m context 128,000/, 'colour adds to the glyphs');
});

test('terminalChart: gaps for missing points, log scale decades', () => {
  const d: ChartData = {
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    x: [1, 2, 3, 4],
    xText: ['1', '2', '3', '4'],
    series: [{ name: 'a', values: [1, NaN, 100, 1000] }],
  };
  const out = terminalChart(d, { logY: true }, { color: false });
  assert.deepEqual(
    out
      .split('\n')
      .filter((l) => l.includes('┤'))
      .map((l) => l.split('┤')[0]!.trim()),
    ['1000', '100', '10', '1'],
  );
  assert.match(out, /1 gap\(s\)/);
  assert.match(out, /^t \(log scale\)$/m);
});
