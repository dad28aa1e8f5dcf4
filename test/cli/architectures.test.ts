// Non-dense-GQA presets end to end through the built binary (issue 8): every
// new preset estimates on 4 H200 nodes at 128K, the MLA/sliding/linear notes
// reach the table, EP flags are checked, and bad attention/moe blocks in a
// user's YAML are one-line errors. Expected numbers are closed forms.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

interface Expected {
  layers: number;
  /** BF16 KV bytes one more token adds (full-attention layers). */
  kvBytesPerToken: number;
  /** BF16 KV cache of one sequence after `ctx` tokens, written out per architecture. */
  kvAt: (ctx: number) => number;
  maxContextTokens: number;
  moe: boolean;
}

const NEW_PRESETS: Record<string, Expected> = {
  // 12 full + 36 chunked (8,192) layers of 2 x 8 x 128 x 2 = 4,096 B per token.
  'llama4-scout': { layers: 48, kvBytesPerToken: 49_152, kvAt: (c) => (12 * c + 36 * Math.min(c, 8192)) * 4096, maxContextTokens: 10_485_760, moe: true },
  'llama4-maverick': { layers: 48, kvBytesPerToken: 49_152, kvAt: (c) => (12 * c + 36 * Math.min(c, 8192)) * 4096, maxContextTokens: 1_048_576, moe: true },
  // 61 MLA layers of one 576-element latent x 2 B.
  'deepseek-v3': { layers: 61, kvBytesPerToken: 70_272, kvAt: (c) => 61 * c * 576 * 2, maxContextTokens: 163_840, moe: true },
  'kimi-k2': { layers: 61, kvBytesPerToken: 70_272, kvAt: (c) => 61 * c * 576 * 2, maxContextTokens: 131_072, moe: true },
  // 94 full layers of 2 x 4 x 128 x 2 = 2,048 B.
  'qwen3-235b-a22b': { layers: 94, kvBytesPerToken: 192_512, kvAt: (c) => 94 * c * 2048, maxContextTokens: 40_960, moe: true },
  // 10 full + 52 sliding (1,024) layers of 2 x 16 x 128 x 2 = 8,192 B.
  'gemma3-27b': { layers: 62, kvBytesPerToken: 81_920, kvAt: (c) => (10 * c + 52 * Math.min(c, 1024)) * 8192, maxContextTokens: 131_072, moe: false },
  // 18 full + 18 sliding (128) layers of 2 x 8 x 64 x 2 = 2,048 B.
  'gpt-oss-120b': { layers: 36, kvBytesPerToken: 36_864, kvAt: (c) => (18 * c + 18 * Math.min(c, 128)) * 2048, maxContextTokens: 131_072, moe: true },
  // 10 softmax layers of 4,096 B + 70 linear layers of a 64 x 128 x 128 FP32 state.
  'minimax-text-01': { layers: 80, kvBytesPerToken: 40_960, kvAt: (c) => 10 * c * 4096 + 70 * (64 * 128 * 128 * 4), maxContextTokens: 4_000_000, moe: true },
};

const H200_4 = ['--cluster', 'h200-ib', '--nodes', '4', '--ctx', '128K'];

describe('estimate: every new preset on 4 H200 nodes at 128K (--json)', () => {
  for (const [name, want] of Object.entries(NEW_PRESETS)) {
    test(name, () => {
      const r = runCli(['estimate', '--model', name, ...H200_4, '--json']);
      const doc = parseJson(r.stdout);
      // Exit 0 when it fits, 1 when it does not.
      assert.equal(r.status, doc.memory.fits ? 0 : 1, r.stderr);
      assert.equal(doc.model.name, name);
      assert.equal(doc.workload.contextTokens, 128_000);
      assert.ok(doc.prefill.ttftMs > 0, `ttftMs ${doc.prefill.ttftMs}`);
      assert.ok(doc.decode.ttitMs > 0, `ttitMs ${doc.decode.ttitMs}`);
      assert.equal(doc.model.kvBytesPerToken, want.kvBytesPerToken);
      assert.equal(doc.memory.kvCacheBytesPerSequence, want.kvAt(128_000));
      const layers = doc.prefill.layers as { attention: string; moe: boolean; count: number }[];
      assert.equal(
        layers.reduce((n, l) => n + l.count, 0),
        want.layers,
        JSON.stringify(layers),
      );
      assert.equal(
        layers.some((l) => l.moe),
        want.moe,
      );
      const parts = Object.values(doc.prefill.breakdownMs) as number[];
      assert.ok(parts.length > 0 && parts.every((v) => typeof v === 'number' && v >= 0));
      const sum = parts.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - doc.prefill.ttftMs) <= 0.01 * parts.length, `breakdown sums to ${sum}, ttftMs ${doc.prefill.ttftMs}`);
    });
  }
});

describe('estimate: architecture notes in the table', () => {
  test("the issue's command: deepseek-v3 on 4 H200 nodes at 128K notes MLA and picks pass-KV", () => {
    // The ring (vLLM's default CP style on h200-ib is all-gather, which has no variants).
    const r = runCli(['estimate', '--model', 'deepseek-v3', ...H200_4, '--cp-style', 'ring']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes("MLA: a token's KV is one 576-element latent"), r.stdout);
    assert.match(r.stdout, /Prefill, pass-KV/);
    assert.match(r.stdout, /pass-KV is faster/);
    const json = parseJson(runCli(['estimate', '--model', 'deepseek-v3', ...H200_4, '--cp-style', 'ring', '--json']).stdout);
    assert.equal(json.prefill.variant, 'pass-kv');
    assert.equal(json.model.architecture.attention, 'mla');
  });

  test('qwen3-235b-a22b at 128K warns that the context exceeds its configured 40,960 tokens', () => {
    const r = runCli(['estimate', '--model', 'qwen3-235b-a22b', ...H200_4]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^cp-plan: warning: .*exceeds qwen3-235b-a22b's configured maximum of 40960/m);
    // Within the maximum there is no such warning.
    const ok = runCli(['estimate', '--model', 'qwen3-235b-a22b', '--cluster', 'h200-ib', '--nodes', '4', '--ctx', '32K']);
    assert.doesNotMatch(ok.stderr, /configured maximum/);
  });

  test('gemma3-27b: only the 10 full-attention layers run the ring', () => {
    const r = runCli(['estimate', '--model', 'gemma3-27b', ...H200_4, '--cp-style', 'ring']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /only the 10 full-attention layers run the ring/);
    assert.match(r.stdout, /52 sliding-window layers/);
  });

  test('minimax-text-01: the 70 linear-attention layers are noted', () => {
    const r = runCli(['estimate', '--model', 'minimax-text-01', ...H200_4, '--cp-style', 'ring']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the 70 linear-attention layers/);
  });
});

describe('estimate: expert parallelism flags', () => {
  test('--ep 12 on kimi-k2 (4 nodes, TP8) is a one-line error naming the rule', () => {
    const line = assertOneLineError(runCli(['estimate', '--model', 'kimi-k2', ...H200_4, '--ep', '12']));
    assert.match(line, /--ep 12: must be a multiple of TP 8/);
  });

  test('--ep 8 on the dense llama3-405b is a one-line error', () => {
    const line = assertOneLineError(runCli(['estimate', '--model', 'llama3-405b', ...H200_4, '--ep', '8']));
    assert.match(line, /--ep 8: llama3-405b has no mixture-of-experts layers/);
  });

  test('--ep 32 on deepseek-v3 (4 nodes) runs, with EP All2All time in prefill', () => {
    const r = runCli(['estimate', '--model', 'deepseek-v3', ...H200_4, '--ep', '32', '--json']);
    const doc = parseJson(r.stdout);
    assert.equal(r.status, doc.memory.fits ? 0 : 1, r.stderr);
    assert.equal(doc.layout.ep, 32);
    assert.ok(doc.prefill.breakdownMs.epComm > 0);
    const plain = parseJson(runCli(['estimate', '--model', 'deepseek-v3', ...H200_4, '--json']).stdout);
    assert.equal(plain.prefill.breakdownMs.epComm, 0);
    assert.ok(doc.memory.perGpu.weightsBytes < plain.memory.perGpu.weightsBytes);
  });
});

describe('presets list --json: the new presets', () => {
  test('every new preset, with active < total for MoE and the KV cache at its maximum context', () => {
    const r = runCli(['presets', 'list', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const models = parseJson(r.stdout).models as Record<string, any>[];
    for (const [name, want] of Object.entries(NEW_PRESETS)) {
      const m = models.find((x) => x.name === name);
      assert.ok(m, `${name} listed`);
      assert.ok(m.params > 0);
      if (want.moe) assert.ok(m.activeParams < m.params, `${name}: ${m.activeParams} < ${m.params}`);
      else assert.equal(m.activeParams, m.params, name);
      assert.equal(m.kvBytesPerTokenBf16, want.kvBytesPerToken, name);
      assert.equal(m.maxContextTokens, want.maxContextTokens, name);
      assert.equal(m.kvCacheBytesAtMaxContextBf16, want.kvAt(want.maxContextTokens), name);
    }
  });
});

describe("a user's model YAML with bad attention/moe blocks", () => {
  let dir: string;
  const preset = (name: string) => readFileSync(join(REPO_ROOT, 'presets', 'models', `${name}.yaml`), 'utf8');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-plan-arch-'));
    const gemma = preset('gemma3-27b');
    const noWindow = gemma.replace(/^ {2}slidingWindowTokens: .*\n/m, '');
    assert.notEqual(noWindow, gemma, 'the fixture removed slidingWindowTokens');
    writeFileSync(join(dir, 'no-window.yaml'), noWindow);
    const ds = preset('deepseek-v3');
    const bigTopK = ds.replace(/^ {2}topK: 8 .*$/m, '  topK: 300');
    assert.notEqual(bigTopK, ds, 'the fixture changed topK');
    writeFileSync(join(dir, 'topk.yaml'), bigTopK);
    const mlaSliding = ds.replace(/^ {2}pattern: \[full\]$/m, '  pattern: [sliding, full]\n  slidingWindowTokens: 4096');
    assert.notEqual(mlaSliding, ds, 'the fixture changed the pattern');
    writeFileSync(join(dir, 'mla-sliding.yaml'), mlaSliding);
    const allSliding = gemma.replace(/^ {2}pattern: \[.*\]$/m, '  pattern: [sliding]');
    assert.notEqual(allSliding, gemma, 'the fixture changed the pattern');
    writeFileSync(join(dir, 'all-sliding.yaml'), allSliding);
    const allDense = ds.replace(/^ {2}firstDenseLayers: 3 .*$/m, '  firstDenseLayers: 61');
    assert.notEqual(allDense, ds, 'the fixture changed firstDenseLayers');
    writeFileSync(join(dir, 'all-dense.yaml'), allDense);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('sliding layers without slidingWindowTokens: exit 2, one line naming it', () => {
    const line = assertOneLineError(runCli(['estimate', '--model', join(dir, 'no-window.yaml'), '--nodes', '1', '--ctx', '8K']));
    assert.match(line, /no-window\.yaml:\d+:\d+: attention\.slidingWindowTokens: is required when the pattern has sliding layers/);
  });

  test('MLA with sliding layers: exit 2, MLA applies to every layer', () => {
    const line = assertOneLineError(runCli(['estimate', '--model', join(dir, 'mla-sliding.yaml'), '--nodes', '1', '--ctx', '8K']));
    assert.match(line, /mla-sliding\.yaml:\d+:\d+: attention\.mla: MLA applies to every layer/);
  });

  test('a pattern without a full layer: exit 2, names the limitation', () => {
    const line = assertOneLineError(runCli(['estimate', '--model', join(dir, 'all-sliding.yaml'), '--nodes', '1', '--ctx', '8K']));
    assert.match(line, /all-sliding\.yaml:\d+:\d+: attention\.pattern: needs at least one full layer/);
  });

  test('firstDenseLayers covering every layer: exit 2, names it', () => {
    const line = assertOneLineError(runCli(['estimate', '--model', join(dir, 'all-dense.yaml'), '--nodes', '1', '--ctx', '8K']));
    assert.match(line, /all-dense\.yaml:\d+:\d+: moe\.firstDenseLayers: must be smaller than layers/);
  });

  test('moe.topK above experts: exit 2, one line naming topK', () => {
    const line = assertOneLineError(runCli(['estimate', '--model', join(dir, 'topk.yaml'), '--nodes', '1', '--ctx', '8K']));
    assert.match(line, /topk\.yaml:\d+:\d+: moe\.topK: cannot exceed experts/);
  });
});

describe('MoE fixes the planner and the messages point at', () => {
  test('does not fit without EP: the message names the smallest --ep that fits on the same nodes', () => {
    const r = runCli(['estimate', '--model', 'deepseek-v3', '--cluster', 'h100-ib', '--nodes', '4', '--ctx', '128K']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^cp-plan: does not fit: .*; --ep 16 fits on these 32 GPUs; or /m);
    const fixed = runCli(['estimate', '--model', 'deepseek-v3', '--cluster', 'h100-ib', '--nodes', '4', '--ctx', '128K', '--ep', '16', '--json']);
    assert.equal(fixed.status, 0, fixed.stderr);
    assert.equal(parseJson(fixed.stdout).memory.fits, true);
  });

  test('a check scenario may set layout.ep, and a planned scenario keeps the EP the planner chose', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-plan-arch-check-'));
    try {
      const file = join(dir, 'moe.yaml');
      writeFileSync(
        file,
        [
          'scenarios:',
          '  - name: fixed EP',
          '    model: deepseek-v3',
          '    cluster: h100-ib',
          '    layout: { nodes: 4, ep: 16 }',
          '    workload: { ctx: 128K }',
          '    slo: { maxTtft: 20s }',
          '  - name: planned',
          '    model: deepseek-v3',
          '    cluster: h100-ib',
          '    plan: { maxNodes: 4 }',
          '    workload: { ctx: 128K }',
          '    slo: { maxTtft: 20s }',
          '',
        ].join('\n'),
      );
      const r = runCli(['check', file, '--json']);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      const doc = parseJson(r.stdout);
      const scenarios = doc.scenarios ?? doc.outcomes ?? doc.results;
      assert.ok(Array.isArray(scenarios), `scenarios in ${Object.keys(doc).join(', ')}`);
      assert.equal(scenarios[0].layout.ep, 16);
      // The planned scenario is checked on the layout the planner chose, EP included (TP16 across 2 nodes fits without EP).
      // check plans without pipeline stages (its layouts have none): plan's best layout without PP.
      const best = parseJson(
        runCli(['plan', '--model', 'deepseek-v3', '--cluster', 'h100-ib', '--ctx', '128K', '--max-ttft', '20s', '--max-nodes', '4', '--top', '1000', '--json'])
          .stdout,
      ).candidates.find((c: { layout: { pp: number } }) => c.layout.pp === 1);
      const planned = scenarios[1].layout;
      assert.deepEqual(
        [planned.gpus, planned.tp, planned.cp, planned.ep],
        [best.layout.gpus, best.layout.tp, best.layout.cp, best.layout.ep],
        JSON.stringify(planned),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sweep --ep', () => {
  test('every point uses the EP; points where it is not a valid EP size are skipped with a warning', () => {
    const r = runCli(['sweep', '--model', 'deepseek-v3', '--cluster', 'h100-ib', '--nodes', '2..4', '--ctx', '128K', '--ep', '16', '--format', 'csv']);
    assert.equal(r.status, 0, r.stderr);
    const [head, ...rows] = r.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(','));
    const col = (name: string) => head!.indexOf(name);
    assert.deepEqual(
      rows.map((row) => [row[col('nodes')], row[col('layout')], row[col('ep')]]),
      [
        ['2', 'TP8xCP2xEP16', '16'],
        ['4', 'TP8xCP4xEP16', '16'],
      ],
    );
    assert.match(r.stderr, /^cp-plan: warning: skipped 1 point\(s\) .*--ep 16: must be a multiple of TP 8 that divides the 24 GPUs/m);
  });
});
