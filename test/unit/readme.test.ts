// The README's accuracy table and sample output must be what cp-plan produces today.
// UPDATE_GOLDEN=1 npm test rewrites the blocks between the markers.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { paperFullPrefillCases, predictFullPrefillMs } from './specs.js';

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

test('README accuracy table matches the model', () => {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  assert.ok(start >= 0 && end > start, 'README has the accuracy markers');
  const expected = table();
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(README, readme.slice(0, start + BEGIN.length) + '\n' + expected + '\n' + readme.slice(end));
    return;
  }
  assert.equal(readme.slice(start + BEGIN.length, end).trim(), expected);
});

const SAMPLE_BEGIN = '<!-- sample:estimate-1m:begin -->';
const SAMPLE_END = '<!-- sample:estimate-1m:end -->';

test('README sample output is the golden output of the quick-start command', () => {
  // test/golden/estimate-1m-16nodes.txt is checked against the real binary by test/cli/estimate.test.ts.
  const golden = readFileSync(new URL('../golden/estimate-1m-16nodes.txt', import.meta.url), 'utf8');
  const warning =
    "cp-plan: warning: context of 1000000 tokens exceeds llama3-405b's configured maximum of 131072; time and memory are still modelled, the model's quality there is not";
  const expected = ['```', '$ cp-plan estimate --ctx 1M --nodes 16', golden.trimEnd(), warning, '```'].join('\n');
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(SAMPLE_BEGIN);
  const end = readme.indexOf(SAMPLE_END);
  assert.ok(start >= 0 && end > start, 'README has the sample markers');
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(README, readme.slice(0, start + SAMPLE_BEGIN.length) + '\n' + expected + '\n' + readme.slice(end));
    return;
  }
  assert.equal(readme.slice(start + SAMPLE_BEGIN.length, end).trim(), expected);
});
