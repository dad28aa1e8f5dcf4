// cp-plan collective and calibrate --nccl-tests, end to end on the built CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertOneLineError, parseJson, REPO_ROOT, runCli } from '../helpers/run-cli.js';

describe('cp-plan collective', () => {
  test('one size: the nccl-tests columns, the algorithm and protocol, and the run described', () => {
    const r = runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '16', '--bytes', '256MiB']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /16 GPUs of h100-ib on 2 node\(s\) \(2 NVLink domains, 8 GPUs in each; 8 x 400 Gb\/s NICs per node of 8\)/);
    for (const col of ['size (B)', 'count', 'type', 'time (us)', 'algbw (GB/s)', 'busbw (GB/s)', 'algorithm', 'protocol'])
      assert.ok(r.stdout.includes(col), col);
    assert.match(r.stdout, /268435456 │ 67108864 │ float/);
  });

  test('a range doubles like nccl-tests; CSV and JSON carry the same numbers; busbw = algbw x 2(n-1)/n', () => {
    const csv = runCli(['collective', 'all_reduce_perf', '--cluster', 'h100-ib', '--gpus', '16', '--bytes', '8..1GiB', '--format', 'csv']);
    assert.equal(csv.status, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], 'bytes,time_us,algbw_GBps,busbw_GBps,algorithm,protocol,latency_us');
    assert.equal(lines.length - 1, 28, '8 B to 1 GiB doubling: 28 sizes');
    const json = parseJson(runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '16', '--bytes', '8..1GiB', '--json']).stdout);
    assert.equal(json.schemaVersion, 2);
    assert.deepEqual(json.group, { size: 16, perDomain: 8, domains: 2 });
    let prev = 0;
    for (const row of json.rows) {
      assert.ok(row.timeUs >= prev, 'time grows with size');
      prev = row.timeUs;
      assert.ok(Math.abs(row.busbwGBps - row.algbwGBps * (30 / 16)) <= 0.002 + 1e-6 * row.busbwGBps);
    }
    // The physics check: 1 GiB over 16 GPUs of 8x400G rail-optimised H100 reaches a published bus bandwidth (300-500 GB/s).
    const last = json.rows.at(-1);
    assert.equal(last.bytes, 1073741824);
    assert.ok(last.busbwGBps > 300 && last.busbwGBps < 500, `${last.busbwGBps}`);
    const first = json.rows[0];
    assert.ok(first.timeUs > 10 && first.timeUs < 100, `8 B across 2 nodes: ${first.timeUs} us`);
  });

  test('a 32 KB all-reduce inside a node costs tens of µs; --algorithm restricts the choice as NCCL_ALGO does', () => {
    const free = parseJson(runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '8', '--bytes', '32K', '--json']).stdout).rows[0];
    assert.ok(free.timeUs > 10 && free.timeUs < 60, `${free.timeUs}`);
    const ring = parseJson(
      runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '8', '--bytes', '8GiB', '--algorithm', 'ring', '--json']).stdout,
    ).rows[0];
    const nvls = parseJson(runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '8', '--bytes', '8GiB', '--json']).stdout).rows[0];
    assert.equal(ring.algorithm, 'ring');
    assert.equal(nvls.algorithm, 'nvls');
    assert.ok(ring.timeUs > nvls.timeUs);
  });

  test('--ranks-per-node: --nodes N is N x R ranks, --gpus G is G ranks on ceil(G/R) nodes; uneven splits are named', () => {
    const three = parseJson(
      runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--nodes', '3', '--ranks-per-node', '1', '--bytes', '1M', '--json']).stdout,
    );
    assert.deepEqual([three.gpus, three.nodes, three.group.domains, three.domainSizes], [3, 3, 3, [1, 1, 1]]);
    const g = parseJson(runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '6', '--ranks-per-node', '4', '--bytes', '1M', '--json']).stdout);
    assert.deepEqual([g.gpus, g.nodes, g.domainSizes], [6, 2, [4, 2]]);
    const table = runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '12', '--bytes', '1M']);
    assert.match(table.stdout, /12 GPUs of h100-ib on 2 node\(s\) \(2 NVLink domains, 8 \+ 4 GPUs;/);
    assert.match(runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '16', '--bytes', '1M']).stdout, /2 NVLink domains, 8 GPUs in each/);
    assert.match(
      assertOneLineError(runCli(['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '4', '--nodes', '1', '--ranks-per-node', '2', '--bytes', '1M'])),
      /fill 2 node\(s\), not --nodes 1/,
    );
  });

  test('all-to-all and sendrecv are point-to-point; every op runs on an NVL72 rack', () => {
    for (const op of ['all-gather', 'reduce-scatter', 'all-to-all', 'sendrecv']) {
      const r = runCli(['collective', op, '--cluster', 'gb200-nvl72', '--gpus', '72', '--bytes', '64MiB', '--json']);
      assert.equal(r.status, 0, `${op}: ${r.stderr}`);
      assert.deepEqual(parseJson(r.stdout).group, { size: 72, perDomain: 72, domains: 1 });
    }
    assert.equal(
      parseJson(runCli(['collective', 'alltoall', '--cluster', 'h100-ib', '--nodes', '2', '--bytes', '1M', '--json']).stdout).rows[0].algorithm,
      'grouped-p2p',
    );
  });

  test('bad input is one line, exit 2', () => {
    const cases = [
      ['collective', 'broadcast', '--bytes', '1M'],
      ['collective', 'all-reduce', '--bytes', '1Mb/s'],
      ['collective', 'all-reduce', '--bytes', '1G..8'],
      ['collective', 'all-reduce', '--bytes', '8..1G:1'],
      ['collective', 'all-reduce', '--bytes', '1M', '--gpus', '1'],
      ['collective', 'all-reduce', '--bytes', '1M', '--gpus', '4', '--nodes', '2'],
      ['collective', 'all-reduce', '--bytes', '1M', '--algorithm', 'magic'],
      ['collective', 'all-to-all', '--bytes', '1M', '--algorithm', 'ring'],
      ['collective', 'all-reduce', '--bytes', '1M', '--gpus', '8', '--algorithm', 'nvls-tree'],
      ['collective', 'all-reduce', '--bytes', '1M', '--ranks-per-node', '9'],
      ['collective', 'all-reduce'],
    ];
    for (const args of cases) assertOneLineError(runCli(args));
  });
});

/** nccl-tests text output, as all_reduce_perf prints it, for the given rows and ranks (one host per node). */
function ncclTestsText(rows: { bytes: number; timeUs: number; algbw: number; busbw: number }[], ranks: number, perHost: number): string {
  const head = [
    '# Collective test starting: all_reduce_perf',
    '# nThread 1 nGpus 1 minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0',
    '#',
    '# Using devices',
    ...Array.from(
      { length: ranks },
      (_, r) =>
        `#  Rank ${String(r).padStart(2)} Group  0 Pid  ${1000 + r} on   node-${Math.floor(r / perHost)} device  ${r % perHost} [0x18] NVIDIA H100 80GB HBM3`,
    ),
    '#',
    '#                                                              out-of-place                       in-place          ',
    '#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong',
    '#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       ',
  ];
  const body = rows.map((r) =>
    [
      String(r.bytes).padStart(12),
      String(Math.floor(r.bytes / 4)).padStart(13),
      'float'.padStart(9),
      'sum'.padStart(7),
      '-1'.padStart(7),
      r.timeUs.toFixed(2).padStart(8),
      r.algbw.toFixed(2).padStart(7),
      r.busbw.toFixed(2).padStart(7),
      '0'.padStart(6),
      r.timeUs.toFixed(2).padStart(8),
      r.algbw.toFixed(2).padStart(7),
      r.busbw.toFixed(2).padStart(7),
      '0'.padStart(6),
    ].join(' '),
  );
  return [...head, ...body, '# Out of bounds values : 0 OK', '# Avg bus bandwidth    : 100.0', '#', ''].join('\n');
}

describe('cp-plan calibrate --nccl-tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-plan-nccl-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A cluster whose NVLink deviates from h100-ib's in known ways, and nccl-tests output generated from it. */
  function truthRun(name: string, gpus: number): string {
    const truth = join(dir, 'truth.yaml');
    const base = readFileSync(join(REPO_ROOT, 'presets', 'clusters', 'h100-ib.yaml'), 'utf8');
    writeFileSync(
      truth,
      base
        .replace(/^name: h100-ib$/m, 'name: truth')
        .replace(/(scaleUp:[\s\S]*?)extraLatencyUs: [\d.]+/, '$1extraLatencyUs: 6')
        .replace(/(scaleUp:[\s\S]*?)pipelineFillUs: [\d.]+/, '$1pipelineFillUs: 40')
        .replace(/(scaleUp:[\s\S]*?)nvlsBusBandwidthGBps: [\d.]+/, '$1nvlsBusBandwidthGBps: 430'),
    );
    const doc = parseJson(runCli(['collective', 'all-reduce', '--cluster', truth, '--gpus', String(gpus), '--bytes', '8..8GiB', '--json']).stdout);
    let seed = 7;
    const noise = () => 1 + ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.02;
    const rows = doc.rows.map((r: { bytes: number; timeUs: number; algbwGBps: number; busbwGBps: number }) => {
      const f = noise();
      return { bytes: r.bytes, timeUs: r.timeUs * f, algbw: r.algbwGBps / f, busbw: r.busbwGBps / f };
    });
    const file = join(dir, name);
    writeFileSync(file, ncclTestsText(rows, gpus, 8));
    return file;
  }

  test('round trip: the NVLink latency, fill and NVLS bandwidth used to generate the output are fitted back', () => {
    const file = truthRun('all_reduce_perf.txt', 8);
    const out = join(dir, 'mine.yaml');
    const r = runCli(['calibrate', '--nccl-tests', file, '--cluster', 'h100-ib', '--params', 'nvlink-latency,nvlink-fill,nvls-bus', '-o', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^cp-plan: wrote .*mine\\.yaml\n$`, 'm'), 'says which file it wrote');
    const doc = parseJson(r.stdout);
    const got = Object.fromEntries(doc.params.map((p: { id: string; after: number }) => [p.id, p.after]));
    assert.ok(Math.abs(got['nvls-bus'] / 430 - 1) < 0.03, `nvls-bus ${got['nvls-bus']}`);
    assert.ok(Math.abs(got['nvlink-fill'] / 40 - 1) < 0.15, `nvlink-fill ${got['nvlink-fill']}`);
    assert.ok(Math.abs(got['nvlink-latency'] - 6) < 1.5, `nvlink-latency ${got['nvlink-latency']}`);
    assert.ok(doc.mapeAfter < 0.02 && doc.mapeAfter < doc.mapeBefore);
    assert.equal(doc.runs.length, 1);
    assert.equal(doc.runs[0].op, 'all-reduce');
    // The written preset is a valid cluster with the fitted values, and the collective command uses them.
    const yaml = readFileSync(out, 'utf8');
    assert.match(yaml, /^name: mine$/m);
    assert.match(yaml, /Fitted: scaleUp\.extraLatencyUs, scaleUp\.pipelineFillUs, scaleUp\.nvlsBusBandwidthGBps\./);
    assert.equal(runCli(['collective', 'all-reduce', '--cluster', out, '--bytes', '1G', '--json']).status, 0);
  });

  test('the default parameters are what the runs can determine; a 2-node run fits the network', () => {
    const file = truthRun('all_reduce_perf_2node.txt', 16);
    const r = runCli(['calibrate', '--nccl-tests', file, '--cluster', 'h100-ib', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const ids = parseJson(r.stdout).params.map((p: { id: string }) => p.id);
    assert.ok(
      ids.every((id: string) => id.startsWith('network-')),
      ids.join(','),
    );
  });

  test('bad nccl-tests input is one line, exit 2, and nothing is written', () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'hello\nworld\n');
    const out = join(dir, 'never.yaml');
    assertOneLineError(runCli(['calibrate', '--nccl-tests', junk, '--cluster', 'h100-ib', '-o', out]));
    assert.equal(existsSync(out), false);
    const noOp = join(dir, 'run.txt');
    writeFileSync(noOp, readFileSync(truthRun('x.txt', 8), 'utf8').replace('# Collective test starting: all_reduce_perf\n', ''));
    assert.match(assertOneLineError(runCli(['calibrate', '--nccl-tests', noOp, '--cluster', 'h100-ib'])), /name the file after the nccl-tests binary/);
    assertOneLineError(runCli(['calibrate', '--nccl-tests', junk]));
    assertOneLineError(runCli(['calibrate', '--nccl-tests', truthRun('all_reduce_perf.txt', 8), '--cluster', 'h100-ib', '--params', 'gemm']));
    assertOneLineError(runCli(['calibrate', join(REPO_ROOT, 'validation', 'paper-measurements.yaml'), '--nccl-tests', junk]));
    assertOneLineError(runCli(['calibrate']));
    // NVLS bandwidth cannot be fitted on a fabric without NVLink SHARP.
    assert.match(
      assertOneLineError(runCli(['calibrate', '--nccl-tests', truthRun('all_reduce_perf.txt', 8), '--cluster', 'a100-ib', '--params', 'nvls-bus'])),
      /'a100-ib' has no NVLink SHARP/,
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp-')),
      [],
    );
  });

  test('a file with two runs is read up to the first and says so; the default fit notes what it left alone', () => {
    const one = readFileSync(truthRun('all_reduce_perf.txt', 8), 'utf8');
    const two = join(dir, 'two_all_reduce_perf.txt');
    writeFileSync(two, one + one);
    const r = runCli(['calibrate', '--nccl-tests', two, '--cluster', 'h100-ib', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /holds more than one run; only the first was read/);
    assert.equal(
      parseJson(r.stdout).runs[0].points,
      parseJson(runCli(['calibrate', '--nccl-tests', truthRun('all_reduce_perf.txt', 8), '--cluster', 'h100-ib', '--json']).stdout).runs[0].points,
    );
  });
});
