// End to end on the built binary: --engine, --attention-dtype, 4-bit --weights, GPU and engine presets,
// provenance in JSON and on stderr, and validate's external group (issue 13).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT, assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

const est = (...args: string[]) => runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--gpus', '8', '--ctx', '32K', ...args]);

describe('estimate with engines and precisions', () => {
  test("--engine: the default is the cluster's; another engine changes the kernels and the fixed costs, and JSON says which", () => {
    const vllm = parseJson(est('--json').stdout);
    assert.equal(vllm.engine.name, 'vllm');
    assert.equal(vllm.engine.prefillAttention, 'fa3');
    const trt = parseJson(est('--engine', 'trtllm', '--json').stdout);
    assert.equal(trt.engine.name, 'trtllm');
    assert.equal(trt.engine.prefillAttention, 'trtllm');
    assert.notEqual(trt.decode.ttitMs, vllm.decode.ttitMs);
    const gtt = parseJson(runCli(['estimate', '--ctx', '128K', '--json']).stdout);
    assert.equal(gtt.engine.name, 'meta-cp');
    assert.equal(gtt.engine.calibrated, true);
  });

  test('JSON lists the provenance of every group of constants; stderr names what is transferred', () => {
    const r = runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'h800-ib', '--gpus', '8', '--ctx', '32K', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    const gemm = doc.provenance.find((t: { term: string }) => t.term === 'GEMM efficiency');
    assert.equal(gemm.provenance, 'transferred', 'H800 uses the H100 SXM tables');
    assert.match(r.stderr, /warning: transferred, not measured on this GPU and engine: GEMM efficiency.*\(kernel table \w+-sxm, measured on NVIDIA H100/);
  });

  test('--weights nvfp4 halves the weights on Blackwell and computes in FP4; on Hopper it keeps the memory saving and says the math is BF16', () => {
    const b200 = (w: string) =>
      parseJson(runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'b200-ib', '--gpus', '8', '--ctx', '32K', '--weights', w, '--json']).stdout);
    const fp4 = b200('nvfp4');
    const fp8 = b200('fp8');
    assert.ok(fp4.memory.perGpu.weightsBytes < 0.6 * fp8.memory.perGpu.weightsBytes + 4e9);
    assert.ok(fp4.prefill.ttftMs < fp8.prefill.ttftMs);
    const hopper = runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--gpus', '8', '--ctx', '32K', '--weights', 'nvfp4', '--json']);
    assert.equal(hopper.status, 0, hopper.stderr);
    assert.ok(parseJson(hopper.stdout).warnings.some((w: string) => /no FP4 tensor cores: NVFP4 weights are dequantised and multiplied in BF16/.test(w)));
  });

  test('--attention-dtype fp8 runs FP8 attention where the engine can, and is refused with the fix where it cannot', () => {
    const ok = est('--attention-dtype', 'fp8', '--kv-dtype', 'fp8', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(parseJson(ok.stdout).precision.attentionDtype, 'fp8');
    assert.match(assertOneLineError(est('--attention-dtype', 'fp8')), /add --kv-dtype fp8/);
    assert.match(
      assertOneLineError(runCli(['estimate', '--ctx', '128K', '--attention-dtype', 'fp8', '--kv-dtype', 'fp8'])),
      /engine 'meta-cp' runs no FP8 attention on hopper/,
    );
    assert.match(assertOneLineError(est('--engine', 'tgi')), /unknown engine 'tgi'/);
    assert.match(
      assertOneLineError(runCli(['estimate', '--cluster', 'mi300x-roce', '--ctx', '8K', '--engine', 'trtllm'])),
      /--engine trtllm: runs on .* not on/,
    );
  });
});

describe('presets: GPUs and engines', () => {
  test('presets list --kind gpu lists only GPUs, with dense peaks and where their kernel tables come from', () => {
    const r = runCli(['presets', 'list', '--kind', 'gpu', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.deepEqual([doc.models.length, doc.clusters.length, doc.engines.length], [0, 0, 0]);
    const names = doc.gpus.map((g: { name: string }) => g.name);
    for (const g of ['h100-sxm', 'h20-96gb', 'h20-141gb', 'h800', 'gh200', 'b300-sxm', 'gb300', 'mi325x', 'mi355x', 'l40s']) assert.ok(names.includes(g), g);
    const h800 = doc.gpus.find((g: { name: string }) => g.name === 'h800');
    assert.equal(h800.kernelProvenance, 'transferred');
    const text = runCli(['presets', 'list', '--kind', 'engine']).stdout;
    assert.match(text, /sglang .*hopper: fa3\/fa3/);
  });

  test('presets show engine/sglang and gpu/h100-sxm print the files; a name two kinds share asks which', () => {
    assert.match(runCli(['presets', 'show', 'engine/sglang']).stdout, /^name: sglang$/m);
    assert.match(runCli(['presets', 'show', 'gpu/h100-sxm']).stdout, /^name: h100-sxm$/m);
    assert.match(runCli(['presets', 'show', 'vllm']).stdout, /^name: vllm$/m);
    assert.match(assertOneLineError(runCli(['presets', 'show', 'engine/nope'])), /unknown engine 'nope'/);
  });
});

describe('validate: the external set', () => {
  test('--data validation/external.yaml reports held-out MAPE per GPU and engine, in JSON and as a table', () => {
    const r = runCli(['validate', '--data', 'validation/external.yaml', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.ok(doc.external.cases.length >= 40);
    assert.ok(Object.keys(doc.external.mape.heldOutByGpu).length >= 4);
    assert.ok(Object.keys(doc.external.mape.heldOutByEngine).length >= 3);
    assert.ok(doc.external.mape.fit.count > 0 && doc.external.mape.heldOut.count > doc.external.mape.fit.count);
    const t = runCli(['validate', '--data', 'validation/external.yaml']);
    assert.match(t.stdout, /held-out  by GPU: /);
    assert.match(t.stdout, /by engine: /);
    // As a gate: exit 1 when the held-out MAPE is above the bound.
    assert.equal(runCli(['validate', '--data', 'validation/external.yaml', '--max-mape', '1%']).status, 1);
  });
});

describe("a cluster's engine file and its calibration's engine (review 13, P3.10 and P3.12)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-plan-engine-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const preset = (path: string) => readFileSync(join(REPO_ROOT, 'presets', path), 'utf8');
  const replace = (text: string, from: RegExp, to: string) => {
    assert.match(text, from, `fixture edit ${from}`);
    return text.replace(from, to);
  };
  const calibration = (engine: string) => `calibration:\n  engine: ${engine}\n  provenance: fitted\n  source: test\n  gemmEfficiencyScale: 0.5\n`;
  // sub/my-engine.yaml (vLLM's constants under another name) and clusters in sub/ that name it.
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'my-engine.yaml'), replace(preset('engines/vllm.yaml'), /^name: vllm$/m, 'name: my-engine'));
  const h100 = preset('clusters/h100-ib.yaml');
  writeFileSync(join(dir, 'sub', 'own.yaml'), replace(h100, /^engine: .*$/m, 'engine: ./my-engine.yaml') + calibration('my-engine'));
  writeFileSync(join(dir, 'sub', 'vllm-default.yaml'), h100 + calibration('my-engine'));
  const run = (...args: string[]) => runCli(['estimate', '--model', 'llama3-70b', '--ctx', '32K', '--json', ...args], { cwd: dir });

  test('engine: ./my-engine.yaml is read beside the cluster file, not from the cwd', () => {
    const r = run('--cluster', 'sub/own.yaml');
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.engine.name, 'my-engine');
    // Its calibration names that engine's name: applied.
    assert.equal(doc.engine.calibrated, true);
  });

  test('a calibration for the engine file the cluster names stays valid when --engine picks another', () => {
    const r = run('--cluster', 'sub/own.yaml', '--engine', 'sglang');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(parseJson(r.stdout).engine.calibrated, false);
  });

  test('a calibration for an engine file given with --engine applies; without it the unknown name is refused', () => {
    const r = run('--cluster', 'sub/vllm-default.yaml', '--engine', 'sub/my-engine.yaml');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(parseJson(r.stdout).engine.calibrated, true);
    const line = assertOneLineError(run('--cluster', 'sub/vllm-default.yaml'));
    assert.match(
      line,
      /^cp-plan: sub\/vllm-default\.yaml: calibration\.engine 'my-engine' is not a known engine.*known engines: meta-cp, sglang, trtllm, vllm/,
    );
  });

  test('a copy of gtt keeps its calibration; with a misspelt calibration.engine it is refused, not silently dropped', () => {
    const gtt = preset('clusters/gtt.yaml');
    writeFileSync(join(dir, 'gtt-copy.yaml'), gtt);
    writeFileSync(join(dir, 'gtt-typo.yaml'), replace(gtt, /^  engine: meta-cp$/m, '  engine: meta_cp'));
    const ok = run('--cluster', 'gtt-copy.yaml');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(parseJson(ok.stdout).engine.calibrated, true);
    assert.match(assertOneLineError(run('--cluster', 'gtt-typo.yaml')), /gtt-typo\.yaml: calibration\.engine 'meta_cp' is not a known engine/);
  });
});

describe('validate: an external file whose rows are all skipped (review 13, P3.11)', () => {
  test('--max-mape and --max-error fail (exit 1): an empty scored set passes no gate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-plan-external-'));
    try {
      const row = (name: string, cluster: string) =>
        `  - { name: ${name}, kind: e2e, gpu: h200-sxm, engine: vllm, role: held-out, cluster: ${cluster}, model: llama3-8b, gpus: 1, tp: 1, weights: bf16, kvDtype: bf16, inputTokens: 32, outputTokens: 128, batch: 8, measuredMs: 834, ref: test }\n`;
      writeFileSync(join(dir, 'x.yaml'), `source: test\nrows:\n${row('a', 'nosuch')}${row('b', 'nosuch2')}`);
      const plain = runCli(['validate', '--data', 'x.yaml'], { cwd: dir });
      assert.equal(plain.status, 0, plain.stderr);
      assert.match(plain.stdout, /not evaluated: a \(unknown cluster 'nosuch'\)/);
      for (const gate of [
        ['--max-mape', '10%'],
        ['--max-error', '10%'],
      ]) {
        const r = runCli(['validate', '--data', 'x.yaml', ...gate], { cwd: dir });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /0 external measurements/);
        assert.equal(
          r.stderr,
          `cp-plan: check failed: nothing was scored (no held-out row could be evaluated; 2 not evaluated, see the report), so ${gate[0]} cannot pass\n`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
