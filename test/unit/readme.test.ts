// The README's accuracy table and sample output must be what cp-plan produces today.
// UPDATE_GOLDEN=1 npm test rewrites the blocks between the markers.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { estimatePartial, paperDecodeCases, paperFullPrefillCases, paperPartialPrefillCases, predictDecodeMs, predictFullPrefillMs } from './specs.js';

const README = new URL('../../README.md', import.meta.url);
const BEGIN = '<!-- accuracy:full-prefill:begin -->';
const END = '<!-- accuracy:full-prefill:end -->';

function table(): string {
  const rows = paperFullPrefillCases().map((c) => {
    const predicted = predictFullPrefillMs(c);
    return { c, predicted, error: (predicted / c.ttft_ms - 1) * 100 };
  });
  const mape = (role?: string) => {
    const sel = rows.filter((r) => !role || r.c.role === role);
    return (sel.reduce((s, r) => s + Math.abs(r.error), 0) / sel.length).toFixed(1);
  };
  const lines = [
    '| Layout | Context (tokens) | Measured TTFT | cp-plan | Error | Role | Source |',
    '|---|---:|---:|---:|---:|---|---|',
    ...rows.map(
      ({ c, predicted, error }) =>
        `| CP${c.cp} + TP${c.tp} | ${c.context.toLocaleString('en-US')} | ${(c.ttft_ms / 1e3).toFixed(2)} s | ${(predicted / 1e3).toFixed(2)} s | ${error >= 0 ? '+' : ''}${error.toFixed(1)}% | ${c.role} | ${c.ref} |`,
    ),
    '',
    `Mean absolute error: ${mape()}% overall, ${mape('fit')}% on the fit cases, ${mape('held-out')}% on the held-out cases.`,
  ];
  return lines.join('\n');
}

/** The README text between two markers must equal `expected`; UPDATE_GOLDEN=1 rewrites it. */
function assertReadmeBlock(begin: string, end: string, expected: string): void {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  assert.ok(start >= 0 && stop > start, `README has the markers ${begin} ... ${end}`);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(README, readme.slice(0, start + begin.length) + '\n' + expected + '\n' + readme.slice(stop));
    return;
  }
  assert.equal(readme.slice(start + begin.length, stop).trim(), expected);
}

test('README accuracy table matches the model', () => assertReadmeBlock(BEGIN, END, table()));

const SAMPLE_BEGIN = '<!-- sample:estimate-1m:begin -->';
const SAMPLE_END = '<!-- sample:estimate-1m:end -->';

test('README sample output is the golden output of the quick-start command', () => {
  // test/golden/estimate-1m-16nodes.txt is checked against the real binary by test/cli/estimate.test.ts.
  const golden = readFileSync(new URL('../golden/estimate-1m-16nodes.txt', import.meta.url), 'utf8');
  const warning =
    "cp-plan: warning: context of 1000000 tokens exceeds llama3-405b's configured maximum of 131072; time and memory are still modelled, the model's quality there is not";
  const expected = ['```', '$ cp-plan estimate --ctx 1M --nodes 16', golden.trimEnd(), warning, '```'].join('\n');
  assertReadmeBlock(SAMPLE_BEGIN, SAMPLE_END, expected);
});

const PD_BEGIN = '<!-- accuracy:partial-decode:begin -->';
const PD_END = '<!-- accuracy:partial-decode:end -->';

function partialDecodeTables(): string {
  const pct = (p: number, m: number) => {
    const e = (p / m - 1) * 100;
    return `${e >= 0 ? '+' : ''}${e.toFixed(1)}%`;
  };
  const label = { 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;
  const errors: number[] = [];
  const partial = paperPartialPrefillCases().map((row) => {
    const r = estimatePartial(row);
    const kv = r.variants['pass-kv'].ttftSec * 1e3;
    const q = r.variants['pass-q'].ttftSec * 1e3;
    errors.push(Math.abs(kv / row.pass_kv_ms - 1), Math.abs(q / row.pass_q_ms - 1));
    const measuredFaster = row.pass_kv_ms <= row.pass_q_ms ? 'pass-kv' : 'pass-q';
    return `| ${row.new.toLocaleString('en-US')} | ${((row.new / (row.new + row.cached)) * 100).toFixed(1)}% | ${row.pass_kv_ms.toFixed(0)} ms | ${kv.toFixed(0)} ms (${pct(kv, row.pass_kv_ms)}) | ${row.pass_q_ms.toFixed(0)} ms | ${q.toFixed(0)} ms (${pct(q, row.pass_q_ms)}) | ${label[measuredFaster]} | ${label[r.prefill.variant]} | ${row.role} |`;
  });
  const decode = paperDecodeCases().map((row) => {
    const p = predictDecodeMs(row);
    errors.push(Math.abs(p / row.ttit_ms - 1));
    return `| CP${row.cp} + TP${row.tp} | ${row.context.toLocaleString('en-US')} | ${row.ttit_ms.toFixed(2)} ms | ${p.toFixed(2)} ms | ${pct(p, row.ttit_ms)} | ${row.role} | ${row.ref} |`;
  });
  const mape = ((errors.reduce((a, b) => a + b, 0) / errors.length) * 100).toFixed(1);
  return [
    'Partial prefill, CP4 + TP8, P + T = 128,000 (the paper\'s Table 4):',
    '',
    '| new tokens T | miss rate | pass-KV measured | pass-KV cp-plan | pass-Q measured | pass-Q cp-plan | faster (measured) | cp-plan picks | role |',
    '|---:|---:|---:|---:|---:|---:|---|---|---|',
    ...partial,
    '',
    'Decode, batch 1 (the paper\'s Table 6):',
    '',
    '| Layout | Context (tokens) | Measured TTIT | cp-plan | Error | Role | Source |',
    '|---|---:|---:|---:|---:|---|---|',
    ...decode,
    '',
    `Mean absolute error over these ${errors.length} predictions: ${mape}%.`,
  ].join('\n');
}

test('README partial-prefill and decode tables match the model', () => assertReadmeBlock(PD_BEGIN, PD_END, partialDecodeTables()));

test("README's multi-turn example shows the golden report's ring-variant section verbatim", () => {
  const golden = readFileSync(new URL('../golden/estimate-partial-2.5pct.txt', import.meta.url), 'utf8');
  const start = golden.indexOf('Ring variant');
  const section = golden.slice(start, golden.indexOf('\n\n', start));
  assert.ok(start >= 0 && section.length > 0);
  assert.ok(readFileSync(README, 'utf8').includes(section), 'README multi-turn example is stale: copy the section from test/golden/estimate-partial-2.5pct.txt');
});
