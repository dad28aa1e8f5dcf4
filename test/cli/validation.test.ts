// The "Done means": every full-prefill point of validation/paper-measurements.yaml is
// predicted within 10% by the CLI itself (default variant, gtt, the paper's precision recipe).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT, parseJson, runCli } from '../helpers/run-cli.js';

interface Case { tp: number; cp: number; context: number; ttft_ms: number; ref: string }
const { full_prefill: cases } = parse(readFileSync(join(REPO_ROOT, 'validation', 'paper-measurements.yaml'), 'utf8')) as {
  full_prefill: Case[];
};

for (const c of cases) {
  test(`cp-plan estimate reproduces ${c.ref}: ${c.ttft_ms} ms within 10%`, () => {
    const nodes = (c.tp * c.cp) / 8;
    const r = runCli(['estimate', '--cluster', 'gtt', '--model', 'llama3-405b', '--nodes', String(nodes), '--tp', String(c.tp), '--ctx', String(c.context), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.prefill.variant, 'pass-kv', 'full prefill picks pass-KV, as the paper does');
    const error = doc.prefill.ttftMs / c.ttft_ms - 1;
    assert.ok(Math.abs(error) <= 0.1, `predicted ${doc.prefill.ttftMs} ms (${(error * 100).toFixed(1)}%)`);
  });
}
