// The README's accuracy table must be what the model predicts today.
// UPDATE_GOLDEN=1 npm test rewrites the block between the markers.
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
