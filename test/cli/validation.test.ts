// `cp-plan validate` on the shipped paper data, and the "predicted by the CLI" check:
// every full-prefill point through `cp-plan estimate` itself.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { assertGolden } from '../helpers/golden.js';
import { REPO_ROOT, assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

interface Row {
  name: string;
  nodes: number;
  contextTokens: number;
  cachedTokens?: number;
  variant?: string;
  ttftMs?: number;
  ref: string;
}
const { measurements } = parse(readFileSync(join(REPO_ROOT, 'validation', 'paper-measurements.yaml'), 'utf8')) as { measurements: Row[] };

describe('cp-plan estimate reproduces every full-prefill point of the paper', () => {
  for (const m of measurements.filter((r) => r.ttftMs !== undefined && !r.cachedTokens && r.ref !== 'Table 4')) {
    test(`${m.name} (${m.ref}): ${m.ttftMs} ms within 10%`, () => {
      const r = runCli(['estimate', '--cluster', 'gtt', '--model', 'llama3-405b', '--nodes', String(m.nodes), '--ctx', String(m.contextTokens), '--json']);
      assert.equal(r.status, 0, r.stderr);
      const doc = parseJson(r.stdout);
      assert.equal(doc.prefill.variant, 'pass-kv', 'full prefill picks pass-KV, as the paper does');
      const error = doc.prefill.ttftMs / m.ttftMs! - 1;
      assert.ok(Math.abs(error) <= 0.1, `predicted ${doc.prefill.ttftMs} ms (${(error * 100).toFixed(1)}%)`);
    });
  }
});

describe('cp-plan validate', () => {
  test('table: every case, MAPE per group and role, decisions; golden', () => {
    const r = runCli(['validate']);
    assert.equal(r.status, 0, r.stderr);
    for (const s of ['full prefill', 'partial prefill', 'decode', 'held-out', 'Decisions', 'Ring iteration']) assert.ok(r.stdout.includes(s), s);
    assertGolden('validate.txt', r.stdout);
  });

  test('--json with the issue gates passes: overall MAPE <= 8%, worst case <= 15%', () => {
    const r = runCli(['validate', '--json', '--max-mape', '8%', '--max-error', '15%']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.schemaVersion, 2);
    assert.ok(doc.mape.overall.mape <= 0.08 && doc.mape.overall.maxAbsError <= 0.15);
    assert.equal(doc.cases.length, 25);
    assert.ok(doc.decisions.filter((d: { scored: boolean; correct: boolean }) => d.scored).every((d: { correct: boolean }) => d.correct));
  });

  test('a gate that fails exits 1 with a one-line reason, and still prints the report', () => {
    const r = runCli(['validate', '--max-mape', '0.5%']);
    assert.equal(r.status, 1);
    assert.ok(r.stdout.includes('MAPE'));
    assert.match(r.stderr, /^cp-plan: check failed: overall MAPE .* exceeds --max-mape 0\.5%\n$/);
  });

  test('bad flags and files are one-line errors', () => {
    assertOneLineError(runCli(['validate', '--max-mape', 'lots']));
    assertOneLineError(runCli(['validate', '--data', 'nope.yaml']));
    assertOneLineError(runCli(['validate', '--cluster', 'nope']));
  });
});
