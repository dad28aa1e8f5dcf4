// The README's accuracy tables and sample outputs must be what cp-plan produces today.
// UPDATE_GOLDEN=1 npm test rewrites the blocks between the markers.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { runValidate } from '../../src/commands/validate.js';
import { measurementsFileSchema } from '../../src/schema/measurements.js';
import { validate } from '../../src/validation/report.js';
import { paperData } from './specs.js';
import { kvBytesPerToken, kvCacheBytesPerSequence } from '../../src/model/kv-cache.js';
import { activeParams, totalParams } from '../../src/model/shapes.js';
import { builtinCluster, builtinEngine, builtinGpu, builtinModel, builtinNames } from '../../src/presets/catalog.js';
import { attentionSummary, ffnSummary } from '../../src/render/architecture.js';

const README = new URL('../../README.md', import.meta.url);

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

const golden = (name: string) => readFileSync(new URL(`../golden/${name}`, import.meta.url), 'utf8');

test("README's Accuracy section is the output of `cp-plan validate`", async () => {
  const out = await runValidate({ json: false, color: false }, { version: 'test', isTTY: false, env: { NO_COLOR: '1' } });
  assert.equal(out.exitCode, 0);
  assertReadmeBlock('<!-- validate:begin -->', '<!-- validate:end -->', ['```', '$ cp-plan validate', out.stdout.trimEnd(), '```'].join('\n'));
});

test("README's multi-turn table is the partial-prefill and decode part of the validation report", () => {
  const { data, inputs } = paperData();
  const report = validate(data.measurements, data.ringIterations ?? [], inputs);
  const label = { auto: '-', 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;
  const signed = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
  const rows = report.cases
    .filter((c) => c.ref === 'Table 4' || c.group === 'decode')
    .map(
      (c) =>
        `| ${c.name} | ${c.group === 'decode' ? 'TTIT' : `TTFT, ${label[c.variant]}`} | ${c.measuredMs} ms | ${c.predictedMs.toFixed(c.group === 'decode' ? 2 : 0)} ms | ${signed(c.error)} | ${c.role} | ${c.ref} |`,
    );
  const table = ['| case | metric | measured | cp-plan | error | role | source |', '|---|---|---:|---:|---:|---|---|', ...rows].join('\n');
  assertReadmeBlock('<!-- accuracy:partial-decode:begin -->', '<!-- accuracy:partial-decode:end -->', table);
});

test('README sample output is the output of the quick-start command', async () => {
  // The same output is checked against the real binary by test/cli/estimate.test.ts (golden estimate-1m-16nodes.txt).
  const { main } = await import('../../src/program.js');
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'cp-plan', 'estimate', '--ctx', '1M', '--nodes', '16'], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env: { NO_COLOR: '1' },
  });
  assert.equal(code, 0);
  const expected = ['```', '$ cp-plan estimate --ctx 1M --nodes 16', stdout.trimEnd(), stderr.trimEnd(), '```'].join('\n');
  assertReadmeBlock('<!-- sample:estimate-1m:begin -->', '<!-- sample:estimate-1m:end -->', expected);
});

test("README's multi-turn example shows the golden report's ring-variant section verbatim", () => {
  const text = golden('estimate-partial-2.5pct.txt');
  const start = text.indexOf('Ring variant');
  const section = text.slice(start, text.indexOf('\n\n', start));
  assert.ok(start >= 0 && section.length > 0);
  const readme = readFileSync(README, 'utf8');
  if (process.env.UPDATE_GOLDEN === '1') {
    const from = readme.indexOf('Ring variant', readme.indexOf('## Multi-turn prefill and decode'));
    writeFileSync(README, readme.slice(0, from) + section + readme.slice(readme.indexOf('\n```', from)));
    return;
  }
  assert.ok(readme.includes(section), 'README multi-turn example is stale: run UPDATE_GOLDEN=1 npm test');
});

test("README's example measurements file is valid under the measurements schema", () => {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('model: llama3-70b            # preset name or path');
  assert.ok(start >= 0, 'README has the example measurements file');
  const example = parse(readme.slice(start, readme.indexOf('```', start)));
  const result = measurementsFileSchema.safeParse(example);
  assert.ok(result.success, JSON.stringify(result.error?.issues));
  assert.ok(result.data.measurements.some((m) => m.ttftMs !== undefined) && result.data.measurements.some((m) => m.ttitMs !== undefined));
});

test("README's planning samples are the output of plan and sweep", async () => {
  const ctx = { version: 'test', isTTY: false, env: { NO_COLOR: '1' } };
  const { runPlan } = await import('../../src/commands/plan.js');
  const planned = await runPlan(
    {
      ctx: 1_000_000,
      model: 'llama3-405b',
      cluster: 'gtt',
      batch: 1,
      maxTtft: 90,
      objective: 'gpus',
      variant: 'auto',
      dcp: true,
      top: 5,
      json: false,
      format: 'table',
      verbose: false,
      quiet: false,
      color: false,
    },
    ctx,
  );
  assertReadmeBlock(
    '<!-- sample:plan:begin -->',
    '<!-- sample:plan:end -->',
    ['```', '$ cp-plan plan --ctx 1M --max-ttft 90s', planned.stdout.trimEnd(), '```'].join('\n'),
  );
  const { runSweep } = await import('../../src/commands/sweep.js');
  const swept = await runSweep(
    {
      model: 'llama3-405b',
      cluster: 'gtt',
      nodes: '4',
      ctx: '128K',
      missRate: '1%..12%',
      batch: '1',
      variant: 'auto',
      format: 'table',
      json: false,
      chart: true,
      chartMetric: 'ttft',
      color: false,
    },
    ctx,
  );
  const chart = swept.stdout.slice(swept.stdout.indexOf('TTFT (s) vs'));
  assertReadmeBlock(
    '<!-- sample:sweep:begin -->',
    '<!-- sample:sweep:end -->',
    ['```', '$ cp-plan sweep --miss-rate 1%..12% --nodes 4 --ctx 128K --chart   # chart part', chart.trimEnd(), '```'].join('\n'),
  );
});

test("README's presets table is computed from the presets: KV bytes per token, the naive figure, max context, KV at max context", () => {
  const gb = (b: number) => (b >= 1e12 ? `${(b / 1e12).toFixed(2)} TB` : `${(b / 1e9).toFixed(1)} GB`);
  const n = (x: number) => x.toLocaleString('en-US');
  const order = [
    'llama3-8b',
    'llama3-70b',
    'llama3-405b',
    'qwen2.5-14b-1m',
    'mistral-large-2',
    'llama4-scout',
    'llama4-maverick',
    'deepseek-v3',
    'kimi-k2',
    'qwen3-235b-a22b',
    'gemma3-27b',
    'gpt-oss-120b',
    'minimax-text-01',
  ];
  assert.deepEqual([...order].sort(), builtinNames('model'), 'every built-in model is in the README table');
  const rows = order.map((name) => {
    const m = builtinModel(name).spec;
    const total = totalParams(m);
    const active = activeParams(m);
    const naive = 2 * m.kvHeads * m.headDim * m.layers * 2;
    return (
      `| \`${name}\` | ${attentionSummary(m)} | ${ffnSummary(m)} | ${(total / 1e9).toFixed(1)}B${m.moe ? ` (${(active / 1e9).toFixed(1)}B)` : ''} | ` +
      `${n(kvBytesPerToken(m, 'bf16'))} | ${n(naive)} | ${n(m.maxContextTokens)} | ${gb(kvCacheBytesPerSequence(m, 'bf16', m.maxContextTokens))} |`
    );
  });
  const header =
    '| model | attention | FFN | params (active) | KV bytes/token (BF16) | naive 2·K·d·L·2 B | max context | KV of one sequence at max context |\n|---|---|---|---:|---:|---:|---:|---:|';
  assertReadmeBlock('<!-- presets:begin -->', '<!-- presets:end -->', [header, ...rows].join('\n'));
});

test("README's cluster, GPU and engine tables are computed from the presets", () => {
  const clusters = builtinNames('cluster').map((name) => {
    const c = builtinCluster(name);
    const s = c.spec;
    const up = s.scaleUp;
    const domain = s.nvlinkDomainGpus > s.gpusPerNode ? ` to all ${s.nvlinkDomainGpus} GPUs` : '';
    const link = (l: typeof up, gbps: number) => `${l.name.split(' (')[0]} ${Number((gbps / 1e9).toPrecision(4))} GB/s`;
    return `| \`${name}\` | \`${s.gpu.preset}\` | ${s.gpusPerNode} | ${link(up, up.peerBytesPerSec)}${domain} | ${s.nicsPerNode} × ${link(s.scaleOut, s.scaleOut.bytesPerSec)} | \`${s.defaultEngine}\`${s.calibration ? ' (calibrated)' : ''} |`;
  });
  assertReadmeBlock(
    '<!-- clusters:begin -->',
    '<!-- clusters:end -->',
    ['| cluster | GPU | GPUs per node | scale-up per GPU per direction | NICs per node | default engine |', '|---|---|---:|---|---|---|', ...clusters].join(
      '\n',
    ),
  );
  const tf = (x: number | null) => (x === null ? '–' : String(Number((x / 1e12).toPrecision(5))));
  const gpus = builtinNames('gpu').map((name) => {
    const g = builtinGpu(name);
    const s = g.spec;
    const table = g.preset.kernels.provenance === 'measured' ? `\`${s.kernels.name}\` (measured)` : `\`${s.kernels.name}\` (transferred)`;
    return `| \`${name}\` | ${s.name} | ${g.preset.architecture} | ${tf(s.bf16FlopsPerSec)} / ${tf(s.fp8FlopsPerSec)} / ${tf(s.fp4FlopsPerSec)} | ${s.hbmBytes / 1e9} GB | ${s.hbmBytesPerSec / 1e12} TB/s | ${s.powerW} W | ${table} |`;
  });
  assertReadmeBlock(
    '<!-- gpus:begin -->',
    '<!-- gpus:end -->',
    ['| GPU | name | arch | BF16 / FP8 / FP4 dense TF/s | HBM | HBM bandwidth | power | kernel tables |', '|---|---|---|---|---:|---:|---:|---|', ...gpus].join(
      '\n',
    ),
  );
  const engines = builtinNames('engine').map((name) => {
    const e = builtinEngine(name).preset;
    const kernels = Object.entries(e.kernels)
      .map(([arch, k]) => `${arch} ${k.prefillAttention}/${k.decodeAttention}${k.fp8Attention ? '' : ' (no FP8 attention)'}`)
      .join('; ');
    const o = e.overhead;
    return `| \`${name}\` | ${kernels} | ${o.decodeStepUs.value} µs (${o.decodeStepUs.provenance}) | ${o.decodeLayerUs.value} µs (${o.decodeLayerUs.provenance}) | ${o.serialUsPerContextToken.value} µs (${o.serialUsPerContextToken.provenance}) | ${e.memory.gpuMemoryUtilization.value} |`;
  });
  assertReadmeBlock(
    '<!-- engines:begin -->',
    '<!-- engines:end -->',
    [
      '| engine | prefill/decode attention by GPU generation | per decode step | per decode layer | per context token | usable HBM |',
      '|---|---|---:|---:|---:|---:|',
      ...engines,
    ].join('\n'),
  );
});

test("README's table of shared options is derived from SHARED_OPTIONS", async () => {
  const { sharedOptionsMarkdown } = await import('../../src/program-options.js');
  assertReadmeBlock('<!-- options:begin -->', '<!-- options:end -->', sharedOptionsMarkdown());
});
