import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimate, type EstimateResult } from '../../src/model/estimate.js';
import type { ClusterSpec } from '../../src/model/types.js';
import { explainTerms, explainToText, type ExplainTerm } from '../../src/render/explain.js';
import { formatSeconds } from '../../src/render/format.js';
import { estimatePartial, gtt, llama405b, paperPrecision, roundCluster } from './specs.js';

const run = (nodes: number, contextTokens: number, extra: { tp?: number; cp?: number; dcp?: number; cluster?: ClusterSpec; batch?: number } = {}) =>
  estimate({
    model: llama405b(),
    cluster: extra.cluster ?? gtt(),
    precision: paperPrecision,
    layout: { nodes, tp: extra.tp, cp: extra.cp, dcp: extra.dcp },
    workload: { contextTokens, cachedTokens: 0, batch: extra.batch ?? 1 },
    variant: 'auto',
  });

const CASES: [string, () => EstimateResult][] = [
  ['CP16 1M (pass-KV)', () => run(16, 1_000_000)],
  ['CP4 128K at 2% miss (pass-Q)', () => estimatePartial({ cached: 125_440, new: 2_560 })],
  ['CP1 TP8 128K', () => run(1, 128_000)],
  // meta-cp runs no DCP: the paper's cluster with an engine that does.
  ['TP16 DCP2 batch 3', () => run(2, 64_000, { tp: 16, dcp: 2, batch: 3, cluster: { ...gtt(), engine: { ...gtt().engine, dcpSupported: true } } })],
  ['CP2 on a GPU without FP8', () => run(2, 32_000, { cluster: roundCluster({ gpu: { ...roundCluster().gpu, fp8FlopsPerSec: null } }) })],
];

const PREFILL_PARTS = ['GEMMs', 'attention', 'merge', 'TP AllReduce', 'CP comm exposed', 'EP All2All', 'LM head', 'engine overhead'];
const DECODE_PARTS = ['GEMMs', 'attention', 'TP AllReduce', 'CP ring pass-Q', 'DCP', 'EP All2All', 'LM head', 'engine overhead'];
const MEMORY_PARTS = ['weights', 'KV cache', 'activations', 'runtime reserve'];
const PHASES: ExplainTerm['phase'][] = ['layout', 'inputs', 'prefill', 'decode', 'memory', 'choice'];

function term(terms: ExplainTerm[], phase: ExplainTerm['phase'], name: string): ExplainTerm {
  const t = terms.find((x) => x.phase === phase && x.term === name);
  assert.ok(t, `no ${phase} term '${name}'`);
  return t;
}
const has = (terms: ExplainTerm[], phase: ExplainTerm['phase'], name: string) => terms.some((x) => x.phase === phase && x.term === name);
const sum = (terms: ExplainTerm[], phase: ExplainTerm['phase'], names: string[]) => names.reduce((s, n) => s + term(terms, phase, n).value, 0);
function close(actual: number, expected: number, what: string, rel = 1e-9) {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

for (const [name, make] of CASES) {
  describe(`explain: ${name}`, () => {
    const r = make();
    const terms = explainTerms(r);

    test('the prefill terms sum to TTFT, the decode terms to TTIT, the memory parts to the total', () => {
      close(sum(terms, 'prefill', PREFILL_PARTS), term(terms, 'prefill', 'TTFT').value, 'prefill sum');
      close(term(terms, 'prefill', 'TTFT').value, r.prefill.ttftSec, 'TTFT');
      close(sum(terms, 'decode', DECODE_PARTS), term(terms, 'decode', 'TTIT').value, 'decode sum');
      close(term(terms, 'decode', 'TTIT').value, r.decode.ttitSec, 'TTIT');
      close(sum(terms, 'memory', MEMORY_PARTS), term(terms, 'memory', 'total').value, 'memory sum');
      close(term(terms, 'memory', 'total').value, r.memory.perGpu.totalBytes, 'memory total');
    });

    test('the values are the ones the model used', () => {
      const b = r.prefill.breakdown;
      const L = r.model.layers;
      const N = r.layout.cp;
      assert.deepEqual(
        PREFILL_PARTS.map((n) => term(terms, 'prefill', n).value),
        Object.values(b),
      );
      assert.deepEqual(
        DECODE_PARTS.map((n) => term(terms, 'decode', n).value),
        Object.values(r.decode.breakdown),
      );
      close(term(terms, 'prefill', 'GEMM per layer').value * L, b.gemmSec, 'GEMM per layer');
      close(term(terms, 'prefill', 'attention per ring step').value * L * N, b.attentionSec, 'attention per step');
      close(term(terms, 'prefill', 'merge per layer').value * L, b.mergeSec, 'merge per layer');
      close(term(terms, 'prefill', 'TP AllReduce per layer').value * L, b.tpCommSec, 'TP AllReduce per layer');
      close(term(terms, 'decode', 'GEMM per layer').value * L, r.decode.breakdown.gemmSec, 'decode GEMM per layer');
      assert.equal(term(terms, 'memory', 'capacity').value, r.memory.perGpu.capacityBytes);
      assert.equal(term(terms, 'memory', 'max batch').value, r.memory.maxBatch);
      assert.equal(term(terms, 'decode', 'padded batch').value, r.decode.paddedBatch);
      assert.equal(term(terms, 'layout', 'CP').value, N);
      assert.equal(term(terms, 'inputs', 'η_hbm').value, r.cluster.gpu.kernels.hbmFraction);
      if (N > 1) {
        const ring = r.prefill.ring;
        assert.equal(term(terms, 'prefill', 'ring step SendRecv').value, ring.stepSendRecvSec);
        assert.equal(term(terms, 'prefill', 'exposed SendRecv per layer').value, ring.exposedSec);
        assert.equal(term(terms, 'prefill', 'ring message').value, ring.messageBytes);
        close((ring.exposedSec + ring.allToAllSec) * L, b.cpCommExposedSec, 'CP comm per layer');
        assert.equal(term(terms, 'choice', 'Eq.2 min new tokens').value, Math.ceil(r.heuristic.eq2.minNewTokens));
        assert.equal(term(terms, 'choice', 'Algorithm 5').value, r.heuristic.algorithm5 === 'pass-q' ? 1 : 0);
        assert.equal(term(terms, 'choice', 'faster variant').value, r.fasterVariant === 'pass-q' ? 1 : 0);
      }
    });

    test('every term has a finite value, a formula and a unit, and the phases come in order', () => {
      assert.ok(terms.length > 40);
      let last = 0;
      const seen = new Set<string>();
      for (const t of terms) {
        assert.ok(Number.isFinite(t.value), `${t.term} = ${t.value}`);
        assert.ok(t.term.trim() && t.formula.trim() && t.unit.trim(), JSON.stringify(t));
        const i = PHASES.indexOf(t.phase);
        assert.ok(i >= last, `${t.phase} term '${t.term}' out of order`);
        last = i;
        assert.ok(!seen.has(`${t.phase}/${t.term}`), `duplicate ${t.phase} term '${t.term}'`);
        seen.add(`${t.phase}/${t.term}`);
      }
      assert.doesNotMatch(JSON.stringify(terms), /NaN|Infinity|null/);
    });

    test('the text has a heading per phase and one aligned line per term', () => {
      const text = explainToText(terms);
      assert.equal(text, explainToText(explainTerms(make())), 'deterministic');
      assert.doesNotMatch(text, /\x1b\[/);
      assert.ok(text.endsWith('\n'));
      const lines = text.trimEnd().split('\n');
      const phases = [...new Set(terms.map((t) => t.phase))];
      const headings = lines.filter((l) => /^\S/.test(l)).slice(1);
      assert.deepEqual(
        headings,
        phases.map((p) => p[0]!.toUpperCase() + p.slice(1)),
      );
      const body = lines.filter((l) => l.startsWith('  '));
      assert.equal(body.length, terms.length);
      const formulaColumn = new Set(body.map((l) => l.indexOf('  = ')));
      assert.equal(formulaColumn.size, 1, 'the formulas start in one column');
      body.forEach((line, i) => {
        assert.ok(line.startsWith(`  ${terms[i]!.term} `), line);
        assert.ok(line.endsWith(`  = ${terms[i]!.formula}`), line);
      });
      const ttft = body.find((l) => l.startsWith('  TTFT '))!;
      assert.ok(ttft.includes(formatSeconds(r.prefill.ttftSec)), ttft);
    });
  });
}

describe('explain: CP1 against CP4', () => {
  const cp1 = explainTerms(run(1, 128_000));
  const cp4 = explainTerms(estimatePartial({ cached: 125_440, new: 2_560 }, 'pass-q'));

  test('CP1 has no ring, no All2All and no choice; its ring totals are 0', () => {
    for (const name of ['ring message', 'ring step SendRecv', 'exposed SendRecv per layer', 'All2All per layer']) {
      assert.ok(!has(cp1, 'prefill', name), name);
    }
    assert.ok(!has(cp1, 'inputs', 'CP link latency α'));
    assert.ok(!has(cp1, 'decode', 'CP ring pass-Q per layer'));
    assert.ok(!cp1.some((t) => t.phase === 'choice'));
    for (const name of ['merge', 'CP comm exposed']) assert.equal(term(cp1, 'prefill', name).value, 0, name);
    assert.equal(term(cp1, 'decode', 'CP ring pass-Q').value, 0);
    assert.equal(term(cp1, 'layout', 'new tokens per CP rank').value, 128_000);
  });

  test('CP4 pass-Q has the ring, its All2All and the choice', () => {
    assert.ok(term(cp4, 'prefill', 'All2All per layer').value > 0);
    assert.ok(term(cp4, 'prefill', 'ring step SendRecv').value > 0);
    assert.ok(term(cp4, 'prefill', 'CP comm exposed').value > 0);
    assert.ok(term(cp4, 'decode', 'CP ring pass-Q').value > 0);
    assert.equal(term(cp4, 'layout', 'new tokens per CP rank').value, 640);
    assert.equal(term(cp4, 'prefill', 'variant').value, 1);
    assert.ok(term(cp4, 'choice', 'crossover miss rate').value > 0);
  });

  test('pass-KV has no All2All term', () => {
    assert.ok(!has(explainTerms(run(16, 1_000_000)), 'prefill', 'All2All per layer'));
  });
});

test('explain: a crossover of null is left out, not given as NaN or null', () => {
  const r = run(16, 1_000_000);
  const none = { ...r, crossover: { ...r.crossover, missRate: null } };
  assert.ok(has(explainTerms(r), 'choice', 'crossover miss rate'));
  assert.ok(!has(explainTerms(none), 'choice', 'crossover miss rate'));
  assert.doesNotMatch(JSON.stringify(explainTerms(none)), /null|NaN/);
});

test('explain: without FP8 tensor cores the FP8 peak is the BF16 rate', () => {
  const t = explainTerms(CASES[4]![1]());
  assert.equal(term(t, 'inputs', 'FP8 peak').value, term(t, 'inputs', 'BF16 peak').value);
  assert.match(term(t, 'inputs', 'FP8 peak').formula, /no FP8 tensor cores/);
});
