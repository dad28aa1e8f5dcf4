import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

// Partial prefill (--cached / --miss-rate / --hit-rate), the pass-KV / pass-Q choice
// and its paper heuristics, decode (TTIT, batch, DCP) and KV capacity, end to end.

const CP4_128K = ['estimate', '--nodes', '4', '--ctx', '128K'];
const PARTIAL = [...CP4_128K, '--cached', '124800'];
const H100_70B = ['estimate', '--model', 'llama3-70b', '--cluster', 'h100-ib'];
const VARIANTS = ['pass-kv', 'pass-q'];

/** Runs `args --json`, checks the exit status (0 unless told) and returns the parsed document. */
function json(args: string[], statuses: number[] = [0]): any {
  const r = runCli([...args, '--json']);
  assert.ok(statuses.includes(r.status ?? -1), `exit ${r.status} not in ${statuses} (stderr: ${r.stderr})`);
  return parseJson(r.stdout);
}

const near = (actual: number, expected: number, rel: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * rel, `${what}: ${actual} vs ${expected} (±${rel * 100}%)`);

describe('partial prefill: --cached, --miss-rate, --hit-rate', () => {
  const cases: Array<[string, string[], { cachedTokens: number; newTokens: number; missRate: number }]> = [
    ['--cached 124800', ['--cached', '124800'], { cachedTokens: 124_800, newTokens: 3_200, missRate: 0.025 }],
    ['--miss-rate 10%', ['--miss-rate', '10%'], { cachedTokens: 115_200, newTokens: 12_800, missRate: 0.1 }],
    ['--miss-rate 0.1', ['--miss-rate', '0.1'], { cachedTokens: 115_200, newTokens: 12_800, missRate: 0.1 }],
    ['--hit-rate 97.5%', ['--hit-rate', '97.5%'], { cachedTokens: 124_800, newTokens: 3_200, missRate: 0.025 }],
    ['--miss-rate 100% is a full prefill', ['--miss-rate', '100%'], { cachedTokens: 0, newTokens: 128_000, missRate: 1 }],
    ['--hit-rate 0 is a full prefill', ['--hit-rate', '0'], { cachedTokens: 0, newTokens: 128_000, missRate: 1 }],
  ];
  for (const [name, flags, expected] of cases) {
    test(`${name}: workload ${JSON.stringify(expected)}`, () => {
      const w = json([...CP4_128K, ...flags]).workload;
      assert.deepEqual({ cachedTokens: w.cachedTokens, newTokens: w.newTokens, missRate: w.missRate }, expected);
      assert.equal(w.contextTokens, 128_000);
    });
  }

  test('--miss-rate keeps at least one new token (CP1, tiny rate)', () => {
    const w = json(['estimate', '--nodes', '1', '--ctx', '128K', '--miss-rate', '0.0001%']).workload;
    assert.equal(w.newTokens, 1);
    assert.equal(w.cachedTokens, 127_999);
  });
});

describe('partial prefill and DCP: bad input exits 2 with one line on stderr', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['--cached with --miss-rate', [...CP4_128K, '--cached', '1000', '--miss-rate', '10%'], /only one/],
    ['--miss-rate with --hit-rate', [...CP4_128K, '--miss-rate', '10%', '--hit-rate', '90%'], /only one/],
    ['--cached with --hit-rate', [...CP4_128K, '--cached', '1000', '--hit-rate', '90%'], /only one/],
    ['--miss-rate 0', [...CP4_128K, '--miss-rate', '0'], /--miss-rate/],
    ['--miss-rate 0%', [...CP4_128K, '--miss-rate', '0%'], /--miss-rate/],
    ['--miss-rate 101%', [...CP4_128K, '--miss-rate', '101%'], /--miss-rate/],
    ['--miss-rate -5%', [...CP4_128K, '--miss-rate', '-5%'], /--miss-rate.*'-5%'/],
    ['--miss-rate abc', [...CP4_128K, '--miss-rate', 'abc'], /--miss-rate.*'abc'/],
    ['--miss-rate 1.5 (fraction above 1)', [...CP4_128K, '--miss-rate', '1.5'], /--miss-rate/],
    ['--hit-rate 100%', [...CP4_128K, '--hit-rate', '100%'], /--hit-rate/],
    ['--cached equal to --ctx', ['estimate', '--cached', '128K', '--ctx', '128K'], /--cached/],
    ['--cached above --ctx', ['estimate', '--cached', '200K', '--ctx', '128K'], /--cached/],
    ['--dcp 3 does not divide TP16', [...H100_70B, '--nodes', '2', '--tp', '16', '--ctx', '128K', '--dcp', '3'], /--dcp/],
    ['--dcp 4 exceeds TP/KV heads = 2', [...H100_70B, '--nodes', '2', '--tp', '16', '--ctx', '128K', '--dcp', '4'], /--dcp/],
    ['--dcp at TP8 = KV heads', [...H100_70B, '--nodes', '1', '--tp', '8', '--ctx', '1M', '--dcp', '8'], /--dcp.*not applicable/],
    ['--dcp 0', ['estimate', '--ctx', '128K', '--dcp', '0'], /--dcp/],
  ];
  for (const [name, args, pattern] of cases) {
    test(`${name}: ${args.slice(1).join(' ')}`, () => {
      assert.match(assertOneLineError(runCli(args)), pattern);
    });
  }
});

describe('ring variant choice', () => {
  test('--variant pass-q on a full prefill: honoured, with a note that auto would pick pass-KV', () => {
    const p = json([...CP4_128K, '--variant', 'pass-q']).prefill;
    assert.equal(p.variant, 'pass-q');
    assert.equal(p.fasterVariant, 'pass-kv');
    assert.ok(Array.isArray(p.notes) && p.notes.some((n: unknown) => typeof n === 'string' && n.includes('auto would pick pass-KV')), JSON.stringify(p.notes));
    assert.equal(p.ttftMs, p.variants['pass-q'].ttftMs);
  });

  test('2.5% miss rate on CP4: the prefill JSON contract', () => {
    const p = json(PARTIAL).prefill;
    for (const v of VARIANTS) assert.equal(typeof p.variants[v].ttftMs, 'number', `variants.${v}.ttftMs`);
    const faster = p.variants['pass-kv'].ttftMs <= p.variants['pass-q'].ttftMs ? 'pass-kv' : 'pass-q';
    assert.equal(p.variant, faster);
    assert.equal(p.fasterVariant, faster);
    assert.equal(p.ttftMs, p.variants[faster].ttftMs);
    const h = p.heuristic;
    assert.ok(VARIANTS.includes(h.algorithm1), `algorithm1 = ${h.algorithm1}`);
    assert.ok(VARIANTS.includes(h.algorithm5), `algorithm5 = ${h.algorithm5}`);
    assert.equal(h.eq1.threshold, 0.125, '2 * 8 KV heads / 128 Q heads for llama3-405b');
    assert.equal(typeof h.eq2.minNewTokens, 'number');
    assert.equal(typeof h.eq3.minContextTokens, 'number');
    assert.equal(typeof h.eq5.threshold, 'number');
    for (const eq of ['eq1', 'eq2', 'eq3', 'eq5']) assert.equal(typeof h[eq].holds, 'boolean', `${eq}.holds`);
    assert.equal(h.missRate, 0.025);
    const x = p.crossoverMissRate;
    assert.ok(x === null || (typeof x === 'number' && x > 0 && x < 1), `crossoverMissRate = ${x}`);
    assert.equal(typeof p.reason, 'string');
    assert.match(p.reason, /^pass-/);
  });

  test('CP1: no ring-variant section in the table, crossoverMissRate null', () => {
    const args = ['estimate', '--nodes', '1', '--ctx', '8K'];
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /TTFT/);
    assert.doesNotMatch(r.stdout, /Ring variant/);
    assert.equal(json(args).prefill.crossoverMissRate, null);
  });
});

describe('decode and KV capacity', () => {
  test('CP4, 2.5% miss rate: TTIT, tokens/s, regression vs CP1, capacity', () => {
    const doc = json(PARTIAL);
    const d = doc.decode;
    assert.ok(typeof d.ttitMs === 'number' && d.ttitMs > 0, `ttitMs = ${d.ttitMs}`);
    near(d.tokensPerSecond, 1000 / d.ttitMs, 0.001, 'tokensPerSecond');
    assert.equal(typeof d.aggregateTokensPerSecond, 'number');
    assert.ok(d.regressionVsCp1 >= 1, `regressionVsCp1 = ${d.regressionVsCp1}`);
    const m = doc.memory;
    assert.ok(Number.isSafeInteger(m.kvCapacityTokens) && m.kvCapacityTokens > 0, `kvCapacityTokens = ${m.kvCapacityTokens}`);
    assert.ok(Number.isSafeInteger(m.maxBatch) && m.maxBatch >= 1, `maxBatch = ${m.maxBatch}`);
  });

  test('--batch 8 on CP2: aggregate = 8 x per-sequence tokens/s, paddedBatch 8', () => {
    // This layout does not fit at batch 8 (exit 1); the decode figures are reported either way.
    const d = json(['estimate', '--nodes', '2', '--ctx', '128K', '--batch', '8'], [0, 1]).decode;
    assert.equal(d.paddedBatch, 8);
    near(d.aggregateTokensPerSecond, 8 * d.tokensPerSecond, 0.001, 'aggregateTokensPerSecond');
  });

  test('--dcp 2 at TP16 halves the per-GPU KV cache of --dcp 1', () => {
    const base = [...H100_70B, '--nodes', '2', '--tp', '16', '--ctx', '1M'];
    const one = json([...base, '--dcp', '1'], [0, 1]);
    const two = json([...base, '--dcp', '2'], [0, 1]);
    assert.equal(one.layout.dcp, 1);
    assert.equal(two.layout.dcp, 2);
    assert.equal(two.layout.tp, 16);
    near(two.memory.perGpu.kvCacheBytes, one.memory.perGpu.kvCacheBytes / 2, 0.01, 'kvCacheBytes with DCP2');
  });
});

describe('partial prefill on CP4 (2.5% miss rate): table and JSON goldens', () => {
  test('table: ring variant, heuristics, crossover, TTIT and KV capacity; golden', () => {
    const r = runCli(PARTIAL);
    assert.equal(r.status, 0, r.stderr);
    for (const text of ['Ring variant', 'Why: pass-', 'Algorithm 1', 'Crossover', 'TTIT', 'KV capacity']) {
      assert.ok(r.stdout.includes(text), `table lacks '${text}'`);
    }
    assertGolden('estimate-partial-2.5pct.txt', r.stdout);
  });

  test('--json: golden, and deterministic', () => {
    const a = runCli([...PARTIAL, '--json']);
    assert.equal(a.status, 0, a.stderr);
    parseJson(a.stdout);
    assert.equal(runCli([...PARTIAL, '--json']).stdout, a.stdout);
    assertGolden('estimate-partial-2.5pct.json', a.stdout);
  });
});
