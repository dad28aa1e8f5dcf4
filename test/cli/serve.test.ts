// End to end on the built binary (issue 14): serve from flags, a workload file and a trace; plan fleets;
// estimate --prefill-chunk; bad input as one line, exit 2, nothing on stdout.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-plan-serve-'));
const base = ['serve', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--weights', 'fp8'];

describe('cp-plan serve', () => {
  test('flags: a throughput and latency report; --json is one document with the same numbers, deterministic', () => {
    const args = [...base, '--isl', '4K', '--osl', '256', '--rate', '2/s', '--gpus', '16', '--requests', '300', '--price-per-gpu-hour', '2.5'];
    const table = runCli(args);
    assert.equal(table.status, 0, table.stderr);
    for (const s of ['TTFT', 'TTIT', 'Output tokens/s', 'Goodput', 'Saturates at', '2 replica(s) x 8 GPUs', 'Cost per million tokens'])
      assert.ok(table.stdout.includes(s), s);
    const a = runCli([...args, '--json']);
    const b = runCli([...args, '--json']);
    assert.equal(a.stdout, b.stdout, 'deterministic');
    const doc = parseJson(a.stdout);
    assert.equal(doc.schemaVersion, 2);
    assert.equal(doc.deployment.replicas, 2);
    assert.equal(doc.results.served, 300);
    assert.ok(doc.results.ttft.p99Ms >= doc.results.ttft.p50Ms);
    assert.ok(doc.cost.perMillionOutputTokensUsd > 0);
  });

  test('overload saturates: exit 1 with a check-failed line, the report still on stdout', () => {
    const r = runCli([...base, '--isl', '128K', '--osl', '1K', '--rate', '2/s', '--gpus', '16', '--requests', '100']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /check failed: saturated/);
    assert.ok(r.stdout.includes('Saturated'));
  });

  test('review fixes: fewer clients than replicas serve every request; overload in a short run is saturation; caps', () => {
    const few = parseJson(runCli([...base, '--isl', '2K', '--osl', '64', '--concurrency', '1', '--gpus', '16', '--requests', '20', '--json']).stdout);
    assert.equal(few.results.served, 20);
    const short = runCli([...base, '--isl', '2K', '--osl', '4K', '--rate', '50/s', '--gpus', '32', '--tp', '4', '--requests', '400', '--json']);
    assert.equal(short.status, 1);
    assert.equal(parseJson(short.stdout).results.saturated, true);
    assert.match(assertOneLineError(runCli([...base, '--isl', '4294969296', '--osl', '100', '--rate', '1/s'])), /over a billion tokens/);
    assert.match(assertOneLineError(runCli([...base, '--isl', '100', '--osl', '1', '--rate', '1/s', '--requests', '100000000'])), /at most 10,000,000/);
    assert.match(assertOneLineError(runCli([...base, '--isl', '2K', '--osl', '10', '--rate', '2/s', '--gpus', '100000000'])), /has at most 512 GPUs/);
    assert.match(
      assertOneLineError(
        runCli(['serve', '--model', 'llama3-405b', '--cluster', 'h100-ib', '--tp', '1', '--gpus', '1', '--isl', '1K', '--osl', '10', '--rate', '1/s']),
      ),
      /leave no room for KV/,
    );
  });

  test('a workload file (mix, distributions, turns) and a JSONL trace', () => {
    const w = join(dir, 'traffic.yaml');
    writeFileSync(
      w,
      'rate: 3/s\nrequests: 200\nclasses:\n  - { weight: 3, inputTokens: { uniform: [1K, 8K] }, outputTokens: 200, hitRate: 50% }\n  - { weight: 1, inputTokens: 2K, outputTokens: { lognormal: { median: 300, sigma: 0.5 } }, turns: 3, think: 20s }\n',
    );
    const r = runCli([...base, '--workload', w, '--gpus', '8', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(parseJson(r.stdout).results.requests, 200);
    const t = join(dir, 'trace.jsonl');
    writeFileSync(t, '{"arrival": 0, "input": 2000, "output": 100}\n{"arrival": 0.5, "input": 3000, "cached": 1000, "output": 50}\n');
    const tr = runCli([...base, '--trace', t, '--gpus', '8', '--json']);
    assert.equal(tr.status, 0, tr.stderr);
    assert.equal(parseJson(tr.stdout).results.served, 2);
    assert.match(assertOneLineError(runCli([...base, '--trace', t, '--hit-rate', '50%'])), /--hit-rate: the trace says this/);
  });

  test('bad input: one line, exit 2, nothing on stdout', () => {
    assert.match(assertOneLineError(runCli([...base, '--isl', '4K', '--osl', '256', '--rate', '2'])), /--rate: expected requests per unit of time/);
    assert.match(assertOneLineError(runCli([...base, '--isl', '4K', '--rate', '2/s'])), /--isl and --osl go together/);
    assert.match(assertOneLineError(runCli([...base, '--isl', '4K', '--osl', '1K'])), /give --rate .* or --concurrency/);
    assert.match(
      assertOneLineError(runCli([...base, '--isl', '4K', '--osl', '1K', '--rate', '1/s', '--gpus', '12', '--tp', '8'])),
      /not a whole number of TP8 replicas/,
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rate: 3/s\nconcurrency: 4\nclasses:\n  - { inputTokens: 1K, outputTokens: 10 }\n');
    assert.match(assertOneLineError(runCli([...base, '--workload', bad])), /rate \(open loop\) or concurrency/);
    assert.match(
      assertOneLineError(
        runCli([
          'serve',
          '--model',
          'llama3-8b',
          '--cluster',
          'h100-ib',
          '--gpus',
          '1',
          '--tp',
          '1',
          '--isl',
          '2M',
          '--osl',
          '10',
          '--rate',
          '1/s',
          '--requests',
          '5',
        ]),
      ),
      /every request needs more KV than one replica holds/,
    );
    const trace = join(dir, 'bad.jsonl');
    writeFileSync(trace, '{"arrival": 0, "input": 10, "output": 1}\nnot json\n');
    assert.match(assertOneLineError(runCli([...base, '--trace', trace])), /bad\.jsonl:2: not a JSON object/);
  });
});

describe('plan fleets and chunked prefill', () => {
  test('plan --disaggregated: prefill and decode pools with the co-located fleet beside; JSON says both', () => {
    const args = [
      'plan',
      '--model',
      'llama3-70b',
      '--cluster',
      'h100-ib',
      '--isl',
      '8K',
      '--osl',
      '1K',
      '--rate',
      '4/s',
      '--max-ttft',
      '2s',
      '--max-ttit',
      '50ms',
      '--price-per-gpu-hour',
      '2.50',
      '--objective',
      'cost',
      '--disaggregated',
    ];
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    for (const s of ['prefill pool', 'decode pool', 'Co-located replicas', '$/hour']) assert.ok(r.stdout.includes(s), s);
    const doc = parseJson(runCli([...args, '--json']).stdout);
    assert.equal(doc.mode, 'disaggregated');
    assert.equal(doc.disaggregated.gpus, doc.disaggregated.prefill.gpus + doc.disaggregated.decode.gpus);
    assert.ok(doc.colocated.replicas >= 1);
  });

  test('plan: --ctx or a fleet, not both; cost needs a price', () => {
    assert.match(assertOneLineError(runCli(['plan', '--ctx', '8K', '--isl', '8K', '--osl', '1K', '--rate', '1/s'])), /not both/);
    assert.match(assertOneLineError(runCli(['plan'])), /plan needs --ctx/);
    assert.match(
      assertOneLineError(runCli(['plan', '--cluster', 'h20-ib', '--model', 'llama3-8b', '--isl', '8K', '--osl', '1K', '--rate', '1/s', '--objective', 'cost'])),
      /no price for h20-ib; give --price-per-gpu-hour/,
    );
  });

  test('estimate --prefill-chunk: DeepSeek-V3 on 8 H200 at 128K holds 4 or more concurrent sequences', () => {
    const r = runCli(['estimate', '--model', 'deepseek-v3', '--cluster', 'h200-ib', '--gpus', '8', '--ctx', '128K', '--prefill-chunk', '8K', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.ok(doc.memory.maxConcurrentSequences >= 4);
    assert.equal(doc.prefill.chunkTokens, 8000);
    assert.equal(doc.workload.prefillChunkTokens, 8000);
    const none = parseJson(
      runCli(['estimate', '--model', 'deepseek-v3', '--cluster', 'h200-ib', '--gpus', '8', '--ctx', '128K', '--prefill-chunk', 'none', '--json']).stdout,
    );
    assert.equal(none.prefill.chunks, 1);
    assert.equal(none.workload.prefillChunkTokens, null);
  });
});

test('a workload file rate without its unit is one clear line, as on the command line', () => {
  const d = mkdtempSync(join(tmpdir(), 'cp-plan-rate-'));
  const w = join(d, 'w.yaml');
  writeFileSync(w, 'rate: 3\nclasses:\n  - { inputTokens: 1K, outputTokens: 10 }\n');
  assert.match(assertOneLineError(runCli(['serve', '--workload', w])), /rate needs its unit, as on the command line: 3\/s/);
});
