import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { REPO_ROOT, assertOneLineError, parseJson, runCli, stderrLines } from '../helpers/run-cli.js';

const QUICK_START = ['estimate', '--ctx', '1M', '--nodes', '16'];
const ESC = '\x1b[';
const MODEL_8B = join(REPO_ROOT, 'presets', 'models', 'llama3-8b.yaml');
const CLUSTER_H100 = join(REPO_ROOT, 'presets', 'clusters', 'h100-ib.yaml');
const lineOf = (text: string, prefix: string) => text.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

describe('estimate: README quick start', () => {
  test('table: exit 0, TTFT and fits, golden', () => {
    const r = runCli(QUICK_START);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /TTFT/);
    assert.match(r.stdout, /fits/);
    assert.doesNotMatch(r.stdout, /DOES NOT FIT/);
    assertGolden('estimate-1m-16nodes.txt', r.stdout);
  });

  test('--json: one document with the stable contract, golden', () => {
    const r = runCli([...QUICK_START, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assertGolden('estimate-1m-16nodes.json', r.stdout);
    assert.equal(doc.schemaVersion, 2);
    assert.deepEqual({ nodes: doc.layout.nodes, tp: doc.layout.tp, cp: doc.layout.cp, gpus: doc.layout.gpus }, { nodes: 16, tp: 8, cp: 16, gpus: 128 });
    assert.equal(typeof doc.prefill.ttftMs, 'number');
    assert.ok(doc.prefill.ttftMs > 0);
    assert.equal(doc.prefill.variant, 'pass-kv');
    const g = doc.memory.perGpu;
    for (const key of ['weightsBytes', 'kvCacheBytes', 'activationBytes', 'reserveBytes', 'totalBytes', 'capacityBytes']) {
      assert.ok(Number.isSafeInteger(g[key]) && g[key] >= 0, `memory.perGpu.${key} = ${g[key]}`);
    }
    assert.equal(g.totalBytes, g.weightsBytes + g.kvCacheBytes + g.activationBytes + g.reserveBytes);
    assert.equal(doc.memory.fits, true);
    assert.equal(doc.workload.contextTokens, 1_000_000);
    assert.ok(Array.isArray(doc.warnings));
    const parts = Object.values(doc.prefill.breakdownMs) as number[];
    assert.ok(parts.length > 0 && parts.every((v) => typeof v === 'number'));
    const sum = parts.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - doc.prefill.ttftMs) <= 0.01, `breakdown sums to ${sum}, ttftMs ${doc.prefill.ttftMs}`);
  });

  test('--json is deterministic: byte-identical stdout', () => {
    const a = runCli([...QUICK_START, '--json']);
    const b = runCli([...QUICK_START, '--json']);
    assert.equal(a.status, 0);
    assert.equal(a.stdout, b.stdout);
  });
});

describe('estimate: other layouts and inputs', () => {
  test('llama3-70b on h100-ib, 2 nodes, 256K: TP8 x CP2, golden', () => {
    const r = runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--nodes', '2', '--ctx', '256K', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.layout.tp, 8);
    assert.equal(doc.layout.cp, 2);
    assert.equal(doc.workload.contextTokens, 256_000);
    assertGolden('estimate-70b-h100.json', r.stdout);
  });

  for (const [ctx, tokens] of [
    ['128Ki', 131072],
    ['1.5M', 1_500_000],
    ['128K', 128_000],
    ['131072', 131072],
  ] as const) {
    test(`--ctx ${ctx} is ${tokens} tokens`, () => {
      const r = runCli(['estimate', '--ctx', ctx, '--nodes', '16', '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(parseJson(r.stdout).workload.contextTokens, tokens);
    });
  }

  test('user model and cluster files, relative to the cwd', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-plan-user-'));
    try {
      copyFileSync(MODEL_8B, join(dir, 'my-model.yaml'));
      copyFileSync(CLUSTER_H100, join(dir, 'my-cluster.yaml'));
      const args = ['estimate', '--model', './my-model.yaml', '--cluster', './my-cluster.yaml'];
      const r = runCli([...args, '--nodes', '4', '--tp', '8', '--cp', '4', '--ctx', '128K', '--json'], { cwd: dir });
      assert.equal(r.status, 0, r.stderr);
      const doc = parseJson(r.stdout);
      assert.equal(doc.model.name, 'llama3-8b');
      assert.equal(doc.cluster.name, 'h100-ib');
      assert.equal(doc.model.file, 'my-model.yaml');
      assert.ok(!r.stdout.includes(dir), 'the JSON names the file as given, not by its absolute temp path');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('estimate: does not fit (exit 1)', () => {
  test('table: full report with DOES NOT FIT, a hint on stderr', () => {
    const r = runCli(['estimate', '--ctx', '1M']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /TTFT/);
    assert.match(r.stdout, /Memory per GPU/);
    assert.match(r.stdout, /DOES NOT FIT/);
    const lines = stderrLines(r);
    assert.ok(
      lines.every((l) => l.startsWith('cp-plan: ')),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.includes('does not fit') && l.includes('--nodes')),
      r.stderr,
    );
  });

  // Issue 16: a hint must fix the problem. Each remedy on the "does not fit" line is run as it reads
  // (its flags over the original ones) and must fit; "try --kv-dtype fp8" where FP8 KV still does not
  // fit (1M on 4 nodes), or "use a larger TP" where none exists on these GPUs (TP4 on 4 GPUs), fail here.
  const remediesOf = (line: string) =>
    line
      .replace(/^.*?; (?=--|nothing)/, '')
      .split(/; or |, or try /)
      .map((text) => [...text.replace(/\(.*?\)/g, '').matchAll(/(--[a-z-]+) (\S+)/g)].map((m) => [m[1]!, m[2]!] as const))
      .filter((flags) => flags.length > 0);
  const withFlags = (args: string[], flags: readonly (readonly [string, string])[]) => {
    const out = [...args];
    for (const [flag, value] of flags) {
      // --nodes and --gpus both count GPUs: the remedy's replaces the original's.
      for (const same of flag === '--nodes' || flag === '--gpus' ? ['--nodes', '--gpus'] : [flag]) {
        const i = out.indexOf(same);
        if (i >= 0) out.splice(i, 2);
      }
      out.push(flag, value);
    }
    return out;
  };
  for (const args of [
    ['--ctx', '1M', '--nodes', '4'],
    ['--ctx', '1M', '--nodes', '5'],
    ['--ctx', '128K', '--nodes', '1', '--batch', '16'],
    ['--ctx', '128K', '--gpus', '4', '--tp', '4'],
    ['--ctx', '1M', '--nodes', '8', '--tp', '4'],
    ['--model', 'deepseek-v3', '--ctx', '128K', '--nodes', '1'],
  ]) {
    test(`every remedy offered fits: ${args.join(' ')}`, () => {
      const r = runCli(['estimate', ...args]);
      assert.equal(r.status, 1, r.stderr);
      const line = stderrLines(r).find((l) => l.includes('does not fit'))!;
      const remedies = remediesOf(line);
      assert.ok(remedies.length > 0, `no remedy offered: ${line}`);
      for (const flags of remedies) {
        const fixed = runCli(['estimate', ...withFlags(args, flags), '--json']);
        assert.equal(fixed.status, 0, `${flags.flat().join(' ')} was offered but does not fit: ${line}`);
        assert.equal(parseJson(fixed.stdout).memory.fits, true);
      }
    });
  }

  test('nothing fits: the line says what was tried, offers no flag', () => {
    const r = runCli(['estimate', '--ctx', '10M', '--nodes', '1']);
    assert.equal(r.status, 1, r.stderr);
    const line = stderrLines(r).find((l) => l.includes('does not fit'))!;
    assert.match(line, /nothing cp-plan tried fits \(a larger TP, EP, FP8 KV, FP8 weights, a smaller batch, more GPUs up to 32 nodes\)/);
    assert.deepEqual(remediesOf(line), []);
  });

  test('--json: valid JSON with memory.fits false', () => {
    const r = runCli(['estimate', '--ctx', '1M', '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(parseJson(r.stdout).memory.fits, false);
  });
});

describe('estimate: bad input exits 2 with one line on stderr', () => {
  const cases: Array<[string, string[], RegExp?]> = [
    ['unit with trailing junk', ['--ctx', '1Mb'], /'1Mb'/],
    ['space inside the value', ['--ctx', '12 K'], /'12 K'/],
    ['negative count', ['--ctx', '-5']],
    ['zero tokens', ['--ctx', '0'], /--ctx/],
    ['exponent notation', ['--ctx', '1e400'], /--ctx/],
    ['NaN', ['--ctx', 'NaN'], /--ctx/],
    ['hex', ['--ctx', '0x10'], /--ctx/],
    ['missing --ctx', [], /--ctx/],
    ['unknown model suggests the nearest', ['--ctx', '128K', '--model', 'llama-405b'], /'llama3-405b'/],
    ['unknown cluster', ['--ctx', '128K', '--cluster', 'nope'], /nope/],
    ['TP not dividing the GPUs', ['--ctx', '128K', '--tp', '3'], /--tp/],
    ['CP not dividing the GPUs', ['--ctx', '128K', '--nodes', '2', '--tp', '8', '--cp', '3'], /--cp/],
    ['more nodes than the cluster has', ['--ctx', '128K', '--nodes', '40'], /32/],
    ['unknown variant', ['--ctx', '128K', '--variant', 'passkv'], /pass-kv/],
    ['unknown weight recipe', ['--ctx', '128K', '--weights', 'int3'], /int3/],
    ['cached not below ctx', ['--cached', '128K', '--ctx', '128K'], /--cached/],
    ['unknown option suggests --json', ['--ctx', '128K', '--jsn'], /--json/],
    ['zero nodes', ['--ctx', '128K', '--nodes', '0'], /--nodes/],
    ['negative batch', ['--ctx', '128K', '--batch', '-1'], /--batch/],
  ];
  for (const [name, args, pattern] of cases) {
    test(`${name}: ${args.join(' ') || '(no options)'}`, () => {
      const line = assertOneLineError(runCli(['estimate', ...args]));
      if (pattern) assert.match(line, pattern);
    });
  }
});

describe('estimate: malformed preset files exit 2 with file:line', () => {
  let dir = '';
  const model8b = readFileSync(MODEL_8B, 'utf8');
  const files: Record<string, string> = {
    'syntax.yaml': model8b.replace(/^layers: 32 .*$/m, 'layers: 32: 33'),
    'dup.yaml': `${model8b}layers: 40\n`,
    'typo.yaml': model8b.replace(/^layers:/m, 'layerz:'),
    'neg.yaml': model8b.replace(/^headDim: 128/m, 'headDim: -128'),
    'empty.yaml': '',
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-plan-bad-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    mkdirSync(join(dir, 'dir.yaml'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (file: string, flag = '--model') => {
    const line = assertOneLineError(runCli(['estimate', '--ctx', '128K', flag, `./${file}`], { cwd: dir }));
    assert.ok(line.includes(file), `names the file: ${line}`);
    assert.ok(!line.includes(dir), `names the file as given, not by the temp dir: ${line}`);
    return line;
  };

  test('YAML syntax error: file:line: on the right line', () => {
    const line = run('syntax.yaml');
    assert.match(line, /syntax\.yaml:\d+:/);
    assert.ok(line.includes(`syntax.yaml:${lineOf(files['syntax.yaml']!, 'layers: 32: 33')}:`), line);
  });
  test('YAML syntax error in a cluster file', () => {
    assert.match(run('syntax.yaml', '--cluster'), /syntax\.yaml:\d+:/);
  });
  test('duplicate key: the line of the second one', () => {
    const line = run('dup.yaml');
    assert.ok(line.includes(`dup.yaml:${lineOf(files['dup.yaml']!, 'layers: 40')}:`), line);
  });
  test("unknown key (typo 'layerz') with its line", () => {
    const line = run('typo.yaml');
    assert.match(line, /unknown key 'layerz'/);
    assert.ok(line.includes(`typo.yaml:${lineOf(files['typo.yaml']!, 'layerz:')}:`), line);
  });
  test('negative headDim', () => {
    const line = run('neg.yaml');
    assert.match(line, /headDim/);
    assert.ok(line.includes(`neg.yaml:${lineOf(files['neg.yaml']!, 'headDim:')}:`), line);
  });
  test('empty file', () => assert.match(run('empty.yaml'), /empty/));
  test('a directory', () => assert.match(run('dir.yaml'), /directory/));
  test('a missing file', () => assert.match(run('missing.yaml'), /cannot read|ENOENT|not found/));
});

describe('estimate: colour', () => {
  const table = ['estimate', '--ctx', '64K'];
  const noEsc = (env: Record<string, string>, args = table) => {
    const r = runCli(args, { env });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes(ESC) && !r.stderr.includes(ESC), `no ANSI escape with ${JSON.stringify(env)} ${args.join(' ')}`);
  };
  test('NO_COLOR=1: no ANSI escapes', () => noEsc({ NO_COLOR: '1' }));
  test('FORCE_COLOR=0: no ANSI escapes', () => noEsc({ NO_COLOR: '', FORCE_COLOR: '0' }));
  test('FORCE_COLOR=1 with --no-color: no ANSI escapes', () => noEsc({ NO_COLOR: '', FORCE_COLOR: '1' }, [...table, '--no-color']));
  test('FORCE_COLOR=1 with --json: no ANSI escapes', () => noEsc({ NO_COLOR: '', FORCE_COLOR: '1' }, [...table, '--json']));
  test('FORCE_COLOR=1 (no NO_COLOR): the table is coloured', () => {
    const r = runCli(table, { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(ESC), 'expected ANSI escapes');
  });
});

describe('estimate: warnings', () => {
  test('context beyond the model maximum: a stderr warning, and the same warnings in JSON', () => {
    const t = runCli(QUICK_START);
    assert.equal(t.status, 0);
    assert.ok(
      stderrLines(t).some((l) => l.startsWith('cp-plan: warning:') && l.includes('131072')),
      t.stderr,
    );
    const j = runCli([...QUICK_START, '--json']);
    const doc = parseJson(j.stdout);
    assert.ok(doc.warnings.some((w: string) => /131072/.test(w)));
    // CP16 decode lies beyond the measured range (CP2): said too.
    assert.ok(doc.warnings.some((w: string) => /decode under CP16 is extrapolated/.test(w)));
    assert.equal(stderrLines(j).length, doc.warnings.length);
  });
  test('within the maximum: no context warning; the only warning names the transferred terms', () => {
    const r = runCli(['estimate', '--ctx', '64K', '--nodes', '1', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const warnings: string[] = parseJson(r.stdout).warnings;
    assert.equal(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0]!, /^transferred, not measured on this GPU and engine: .*decode attention bandwidth/);
    assert.equal(r.stderr, `cp-plan: warning: ${warnings[0]}\n`);
  });
});

describe('estimate: short prefill table and wrong-kind files', () => {
  test('a sub-second prefill prints milliseconds with three significant digits (golden)', () => {
    const r = runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--ctx', '8K']);
    assert.equal(r.status, 0, r.stderr);
    const ttft = parseJson(runCli(['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--ctx', '8K', '--json']).stdout).prefill.ttftMs;
    assert.match(r.stdout, new RegExp(`TTFT\\s+│\\s+${Number(ttft.toPrecision(3))} ms`));
    assertGolden('estimate-70b-h100-8k.txt', r.stdout);
  });

  test('a cluster file given as --model says which flag it belongs to', () => {
    const r = runCli(['estimate', '--ctx', '128K', '--model', 'presets/clusters/gtt.yaml']);
    assertOneLineError(r);
    assert.match(r.stderr, /cluster file.*--cluster/);
  });
});
