// plan, sweep and estimate give one number for one layout: the same chunked prefill (--prefill-chunk, else
// the engine's default), the same engine limits (CP styles, DCP, PP with CP), and with --pp the answer is the
// pipeline's (its memory decides the exit code, its GPUs the cost).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertOneLineError, runCli } from '../helpers/run-cli.js';

interface Layout {
  nodes: number;
  gpus: number;
  tp: number;
  cp: number;
  dcp: number;
  ep: number;
  pp: number;
  cpStyle: string | null;
}

/** An argument list written as one line. */
const words = (line: string) => line.split(' ');

const json = <T>(args: string[], status = 0): T => {
  const r = runCli([...args, '--json']);
  assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

/** estimate's flags for a layout plan or sweep reports. */
const layoutFlags = (l: Layout) => [
  '--gpus',
  String(l.gpus),
  '--tp',
  String(l.tp),
  '--cp',
  String(l.cp),
  ...(l.dcp > 1 ? ['--dcp', String(l.dcp)] : []),
  ...(l.ep > 1 ? ['--ep', String(l.ep)] : []),
  ...(l.pp > 1 ? ['--pp', String(l.pp)] : []),
  ...(l.cpStyle ? ['--cp-style', l.cpStyle] : []),
];

/** estimate's TTFT for a layout: the pipeline's with --pp. */
function estimateTtftMs(common: string[], l: Layout, variant: string): number {
  const e = json<{ prefill: { ttftMs: number }; pipeline?: { ttftMs: number } }>(['estimate', ...common, ...layoutFlags(l), '--variant', variant]);
  return e.pipeline?.ttftMs ?? e.prefill.ttftMs;
}

describe('plan, sweep and estimate agree', () => {
  for (const engine of ['vllm', 'sglang', 'trtllm']) {
    test(`${engine}: the plan's best layout costs in estimate what the plan says (the engine's chunked prefill)`, () => {
      const common = ['--model', 'llama3-70b', '--cluster', 'h100-ib', '--engine', engine, '--ctx', '512K'];
      const p = json<{ best: { layout: Layout; prefill: { ttftMs: number; variant: string } } | null }>(['plan', ...common, '--max-ttft', '30s']);
      assert.ok(p.best, 'a layout meets the SLO');
      const ttft = estimateTtftMs(common, p.best.layout, p.best.prefill.variant);
      assert.ok(Math.abs(ttft - p.best.prefill.ttftMs) <= 1e-3 * ttft, `plan ${p.best.prefill.ttftMs} ms, estimate ${ttft} ms`);
    });
  }

  test('--prefill-chunk reaches plan and sweep as it reaches estimate', () => {
    const common = ['--model', 'llama3-70b', '--cluster', 'h100-ib', '--engine', 'vllm', '--ctx', '128K'];
    for (const chunk of [['--prefill-chunk', 'none'], ['--prefill-chunk', '4K'], []]) {
      const s = json<{ rows: (Layout & { ttftMs: number; variant: string | null; prefillChunkTokens: number })[] }>([
        'sweep',
        ...common,
        ...chunk,
        '--nodes',
        '2',
        '--pp',
        '1,2',
      ]);
      assert.equal(s.rows.length, 2);
      for (const row of s.rows) {
        const ttft = estimateTtftMs([...common, ...chunk], row, row.variant ?? 'auto');
        assert.ok(Math.abs(ttft - row.ttftMs) <= 1e-3 * ttft, `${chunk.join(' ') || 'default'} PP${row.pp}: sweep ${row.ttftMs} ms, estimate ${ttft} ms`);
        assert.equal(row.prefillChunkTokens, chunk[1] === 'none' ? 0 : chunk[1] === '4K' ? 4000 : 8192);
      }
      const p = json<{ best: { layout: Layout; prefill: { ttftMs: number; variant: string } } }>(['plan', ...common, ...chunk, '--max-ttft', '60s']);
      const ttft = estimateTtftMs([...common, ...chunk], p.best.layout, p.best.prefill.variant);
      assert.ok(
        Math.abs(ttft - p.best.prefill.ttftMs) <= 1e-3 * ttft,
        `${chunk.join(' ') || 'default'}: plan ${p.best.prefill.ttftMs} ms, estimate ${ttft} ms`,
      );
    }
  });

  test("an engine's limits hold in estimate, plan and sweep: no DCP on meta-cp, no PP with CP on SGLang", () => {
    const metaDcp = runCli(words('estimate --ctx 128K --dcp 2 --engine meta-cp --tp 16 --nodes 2 --model llama3-70b --cluster h100-ib'));
    assert.match(assertOneLineError(metaDcp), /--dcp 2: engine meta-cp runs no decode context parallelism/);
    const metaPlan = json<{ candidates: { layout: Layout }[] }>(
      words('plan --engine meta-cp --ctx 1M --max-ttft 60s --model llama3-70b --cluster h100-ib --top 50'),
    );
    assert.ok(metaPlan.candidates.length > 0);
    assert.ok(
      metaPlan.candidates.every((c) => c.layout.dcp === 1),
      'no DCP candidate',
    );
    const sglangPpCp = runCli(words('estimate --engine sglang --pp 2 --cp 2 --ctx 128K --model llama3-70b --cluster h100-ib --nodes 2 --tp 4'));
    assert.match(assertOneLineError(sglangPpCp), /--pp 2 with CP2: engine sglang runs CP or pipeline stages, not both/);
    const sglangPlan = json<{ candidates: { layout: Layout }[]; best: { layout: Layout } }>(words('plan --engine sglang --ctx 512K --max-ttft 20s --top 50'));
    assert.ok(
      sglangPlan.candidates.every((c) => c.layout.pp === 1 || c.layout.cp === 1),
      'no PP x CP candidate',
    );
    const sweep = runCli(words('sweep --engine sglang --model llama3-70b --cluster h100-ib --nodes 2 --tp 4 --pp 1,2 --ctx 128K --json'));
    assert.equal(sweep.status, 0, sweep.stderr);
    const rows = (JSON.parse(sweep.stdout) as { rows: Layout[] }).rows;
    assert.ok(
      rows.every((r) => r.pp === 1 || r.cp === 1),
      'the sweep skips PP x CP points',
    );
  });
});

describe('estimate --pp answers for the pipeline', () => {
  test("the issue's qwen3 example fits: the exit code follows the pipeline's memory, not one stage running the whole model", () => {
    const args = words('estimate --model qwen3-235b-a22b --cluster h20-ib --nodes 4 --tp 4 --pp 8 --prefill-chunk 6K --ctx 1M');
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /does not fit/);
    const doc = json<{ pipeline: { memory: { fits: boolean }; gpus: number } }>(args);
    assert.equal(doc.pipeline.memory.fits, true);
    assert.equal(doc.pipeline.gpus, 32);
  });

  test('a pipeline that does not fit exits 1 with its own numbers', () => {
    const r = runCli(['estimate', '--model', 'llama3-405b', '--cluster', 'h100-ib', '--gpus', '8', '--tp', '4', '--pp', '2', '--ctx', '1M']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /does not fit: each PP2 stage needs .* per GPU of /);
  });

  test("the cost counts every stage's GPUs and the pipeline's times", () => {
    const base = ['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--engine', 'vllm', '--ctx', '128K', '--tp', '8', '--price-per-gpu-hour', '2'];
    const one = json<{ cost: { perHourUsd: number } }>([...base, '--nodes', '1']);
    const four = json<{ cost: { perHourUsd: number; perMillionInputTokensUsd: number }; pipeline: { ttftMs: number } }>([...base, '--nodes', '4', '--pp', '4']);
    assert.equal(one.cost.perHourUsd, 16);
    assert.equal(four.cost.perHourUsd, 64);
    const expected = (64 / 3600) * (four.pipeline.ttftMs / 1e3 / 128_000) * 1e6;
    assert.ok(Math.abs(four.cost.perMillionInputTokensUsd - expected) < 1e-3, `${four.cost.perMillionInputTokensUsd} vs ${expected}`);
  });

  test('more stages than layers is refused; a TP larger than a stage names both', () => {
    const many = runCli(words('estimate --ctx 128K --pp 64 --engine vllm --nodes 8 --tp 1 --model llama3-8b --cluster h100-ib'));
    assert.match(assertOneLineError(many), /--pp 64: more stages than llama3-8b's 32 layers; give at most --pp 32/);
    const tp = runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--nodes', '1', '--tp', '8', '--pp', '2', '--ctx', '128K']);
    assert.match(assertOneLineError(tp), /--tp 8 with --pp 2: each stage has 4 of the 8 GPUs/);
    const sweep = runCli(words('sweep --model llama3-8b --cluster h100-ib --engine vllm --nodes 8 --tp 1 --pp 32,64 --ctx 128K --json'));
    assert.equal(sweep.status, 0, sweep.stderr);
    const d = JSON.parse(sweep.stdout) as { rows: Layout[]; skipped: number };
    assert.deepEqual(
      d.rows.map((r) => r.pp),
      [32],
    );
    assert.equal(d.skipped, 1);
    assert.match(sweep.stderr, /PP64 has more stages than the model's 32 layers/);
  });
});
