// --explain for every CP style: each style's own terms, and formulas whose substituted numbers give the
// printed value (the ring's, all-gather's, Ulysses' and hierarchical's alike).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimate, type EstimateResult } from '../../src/model/estimate.js';
import type { ClusterSpec, CpStyle, ModelSpec } from '../../src/model/types.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { DECODE_CP_TERM } from '../../src/render/explain-cp.js';
import { explainTerms, type ExplainTerm } from '../../src/render/explain.js';
import { estimatePartial, gtt, llama405b, paperPrecision, shipped } from './specs.js';

const everyStyle = (c: ClusterSpec): ClusterSpec => ({ ...c, engine: { ...c.engine, cpStyles: ['ring', 'all-gather', 'ulysses', 'hierarchical'] } });
const run = (model: ModelSpec, cluster: ClusterSpec, cpStyle: CpStyle, layout: { gpus: number; tp: number }, ctx = 128_000, batch = 1): EstimateResult =>
  estimate({
    model,
    cluster: everyStyle(cluster),
    precision: paperPrecision,
    layout: { ...layout, cpStyle },
    workload: { contextTokens: ctx, cachedTokens: 0, batch, prefillChunkTokens: null },
    variant: 'auto',
  });
const l70 = builtinModel('llama3-70b').spec;
const h100 = () => shipped('h100-ib', 'vllm');

const CASES: [string, () => EstimateResult][] = [
  ['ring CP4 (pass-KV)', () => run(llama405b(), gtt(), 'ring', { gpus: 32, tp: 8 })],
  ['ring CP4 at 2% miss (pass-Q)', () => estimatePartial({ cached: 125_440, new: 2_560 })],
  ['all-gather CP4', () => run(llama405b(), gtt(), 'all-gather', { gpus: 32, tp: 8 })],
  ['all-gather CP4 batch 3', () => run(llama405b(), gtt(), 'all-gather', { gpus: 32, tp: 8 }, 64_000, 3)],
  ['Ulysses CP2, heads replicated', () => run(llama405b(), gtt(), 'ulysses', { gpus: 16, tp: 8 })],
  ['Ulysses CP4, 4 head shards', () => run(l70, h100(), 'ulysses', { gpus: 8, tp: 2 })],
  ['hierarchical, u = 4 in a node, r = 2 nodes', () => run(l70, h100(), 'hierarchical', { gpus: 16, tp: 2 })],
  ['hierarchical, u = 1: a ring across 4 nodes', () => run(llama405b(), gtt(), 'hierarchical', { gpus: 32, tp: 8 })],
];

const UNIT: Record<string, number> = {
  'PFLOP/s': 1e15,
  'TFLOP/s': 1e12,
  'GFLOP/s': 1e9,
  'TB/s': 1e12,
  'GB/s': 1e9,
  'MB/s': 1e6,
  TB: 1e12,
  GB: 1e9,
  MB: 1e6,
  KB: 1e3,
  B: 1,
  s: 1,
  ms: 1e-3,
  µs: 1e-6,
  ns: 1e-9,
};

/** The numbers after a formula's last " = " evaluated (·, /, +, −, ⌈⌉, ², max, units); null when it has none. */
function substituted(formula: string): number | null {
  const at = formula.lastIndexOf(' = ');
  if (at < 0) return null;
  const expr = formula
    .slice(at + 3)
    .replace(/ \([^()]*[a-z]{3}[^()]*\)$/, '') // a trailing remark in words
    .replace(/(\d),(?=\d{3})/g, '$1');
  const js = expr
    .replace(/([\d.]+)\s*(PFLOP\/s|TFLOP\/s|GFLOP\/s|TB\/s|GB\/s|MB\/s|TB|GB|MB|KB|B|ms|µs|ns|s)(?![\w/])/g, (_, n: string, u: string) => `(${n}*${UNIT[u]})`)
    .replace(/·/g, '*')
    .replace(/−/g, '-')
    .replace(/⌈/g, 'Math.ceil(')
    .replace(/⌉/g, ')')
    .replace(/²/g, '**2')
    .replace(/max\(/g, 'Math.max(');
  assert.match(js, /^(?:[\d\s.*+\-/(),e]|Math\.ceil|Math\.max)*$/, `not arithmetic: '${expr}' in '${formula}'`);
  return Function(`"use strict"; return (${js});`)() as number;
}

const CHECKED: Partial<Record<ExplainTerm['phase'], string[]>> = {
  layout: ['new tokens per CP rank', 'Q heads per GPU'],
  prefill: [
    'attention per ring step',
    'attention per layer',
    'merge per layer',
    'ring message',
    'K, V gathered',
    'Ulysses Q, K, V sent',
    'Ulysses output returned',
    'exposed SendRecv per layer',
    'GEMMs',
    'attention',
    'merge',
    'TP AllReduce',
    'CP comm exposed',
  ],
  decode: ['padded batch', 'attention per layer', 'GEMMs', 'attention', ...Object.values(DECODE_CP_TERM), 'aggregate throughput'],
  memory: ['KV bytes per token per GPU', 'KV token slots per GPU', 'KV cache', 'activations', 'KV capacity of a context'],
};

for (const [name, make] of CASES) {
  describe(`explain: ${name}`, () => {
    const r = make();
    const terms = explainTerms(r);
    const style = r.layout.cpStyle ?? 'ring';

    test("every arithmetic formula's substituted numbers give the printed value (within its 3 significant digits)", () => {
      let checked = 0;
      for (const t of terms) {
        if (!CHECKED[t.phase]?.includes(t.term)) continue;
        const v = substituted(t.formula);
        if (v === null) continue;
        checked++;
        const tol = 0.012 * Math.abs(t.value) + 1e-12;
        assert.ok(Math.abs(v - t.value) <= tol, `${t.phase} '${t.term}' = ${t.value} but its formula gives ${v}: ${t.formula}`);
      }
      assert.ok(checked >= 14, `only ${checked} formulas checked`);
    });

    test("the style's own terms, and no ring terms where there is no ring", () => {
      const names = new Set(terms.filter((t) => t.phase === 'prefill').map((t) => t.term));
      const ringPart = style === 'ring' || (style === 'hierarchical' && r.layout.groups.cp.perDomain < r.layout.cp);
      for (const t of ['ring message', 'ring step SendRecv', 'exposed SendRecv per layer']) assert.equal(names.has(t), ringPart, `${t} under ${style}`);
      assert.equal(names.has('K, V all-gather per layer'), style === 'all-gather');
      assert.equal(names.has('Ulysses All2Alls per layer'), style === 'ulysses' || (style === 'hierarchical' && r.layout.groups.cp.perDomain > 1));
      assert.equal(names.has('variant'), style === 'ring');
      assert.equal(
        terms.some((t) => t.phase === 'choice'),
        style === 'ring',
        'the pass-KV / pass-Q choice is the ring only',
      );
      // The decode CP term is the style's and holds what the model costed.
      const cp = terms.find((t) => t.phase === 'decode' && t.term === DECODE_CP_TERM[style]);
      assert.ok(cp, `no decode term ${DECODE_CP_TERM[style]}`);
      assert.equal(cp.value, r.decode.breakdown.cpCommSec);
      if (style !== 'ring') assert.ok(!terms.some((t) => t.phase === 'decode' && t.term.startsWith('CP ring pass-Q')));
      const prefillSum = ['GEMMs', 'attention', 'merge', 'TP AllReduce', 'CP comm exposed', 'EP All2All', 'LM head', 'engine overhead']
        .map((n) => terms.find((t) => t.phase === 'prefill' && t.term === n)!.value)
        .reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(prefillSum - r.prefill.ttftSec) <= 1e-9 * r.prefill.ttftSec);
      const kv = terms.find((t) => t.phase === 'memory' && t.term === 'KV capacity of a context')!;
      assert.equal(kv.value, r.memory.kvCapacityContextTokens);
    });
  });
}
