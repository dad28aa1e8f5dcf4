import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { REPO_ROOT, assertOneLineError, parseJson, runCli, stderrLines } from '../helpers/run-cli.js';

const PAPER = ['plan', '--ctx', '1M', '--max-ttft', '90s'];
const INFEASIBLE = ['plan', '--ctx', '1M', '--max-ttft', '30s', '--max-nodes', '16'];

/** The `plan --json` contract for one candidate. */
function assertCandidateShape(c: any, where: string) {
  for (const key of ['nodes', 'tp', 'cp', 'gpus', 'dcp']) assert.ok(Number.isSafeInteger(c.layout[key]) && c.layout[key] >= 1, `${where}.layout.${key}`);
  assert.equal(c.layout.tp * c.layout.cp, c.layout.gpus, `${where}: TP x CP = GPUs`);
  assert.ok(typeof c.prefill.ttftMs === 'number' && c.prefill.ttftMs > 0, `${where}.prefill.ttftMs`);
  assert.ok(['pass-kv', 'pass-q'].includes(c.prefill.variant), `${where}.prefill.variant`);
  assert.ok(typeof c.decode.ttitMs === 'number' && c.decode.ttitMs > 0, `${where}.decode.ttitMs`);
}

describe('plan', () => {
  test("the paper's setup: exit 0, best and why fewer GPUs fail, golden", () => {
    const r = runCli([...PAPER, '--verbose']);
    assert.equal(r.status, 0, r.stderr);
    // The chosen layout's warnings (issue 16: CP14 decode is extrapolated), each once: 1M is beyond the
    // model's configured context, CP decode was measured only up to CP2, constants are transferred.
    const warned = stderrLines(r);
    assert.ok(
      warned.every((l) => l.startsWith('cp-plan: warning: ')),
      r.stderr,
    );
    assert.equal(new Set(warned).size, warned.length, 'each warning once');
    assert.ok(
      warned.some((l) => /context of 1000000 tokens exceeds llama3-405b's configured maximum of 131072/.test(l)),
      r.stderr,
    );
    assert.ok(
      warned.some((l) => /decode under CP14 is extrapolated: CP decode was measured only up to CP2/.test(l)),
      r.stderr,
    );
    assert.ok(
      warned.some((l) => /transferred, not measured on this GPU and engine/.test(l)),
      r.stderr,
    );
    assert.match(r.stdout, /^Best: 14 nodes TP8 x CP14 pass-KV \[\d(,\d)*\]/m);
    assert.match(r.stdout, /^Warnings:\n(  \[\d\] .*\n)*  \[\d\] decode under CP14 is extrapolated/m);
    assert.match(r.stdout, /^Best: /m);
    assert.match(r.stdout, /Why fewer GPUs/);
    assert.match(r.stdout, /does not meet TTFT/);
    assert.match(r.stdout, /Pareto frontier/);
    assertGolden('plan-1m-90s.txt', r.stdout);
  });

  test('--json: the stable contract; best uses at most 16 nodes (128 GPUs)', () => {
    const r = runCli([...PAPER, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.schemaVersion, 2);
    assertCandidateShape(doc.best, 'best');
    assert.ok(doc.best.layout.gpus <= 128, `best uses ${doc.best.layout.gpus} GPUs`);
    assert.ok(doc.best.prefill.ttftMs <= 90_000);
    assert.ok(Array.isArray(doc.candidates) && doc.candidates.length >= 1 && doc.candidates.length <= 5);
    doc.candidates.forEach((c: any, i: number) => assertCandidateShape(c, `candidates[${i}]`));
    assert.deepEqual(doc.candidates[0], doc.best, 'the first candidate is the best');
    for (let i = 1; i < doc.candidates.length; i++) assert.ok(doc.candidates[i].layout.gpus >= doc.candidates[i - 1].layout.gpus);
    assert.ok(Array.isArray(doc.rejected) && doc.rejected.length > 0);
    for (const f of doc.rejected) {
      assert.match(f.family, /^TP\d+$/);
      assert.ok(typeof f.reason === 'string' && f.reason.length > 0, f.family);
    }
    assert.equal(doc.closest, null);
    // Issue 16: the README promises `warnings`; every candidate carries its layout's, as estimate --json would.
    assert.ok(Array.isArray(doc.warnings), 'warnings is an array');
    assert.ok(
      doc.warnings.some((w: string) => /decode under CP14 is extrapolated/.test(w)),
      JSON.stringify(doc.warnings),
    );
    assert.deepEqual(doc.best.warnings, doc.warnings, "the document's warnings are the best layout's");
    const estimated = parseJson(runCli(['estimate', '--ctx', '1M', '--nodes', '14', '--tp', '8', '--json']).stdout);
    assert.deepEqual(doc.best.warnings, estimated.warnings, "estimate's warnings for the same layout");
    for (const c of [...doc.candidates, ...doc.rejected.map((f: any) => f.closest)]) assert.ok(Array.isArray(c.warnings));
    for (const s of doc.smallerGpuCounts) assert.ok(s.gpus < doc.best.layout.gpus && s.reason.length > 0);
  });

  test('nothing meets the SLOs: exit 1, the report on stdout, one "check failed" line on stderr', () => {
    const r = runCli(INFEASIBLE);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /No layout meets every constraint\. The binding one is TTFT/);
    assert.match(r.stdout, /Closest layout at each size/);
    // One "check failed" line (and the warning that 1M is beyond the model's configured context).
    const lines = stderrLines(r).filter((l) => !l.startsWith('cp-plan: warning:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^cp-plan: check failed/);
    assert.match(lines[0]!, /up to 16 nodes/);

    const j = runCli([...INFEASIBLE, '--json']);
    assert.equal(j.status, 1);
    const doc = parseJson(j.stdout);
    assert.equal(doc.best, null);
    assert.deepEqual(doc.candidates, []);
    assertCandidateShape(doc.closest, 'closest');
    assert.ok(doc.closest.violations.length > 0);
    assert.equal(doc.maxNodes, 16);
    assert.match(j.stderr, /^cp-plan: check failed/m);
  });

  test('llama3-70b, 512K at a 5% miss rate, TTFT 5 s: exit 0', () => {
    const r = runCli(['plan', '--model', 'llama3-70b', '--ctx', '512K', '--miss-rate', '5%', '--max-ttft', '5s', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.model.name, 'llama3-70b');
    assert.deepEqual(doc.workload, { contextTokens: 512_000, cachedTokens: 486_400, newTokens: 25_600, batch: 1 });
    assert.equal(doc.slo.maxTtftMs, 5000);
    assertCandidateShape(doc.best, 'best');
    assert.ok(doc.best.prefill.ttftMs <= 5000);
  });
});

describe('sweep', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-plan-sweep-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--nodes 1..32 --ctx 128K,512K,1M --format csv parses back', () => {
    const r = runCli(['sweep', '--nodes', '1..32', '--ctx', '128K,512K,1M', '--format', 'csv']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.endsWith('\n'));
    const [head, ...lines] = r.stdout.trimEnd().split('\n');
    const header = head!.split(',');
    for (const key of ['nodes', 'contextTokens', 'gpus', 'layout', 'variant', 'ttftMs', 'passKvTtftMs', 'passQTtftMs', 'ttitMs', 'fits']) {
      assert.ok(header.includes(key), `header has ${key}: ${head}`);
    }
    assert.equal(lines.length, 96);
    const rows = lines.map((l) => {
      const cells = l.split(',');
      assert.equal(cells.length, header.length, l);
      return Object.fromEntries(header.map((k, i) => [k, cells[i]!]));
    });
    for (const row of rows) {
      assert.ok(Number(row.ttftMs) > 0, `ttftMs ${row.ttftMs}`);
      assert.ok(['true', 'false'].includes(row.fits!));
    }
    for (const ctx of ['128000', '512000', '1000000']) {
      const series = rows.filter((row) => row.contextTokens === ctx);
      assert.deepEqual(
        series.map((row) => Number(row.nodes)),
        Array.from({ length: 32 }, (_, i) => i + 1),
        ctx,
      );
      const ttft = series.map((row) => Number(row.ttftMs));
      assert.ok(ttft[31]! < ttft[0]!, `${ctx}: 32 nodes faster than 1`);
      for (let i = 1; i < 32; i++) assert.ok(ttft[i]! <= ttft[i - 1]!, `${ctx}: TTFT grew from ${i} to ${i + 1} nodes`);
    }
  });

  test('--miss-rate 1%..50% --chart draws a terminal chart with both variants', () => {
    const r = runCli(['sweep', '--miss-rate', '1%..50%', '--nodes', '4', '--ctx', '128K', '--chart']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.split('\n').filter((l) => l.includes('┤')).length >= 5, 'chart axis lines');
    assert.match(r.stdout, /TTFT \(s\) vs miss rate \(%\): Llama 3\.1 405B on gtt/);
    assert.match(r.stdout, /● pass-KV {3}■ pass-Q/);
    assert.match(r.stdout, /^ +10% +20% +30% +40% +50%$/m, 'x ticks labelled under the axis');
    // The chart (from its title on) keeps to 80 columns on a pipe; the table and its warning notes above it may not.
    const chart = r.stdout.slice(r.stdout.indexOf('TTFT (s) vs miss rate')).split('\n');
    assert.ok(
      chart.every((l) => [...l].length <= 80),
      '80 columns on a pipe',
    );
  });

  test('--log-y, --max-ttft and --chart-metric memory draw their lines and marks', () => {
    const file = join(dir, 'slo.svg');
    const r = runCli(['sweep', '--nodes', '1..32', '--ctx', '128K,1M', '--log-y', '--max-ttft', '60s', '--chart', '--chart-file', file]);
    assert.equal(r.status, 0, r.stderr);
    const svg = readFileSync(file, 'utf8');
    assert.match(svg, /TTFT \(s\), log scale/);
    assert.match(svg, />TTFT SLO 60\.0 s<\/text>/);
    assert.match(svg, /class="point bad over"/);
    assert.match(svg, />does not fit in memory<\/text>/);
    assert.match(r.stdout, /TTFT \(s\) vs nodes: Llama 3\.1 405B on gtt \(log scale\)/);
    assert.match(r.stdout, /- - TTFT SLO 60\.0 s/);
    const m = runCli(['sweep', '--nodes', '1..8', '--ctx', '1M', '--chart', '--chart-metric', 'memory', '--max-ttit', '50ms']);
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /- - usable HBM [\d.]+ GB per GPU/);
    assert.doesNotMatch(m.stdout, /SLO/, 'a TTIT SLO is not drawn on the memory chart');
  });

  test('the terminal chart fills the terminal width the CLI is given', async () => {
    const { main } = await import('../../src/program.js');
    let out = '';
    const args = ['node', 'cp-plan', 'sweep', '--nodes', '1..8', '--ctx', '128K', '--chart', '--no-color'];
    const io = (width?: number) => ({ stdout: (t: string) => void (out += t), stderr: () => {}, isTTY: width !== undefined, width, env: {} });
    assert.equal(await main(args, io(130)), 0);
    const chart = out.slice(out.indexOf('TTFT (s) vs')).trimEnd().split('\n');
    assert.ok(chart.every((l) => [...l].length <= 130) && chart.some((l) => [...l].length > 120), 'as wide as the terminal');
    out = '';
    assert.equal(await main(args, io()), 0);
    assert.ok(
      out
        .slice(out.indexOf('TTFT (s) vs'))
        .trimEnd()
        .split('\n')
        .every((l) => [...l].length <= 80),
      '80 when not a terminal',
    );
  });

  test('--format markdown, golden', () => {
    const r = runCli(['sweep', '--miss-rate', '1%..10%:1%', '--nodes', '4', '--ctx', '128K', '--format', 'markdown']);
    assert.equal(r.status, 0, r.stderr);
    // The table, then (issue 16) the notes of its Warnings column after a blank line.
    const [table, notes = ''] = r.stdout.trimEnd().split('\n\n');
    const lines = table!.split('\n');
    assert.equal(lines.length, 12, 'header, rule and 10 rows');
    assert.ok(lines.every((l) => l.startsWith('| ') && l.endsWith(' |')));
    assert.match(notes, /^\*\*Warnings:\*\*\n- \[1\] /);
    assertGolden('sweep-miss-rate.md', r.stdout);
  });

  test('--chart-file writes a deterministic SVG', () => {
    const file = join(dir, 'c.svg');
    const args = ['sweep', '--nodes', '1..8', '--ctx', '1M', '--chart-file', file];
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(file));
    const first = readFileSync(file);
    const svg = first.toString('utf8');
    assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
    assert.ok(svg.includes('<polyline'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal(runCli(args).status, 0);
    assert.ok(readFileSync(file).equals(first), 'two runs write identical bytes');
    assert.ok(r.stderr.endsWith(`\ncp-plan: wrote ${file}\n`), `says which file it wrote: ${r.stderr}`);
  });

  test("README's chart image is what the command beside it writes today (UPDATE_GOLDEN=1 redraws it)", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const command = /\(`cp-plan (sweep [^`]*--chart-file docs\/ttft-vs-nodes\.svg)`\)/.exec(readme);
    assert.ok(command, 'README shows the command that draws docs/ttft-vs-nodes.svg');
    const file = join(dir, 'readme.svg');
    const r = runCli(
      command[1]!
        .split(' ')
        .map((a) => (a === 'docs/ttft-vs-nodes.svg' ? file : a))
        .concat('--format', 'csv'),
    );
    assert.equal(r.status, 0, r.stderr);
    const image = join(REPO_ROOT, 'docs', 'ttft-vs-nodes.svg');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(image, readFileSync(file));
    assert.equal(readFileSync(image, 'utf8'), readFileSync(file, 'utf8'), 'docs/ttft-vs-nodes.svg is stale: UPDATE_GOLDEN=1 redraws it');
  });

  test('--chart-file refuses a name not ending in .svg before any work, and writes nothing', () => {
    for (const name of ['c.png', 'c.svg.txt', 'chart']) {
      const file = join(dir, name);
      const line = assertOneLineError(runCli(['sweep', '--nodes', '1..8', '--ctx', '1M', '--chart-file', file]));
      assert.match(line, /^cp-plan: --chart-file .*: the chart is an SVG image; give a file name ending in \.svg$/);
      assert.equal(existsSync(file), false, name);
    }
    // Before the inputs are read: a wrong model is not what is reported.
    assert.match(assertOneLineError(runCli(['sweep', '--nodes', '1..8', '--ctx', '1M', '--model', 'nope', '--chart-file', join(dir, 'c.png')])), /\.svg$/);
    assert.equal(runCli(['sweep', '--nodes', '1..2', '--ctx', '8K', '--chart-file', join(dir, 'UPPER.SVG')]).status, 0);
  });

  test('--format json: rows and swept', () => {
    const r = runCli(['sweep', '--nodes', '1..4', '--ctx', '128K,1M', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.deepEqual(doc.swept, ['nodes', 'ctx']);
    assert.ok(Array.isArray(doc.rows));
    assert.equal(doc.rows.length, 8);
    assert.equal(doc.skipped, 0);
    for (const row of doc.rows) {
      assert.ok(Number.isInteger(row.nodes) && Number.isInteger(row.contextTokens));
      assert.ok(row.ttftMs > 0 && typeof row.fits === 'boolean');
    }
    assert.deepEqual(parseJson(runCli(['sweep', '--nodes', '1..4', '--ctx', '128K,1M', '--json']).stdout), doc, '--json is --format json');
  });

  // Issue 16: sweep gave only the context warning, never the model's extrapolation warnings (CP16 decode).
  test("each point's warnings: once each on stderr, a Warnings column with notes, indices into warnings in JSON", () => {
    const args = ['sweep', '--nodes', '1,16', '--ctx', '128K,1M'];
    const table = runCli(args);
    assert.equal(table.status, 0, table.stderr);
    const lines = stderrLines(table);
    assert.equal(new Set(lines).size, lines.length, 'each warning once');
    assert.equal(
      lines.filter((l) => /^cp-plan: warning: decode under CP16 is extrapolated: CP decode was measured only up to CP2$/.test(l)).length,
      1,
      table.stderr,
    );
    assert.match(table.stdout, /Warnings │/);
    assert.match(table.stdout, /^ {2}\[\d\] decode under CP16 is extrapolated/m);
    const markdown = runCli([...args, '--format', 'markdown']);
    assert.match(markdown.stdout, /^- \[\d\] decode under CP16 is extrapolated/m);
    const doc = parseJson(runCli([...args, '--json']).stdout);
    const cp16 = doc.warnings.indexOf('decode under CP16 is extrapolated: CP decode was measured only up to CP2');
    assert.ok(cp16 >= 0, JSON.stringify(doc.warnings));
    for (const row of doc.rows) {
      assert.ok(row.warnings.every((i: number) => Number.isInteger(i) && doc.warnings[i] !== undefined));
      assert.equal(row.warnings.includes(cp16), row.nodes === 16, `row on ${row.nodes} nodes`);
      assert.equal(
        row.warnings.some((i: number) => /^contexts beyond llama3-405b's configured maximum of 131072 tokens/.test(doc.warnings[i])),
        row.contextTokens > 131072,
      );
    }
  });

  test('invalid TP points are skipped with one warning line', () => {
    const r = runCli(['sweep', '--tp', '1..8', '--nodes', '1', '--ctx', '128K', '--format', 'csv']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, 5, 'header and TP 1, 2, 4, 8');
    const lines = stderrLines(r).filter((l) => / skipped /.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^cp-plan: warning: skipped 4 point\(s\)/);
  });
});

describe('invalid specs exit 2 with one line', () => {
  const cases: [string, string[], RegExp][] = [
    ['decreasing range', ['sweep', '--ctx', '128K', '--nodes', '5..1'], /--nodes: '5\.\.1' is not an increasing range/],
    ['range to a non-number', ['sweep', '--ctx', '128K', '--nodes', '1..x'], /--nodes: 'x'/],
    ['bad token suffix', ['sweep', '--ctx', '1Mb'], /--ctx: '1Mb' is not a token count/],
    ['miss rate from 0%', ['sweep', '--ctx', '128K', '--miss-rate', '0%..10%'], /--miss-rate: .*outside/],
    ['miss rate above 100%', ['sweep', '--ctx', '128K', '--miss-rate', '1%..120%'], /--miss-rate: .*outside/],
    ['three swept dims', ['sweep', '--nodes', '1..2', '--batch', '1,2', '--miss-rate', '1%,2%', '--ctx', '128K'], /at most two/],
    ['chart with nothing swept', ['sweep', '--ctx', '128K', '--chart'], /--chart needs a swept quantity/],
    [
      'an SLO line with no chart',
      ['sweep', '--ctx', '128K', '--nodes', '1..4', '--max-ttft', '60s'],
      /^cp-plan: --max-ttft changes the chart; add --chart, --chart-file FILE\.svg or --report FILE\.html$/,
    ],
    ['--log-y with no chart', ['sweep', '--ctx', '128K', '--nodes', '1..4', '--log-y'], /^cp-plan: --log-y changes the chart/],
    ['sweep SLO without a unit', ['sweep', '--ctx', '128K', '--nodes', '1..4', '--chart', '--max-ttit', '50'], /--max-ttit: '50' is not a duration/],
    [
      'chart file with nothing swept',
      ['sweep', '--ctx', '128K', '--chart-file', join(tmpdir(), 'cp-plan-never-written.svg')],
      /--chart needs a swept quantity/,
    ],
    ['duration without a unit', ['plan', '--ctx', '1M', '--max-ttft', '90'], /--max-ttft: '90' is not a duration/],
    ['negative duration', ['plan', '--ctx', '1M', '--max-ttft', '-1s'], /--max-ttft/],
    ['zero duration', ['plan', '--ctx', '1M', '--max-ttit', '0ms'], /--max-ttit: '0ms'/],
    ['unknown objective', ['plan', '--ctx', '1M', '--objective', 'speed'], /speed/],
    ['non-numeric throughput', ['plan', '--ctx', '1M', '--min-throughput', 'abc'], /--min-throughput: 'abc'/],
    ['plan miss rate 0%', ['plan', '--ctx', '1M', '--miss-rate', '0%'], /--miss-rate/],
  ];
  for (const [name, args, message] of cases) {
    test(name, () => {
      const line = assertOneLineError(runCli(args));
      assert.match(line, message);
    });
  }
});

describe('plan output (issue 16)', () => {
  const base = ['plan', '--ctx', '1M', '--max-ttft', '90s'];
  test('short by default; --verbose adds every smaller size, the failing families and the Pareto frontier', () => {
    const short = runCli(base);
    assert.equal(short.status, 0, short.stderr);
    assert.match(short.stdout, /Why not 104 GPUs: does not meet TTFT/);
    assert.doesNotMatch(short.stdout, /Pareto frontier, GPUs|Layout families with no/);
    const long = runCli([...base, '--verbose']);
    assert.match(long.stdout, /Why fewer GPUs do not do/);
    assert.match(long.stdout, /Pareto frontier, GPUs/);
    assert.ok(long.stdout.split('\n').length > short.stdout.split('\n').length + 5);
  });

  test('--format csv and markdown list the qualifying layouts; --quiet drops warnings, not the answer', () => {
    const csv = runCli([...base, '--format', 'csv', '--top', '3', '--quiet']);
    assert.equal(csv.status, 0);
    assert.equal(csv.stderr, '', 'no warnings with --quiet');
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], 'rank,gpus,nodes,pp,tp,cp,dcp,ep,cpStyle,variant,ttftMs,ttitMs,tokensPerSecond,memoryPerGpuBytes,capacityBytes');
    assert.equal(lines.length, 4);
    assert.match(lines[1]!, /^1,112,14,1,8,14,1,1,ring,pass-kv,/);
    const md = runCli([...base, '--format', 'markdown', '--top', '2']);
    assert.match(md.stdout, /^\| 1 \| 112 \| 14 nodes TP8 x CP14 pass-KV \[[0-9,]+\] \|/m);
    assert.match(md.stdout, /^\*\*Warnings:\*\*\n- \[1\] decode under CP14 is extrapolated/m);
    assert.match(md.stderr, /warning: context of 1000000 tokens/);
    assertOneLineError(runCli(['plan', '--isl', '8K', '--osl', '1K', '--rate', '1/s', '--max-ttft', '2s', '--format', 'csv']));
  });

  test("--max-nodes above the preset says it stopped at the cluster's size", () => {
    const r = runCli([...base, '--max-nodes', '64', '--format', 'csv']);
    assert.match(r.stderr, /warning: --max-nodes 64: cluster 'gtt' has 32 nodes/);
    // ... and in the JSON document's warnings, where a pipeline reads why its 64 became 32.
    const doc = parseJson(runCli([...base, '--max-nodes', '64', '--json']).stdout);
    assert.equal(doc.maxNodes, 32);
    assert.ok(
      doc.warnings.some((w: string) => w.startsWith("--max-nodes 64: cluster 'gtt' has 32 nodes")),
      JSON.stringify(doc.warnings),
    );
  });

  test('every JSON document names its generator, model and cluster the same way (schemaVersion 2)', () => {
    const docs = [
      parseJson(runCli(['estimate', '--ctx', '128K', '--json']).stdout),
      parseJson(runCli([...base, '--json']).stdout),
      parseJson(runCli(['sweep', '--nodes', '1,2', '--ctx', '128K', '--json']).stdout),
    ];
    for (const d of docs) {
      assert.equal(d.schemaVersion, 2);
      assert.deepEqual(Object.keys(d.generator), ['name', 'version']);
      for (const k of ['name', 'displayName', 'source', 'file']) assert.equal(typeof d.model[k], 'string', k);
      for (const k of ['name', 'displayName', 'source', 'file', 'gpuPreset', 'kernelTable']) assert.equal(typeof d.cluster[k], 'string', k);
    }
    const check = parseJson(runCli(['check', 'examples/sizing.yaml', '--json']).stdout);
    assert.equal(check.schemaVersion, 2);
    assert.equal(check.generator.name, 'cp-plan');
    // Documents without a model or cluster still name their generator.
    for (const args of [
      ['validate', '--json'],
      ['presets', 'list', '--json'],
    ]) {
      const d = parseJson(runCli(args).stdout);
      assert.equal(d.schemaVersion, 2, args.join(' '));
      assert.deepEqual(Object.keys(d.generator), ['name', 'version'], args.join(' '));
    }
  });
});

test('plan --format markdown ends its table with a blank line before the warnings (else GitHub renders them as rows)', () => {
  const r = runCli(['plan', '--ctx', '1M', '--max-ttft', '90s', '--format', 'markdown']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const at = lines.indexOf('**Warnings:**');
  assert.ok(at > 0, r.stdout);
  assert.equal(lines[at - 1], '', 'a blank line ends the table');
  assert.match(lines[at - 2] ?? '', /^\|.*\|$/);
  assert.match(lines[at + 1] ?? '', /^- \[1\] /);
});

test('fleet plans give their warnings: stderr, under the table, in JSON and in the report', () => {
  const args = [
    'plan',
    '--model',
    'llama3-405b',
    '--cluster',
    'h100-ib',
    '--isl',
    '1M',
    '--osl',
    '2K',
    '--rate',
    '0.05/s',
    '--max-ttft',
    '60s',
    '--max-ttit',
    '100ms',
    '--disaggregated',
  ];
  const table = runCli(args);
  assert.equal(table.status, 0, table.stderr);
  assert.ok(
    stderrLines(table).some((l) => /^cp-plan: warning: context of 1002000 tokens exceeds/.test(l)),
    table.stderr,
  );
  assert.match(table.stdout, /^Warnings:\n {2}\[1\] context of 1002000 tokens/m);
  const doc = parseJson(runCli([...args, '--json']).stdout);
  assert.ok(Array.isArray(doc.warnings) && doc.warnings.some((w: string) => w.startsWith('context of 1002000 tokens')), JSON.stringify(doc.warnings));
  const dir = mkdtempSync(join(tmpdir(), 'cp-plan-fleet-warn-'));
  try {
    const file = join(dir, 'fleet.html');
    assert.equal(runCli([...args, '--report', file]).status, 0);
    assert.match(readFileSync(file, 'utf8'), /<strong>warning:<\/strong> context of 1002000 tokens/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sweep rows carry the precision they were costed with (two sweeps concatenated stay apart)', () => {
  const rows = (extra: string[]) => parseJson(runCli(['sweep', '--nodes', '2', '--ctx', '128K', ...extra, '--json']).stdout).rows;
  const [plain] = rows([]);
  const [fp8] = rows(['--weights', 'fp8', '--kv-dtype', 'fp8', '--attention-dtype', 'fp8']);
  assert.deepEqual([plain.weights, plain.kvDtype, plain.attentionDtype], ['fp8-ffn', 'bf16', 'bf16']);
  assert.deepEqual([fp8.weights, fp8.kvDtype, fp8.attentionDtype], ['fp8', 'fp8', 'fp8']);
});
