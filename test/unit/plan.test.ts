import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateDecode } from '../../src/model/decode.js';
import { resolveLayout } from '../../src/model/layout.js';
import { memoryPerGpu } from '../../src/model/memory.js';
import { estimatePrefillChunked } from '../../src/model/prefill-chunked.js';
import type { ClusterSpec, Layout, ModelSpec, Precision, RingVariant, Workload } from '../../src/model/types.js';
import type { Slo } from '../../src/planning/candidates.js';
import { familyOf, plan, type Objective, type PlanResult } from '../../src/planning/plan.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { gtt, llama405b, paperPrecision, shipped } from './specs.js';

interface Scenario {
  name: string;
  model: string;
  cluster: string;
  workload: Workload;
  slo: Slo;
  /** Whether some layout up to 4 nodes meets the SLOs (keeps the scenarios honest). */
  feasible: boolean;
}

const full = (contextTokens: number, batch = 1): Workload => ({ contextTokens, cachedTokens: 0, batch });

const SCENARIOS: Scenario[] = [
  { name: '8B h100-ib 128K TTFT 2 s', model: 'llama3-8b', cluster: 'h100-ib', workload: full(128_000), slo: { maxTtftSec: 2 }, feasible: true },
  {
    name: '8B gtt 1M TTFT 30 s + TTIT 20 ms',
    model: 'llama3-8b',
    cluster: 'gtt',
    workload: full(1_000_000),
    slo: { maxTtftSec: 30, maxTtitSec: 0.02 },
    feasible: true,
  },
  {
    name: '70B h100-ib 512K 10% miss, TTFT 10 s',
    model: 'llama3-70b',
    cluster: 'h100-ib',
    workload: { contextTokens: 512_000, cachedTokens: 460_800, batch: 1 },
    slo: { maxTtftSec: 10 },
    feasible: true,
  },
  { name: '70B gtt 1M memory only', model: 'llama3-70b', cluster: 'gtt', workload: full(1_000_000), slo: {}, feasible: true },
  {
    name: '70B h100-ib 128K batch 8, 100 tok/s',
    model: 'llama3-70b',
    cluster: 'h100-ib',
    workload: full(128_000, 8),
    slo: { minTokensPerSec: 100 },
    feasible: true,
  },
  { name: '8B gtt 128K TTFT 1 ms (nobody)', model: 'llama3-8b', cluster: 'gtt', workload: full(128_000), slo: { maxTtftSec: 0.001 }, feasible: false },
  {
    name: '70B h100-ib 1M TTIT 0.1 ms (nobody)',
    model: 'llama3-70b',
    cluster: 'h100-ib',
    workload: full(1_000_000),
    slo: { maxTtitSec: 1e-4 },
    feasible: false,
  },
];

interface Found {
  gpus: number;
  ttftSec: number;
}

/**
 * Independent of src/planning: every (GPU count: part of a node that divides it, or whole nodes;
 * TP dividing the GPUs, DCP dividing the KV replication, variant) through the model's own functions.
 */
function bruteForce(model: ModelSpec, cluster: ClusterSpec, precision: Precision, workload: Workload, slo: Slo, maxNodes: number) {
  const qualifying: Found[] = [];
  let evaluated = 0;
  for (let gpus = 1; gpus <= maxNodes * cluster.gpusPerNode; gpus++) {
    const partOfNode = gpus < cluster.gpusPerNode && cluster.gpusPerNode % gpus === 0;
    if (!partOfNode && gpus % cluster.gpusPerNode !== 0) continue;
    for (let tp = 1; tp <= gpus; tp++) {
      if (gpus % tp !== 0) continue;
      let base: Layout;
      try {
        base = resolveLayout({ gpus, tp }, model, cluster);
      } catch {
        continue;
      }
      for (let dcp = 1; dcp <= base.kvReplication; dcp++) {
        if (base.kvReplication % dcp !== 0) continue;
        // Every CP style the engine runs (one layout when there is no CP).
        for (const cpStyle of base.cp > 1 ? cluster.engine.cpStyles : [cluster.engine.cpStyles[0]!]) {
          let layout: Layout;
          try {
            layout = resolveLayout({ gpus, tp, dcp, cpStyle }, model, cluster);
          } catch {
            continue;
          }
          if (workload.contextTokens - workload.cachedTokens < layout.cp) continue;
          // The engine's chunked prefill, as estimate costs it (its memory too).
          const chunk = cluster.engine.prefillChunkTokens;
          const fits = memoryPerGpu(model, cluster, layout, precision, { ...workload, prefillChunkTokens: chunk }).fits;
          // All-gather CP decodes a sequence on one TP group (the whole KV is on every rank).
          const decodeLayout = layout.cpStyle === 'all-gather' && layout.cp > 1 ? resolveLayout({ gpus: tp, tp, dcp }, model, cluster) : layout;
          const decode = estimateDecode(model, cluster, decodeLayout, precision, workload);
          // Both ring variants only where there is a ring (all-gather and Ulysses CP have none).
          const variants: RingVariant[] = layout.cp > 1 && (layout.cpStyle ?? 'ring') === 'ring' ? ['pass-kv', 'pass-q'] : ['pass-kv'];
          for (const variant of variants) {
            evaluated++;
            const ttftSec = estimatePrefillChunked(model, cluster, layout, precision, { ...workload, prefillChunkTokens: chunk }, variant, chunk).ttftSec;
            const ok =
              fits &&
              (slo.maxTtftSec === undefined || ttftSec <= slo.maxTtftSec) &&
              (slo.maxTtitSec === undefined || decode.ttitSec <= slo.maxTtitSec) &&
              (slo.minTokensPerSec === undefined || decode.tokensPerSecondAggregate >= slo.minTokensPerSec);
            if (ok) qualifying.push({ gpus: layout.gpus, ttftSec });
          }
        }
      }
    }
  }
  qualifying.sort((a, b) => a.gpus - b.gpus || a.ttftSec - b.ttftSec);
  return { evaluated, qualifying };
}

function run(s: Scenario, objective: Objective = 'gpus') {
  const model = builtinModel(s.model).spec;
  const cluster = shipped(s.cluster);
  const precision: Precision = { weights: model.defaultWeights, kvDtype: model.defaultKvDtype };
  const result = plan({ model, cluster, precision, workload: s.workload, slo: s.slo, space: { maxNodes: 4 }, objective });
  return { result, brute: bruteForce(model, cluster, precision, s.workload, s.slo, 4) };
}

/** What each objective minimises, written out independently of src/planning. */
const primary: Record<Objective, (c: PlanResult['qualifying'][number]) => number> = {
  gpus: (c) => c.gpus,
  ttft: (c) => c.ttftSec,
  ttit: (c) => c.ttitSec,
  cost: (c) => c.gpus * c.ttftSec,
};

function assertInvariants(r: PlanResult, objective: Objective, label: string) {
  const key = primary[objective];
  for (let i = 1; i < r.qualifying.length; i++) {
    const [a, b] = [r.qualifying[i - 1]!, r.qualifying[i]!];
    assert.ok(
      key(a) < key(b) || (key(a) === key(b) && (a.gpus < b.gpus || (a.gpus === b.gpus && a.ttftSec <= b.ttftSec))),
      `${label}: qualifying out of order at ${i}`,
    );
  }
  for (const c of r.qualifying) assert.deepEqual(c.violations, [], `${label}: a qualifying candidate has violations`);
  assert.equal(r.best, r.qualifying[0] ?? null, `${label}: best is the first qualifying`);
  const qualifyingFamilies = new Set(r.qualifying.map(familyOf));
  for (const f of r.rejected) {
    assert.ok(!qualifyingFamilies.has(f.family), `${label}: rejected family ${f.family} has a qualifying member`);
    assert.ok(f.closest.violations.length > 0 && f.evaluated > 0, `${label}: ${f.family}`);
  }
  for (let i = 1; i < r.pareto.length; i++) {
    assert.ok(r.pareto[i]!.layout.gpus > r.pareto[i - 1]!.layout.gpus, `${label}: pareto GPUs grow`);
    assert.ok(r.pareto[i]!.ttftSec < r.pareto[i - 1]!.ttftSec, `${label}: pareto TTFT strictly falls`);
  }
  for (const p of r.pareto) assert.ok(!p.violations.some((v) => v.constraint === 'memory'), `${label}: pareto point does not fit`);
  if (r.best) {
    assert.equal(r.closest, null);
    for (const s of r.smaller) assert.ok(s.gpus < r.best.layout.gpus && s.closest.violations.length > 0, `${label}: smaller ${s.gpus}`);
  } else {
    assert.ok(r.closest, `${label}: closest is set when nothing qualifies`);
    assert.ok(r.closest.violations.length > 0);
    assert.equal(r.qualifying.length, 0);
  }
}

for (const s of SCENARIOS) {
  test(`plan matches brute force: ${s.name}`, () => {
    const { result, brute } = run(s);
    assert.equal(result.evaluated, brute.evaluated, 'evaluated layout x variant count');
    assert.equal(result.qualifying.length, brute.qualifying.length, 'qualifying count');
    assert.equal(result.qualifying.length > 0, s.feasible, 'scenario feasibility');
    const min = brute.qualifying[0];
    if (min) {
      assert.ok(result.best);
      assert.equal(result.best.layout.gpus, min.gpus, 'GPU count of the minimum');
      assert.equal(result.best.ttftSec, min.ttftSec, 'TTFT of the minimum');
    } else {
      assert.equal(result.best, null);
      assert.ok(result.closest);
    }
    assertInvariants(result, 'gpus', s.name);
  });
}

test('each objective minimises what it names over the same qualifying layouts', () => {
  for (const s of SCENARIOS.filter((x) => x.feasible)) {
    const smallest = run(s, 'gpus').result;
    for (const objective of ['ttft', 'ttit', 'cost'] as const) {
      const { result } = run(s, objective);
      assertInvariants(result, objective, `${s.name} ${objective}`);
      assert.equal(result.qualifying.length, smallest.qualifying.length, s.name);
      assert.equal(primary[objective](result.best!), Math.min(...smallest.qualifying.map(primary[objective])), `${s.name} ${objective}`);
    }
    // The fastest prefill is not the smallest layout wherever more GPUs help.
    assert.ok(run(s, 'ttft').result.best!.ttftSec <= smallest.best!.ttftSec, s.name);
  }
  const s = SCENARIOS[0]!;
  assert.ok(run(s, 'ttft').result.best!.gpus > run(s, 'gpus').result.best!.gpus, 'ttft spends GPUs the gpus objective saves');
});

test("the paper's setup (405B, gtt, 1M, TTFT <= 90 s) fits in 16 nodes or fewer and explains every smaller size", () => {
  const r = plan({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    workload: full(1_000_000),
    slo: { maxTtftSec: 90 },
    space: { maxNodes: 32 },
    objective: 'gpus',
  });
  assert.ok(r.best, 'a layout qualifies');
  assert.ok(r.best.layout.gpus <= 128 && r.best.layout.nodes <= 16, `best uses ${r.best.layout.gpus} GPUs`);
  assert.ok(r.best.ttftSec <= 90);
  // Parts of a node (1, 2, 4 GPUs), then whole nodes below the best.
  const expected = [1, 2, 4, ...Array.from({ length: r.best.layout.gpus / 8 - 1 }, (_, i) => (i + 1) * 8)];
  assert.deepEqual(
    r.smaller.map((s) => s.gpus),
    expected,
    'every smaller GPU count is explained',
  );
  for (const s of r.smaller) assert.ok(s.closest.violations.length >= 1, `${s.gpus} GPUs`);
  assert.ok(!r.qualifying.some((c) => c.layout.gpus < r.best!.layout.gpus));
  assertInvariants(r, 'gpus', 'paper');
});

test('nothing qualifies at 16 nodes and TTFT <= 30 s: best is null, the binding constraint is TTFT', () => {
  const r = plan({
    model: llama405b(),
    cluster: gtt(),
    precision: paperPrecision,
    workload: full(1_000_000),
    slo: { maxTtftSec: 30 },
    space: { maxNodes: 16 },
    objective: 'gpus',
  });
  assert.equal(r.best, null);
  assert.ok(r.closest);
  assert.deepEqual(
    r.closest.violations.map((v) => v.constraint),
    ['ttft'],
  );
  assert.ok(r.closest.violations[0]!.factor > 1);
  assert.equal(r.smaller.length, 3 + 16, 'every GPU count (1, 2, 4 and 16 node counts) gets a closest candidate');
  assert.equal(r.rejected.length, new Set(r.rejected.map((f) => f.family)).size);
  assertInvariants(r, 'gpus', '30 s');
});

test('the search space limits: maxGpus, dcp: false and a forced variant', () => {
  const model = builtinModel('llama3-8b').spec;
  const cluster = shipped('h100-ib');
  const base = { model, cluster, precision: { weights: 'bf16', kvDtype: 'bf16' } as Precision, workload: full(128_000), slo: {}, objective: 'gpus' as const };
  const all = plan({ ...base, space: { maxNodes: 4 } });
  assert.ok(
    all.qualifying.some((c) => c.layout.dcp > 1),
    'DCP layouts are searched by default',
  );
  const capped = plan({ ...base, space: { maxNodes: 4, maxGpus: 16 } });
  assert.ok(capped.qualifying.length > 0 && capped.qualifying.every((c) => c.layout.gpus <= 16));
  const noDcp = plan({ ...base, space: { maxNodes: 4, dcp: false } });
  assert.ok(noDcp.qualifying.every((c) => c.layout.dcp === 1));
  assert.ok(noDcp.evaluated < all.evaluated);
  const passQ = plan({ ...base, space: { maxNodes: 4, variant: 'pass-q' } });
  // A forced variant applies where there is a ring; CP1 layouts have none and are reported as pass-KV.
  assert.ok(passQ.qualifying.every((c) => c.variant === (c.layout.cp > 1 && (c.layout.cpStyle ?? 'ring') === 'ring' ? 'pass-q' : 'pass-kv')));
  assert.ok(passQ.qualifying.some((c) => c.layout.cp > 1));
});
