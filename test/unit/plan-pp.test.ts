// plan searches pipeline parallelism and CP styles (issue 15): checked against an independent enumeration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveLayout } from '../../src/model/layout.js';
import { memoryPerGpu } from '../../src/model/memory.js';
import { estimatePipeline } from '../../src/model/pipeline.js';
import { estimatePrefillChunked } from '../../src/model/prefill-chunked.js';
import type { Precision, Workload } from '../../src/model/types.js';
import { plan } from '../../src/planning/plan.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { shipped } from './specs.js';

const model = builtinModel('llama3-70b').spec;
const cluster = shipped('h100-ib', 'sglang');
const precision: Precision = { weights: 'fp8', kvDtype: 'bf16' };
const workload: Workload = { contextTokens: 1_000_000, cachedTokens: 0, batch: 1 };
const slo = { maxTtftSec: 200 };
const space = { maxNodes: 4, dcp: false, variant: 'pass-kv' as const, cpStyles: ['ring' as const], pp: [1, 2, 4] };

/** Every (GPU count, stages, TP): stages of whole nodes, through the model's own functions, not src/planning. */
function enumerate() {
  const found: { gpus: number; pp: number; tp: number; ttftSec: number }[] = [];
  let evaluated = 0;
  for (const gpus of [1, 2, 4, 8, 16, 24, 32]) {
    for (const pp of space.pp) {
      const stage = gpus / pp;
      if (!Number.isInteger(stage) || (pp > 1 && stage % 8 !== 0)) continue;
      for (let tp = 1; tp <= stage; tp++) {
        if (stage % tp !== 0) continue;
        let layout: ReturnType<typeof resolveLayout>;
        try {
          layout = resolveLayout({ gpus: stage, tp, cpStyle: 'ring' }, model, cluster);
        } catch {
          continue;
        }
        // SGLang runs CP or pipeline stages, not both.
        if (pp > 1 && layout.cp > 1 && !cluster.engine.ppWithCp) continue;
        evaluated++;
        const p = pp > 1 ? estimatePipeline(model, cluster, precision, { gpus: stage, tp, cpStyle: 'ring' }, pp, workload, 'pass-kv') : null;
        // Without stages: the engine's chunked prefill, as estimate costs it.
        const chunk = cluster.engine.prefillChunkTokens;
        const chunked = { ...workload, prefillChunkTokens: chunk };
        const ttftSec = p ? p.ttftSec : estimatePrefillChunked(model, cluster, layout, precision, chunked, 'pass-kv', chunk).ttftSec;
        const fits = p ? p.memory.fits : memoryPerGpu(model, cluster, layout, precision, chunked).fits;
        if (fits && ttftSec <= slo.maxTtftSec) found.push({ gpus, pp, tp, ttftSec });
      }
    }
  }
  return { evaluated, found };
}

test('plan with PP matches an independent enumeration of stages x TP x CP', () => {
  const r = plan({ model, cluster, precision, workload, slo, space, objective: 'ttft' });
  const e = enumerate();
  assert.equal(r.evaluated, e.evaluated);
  assert.equal(r.qualifying.length, e.found.length);
  assert.ok(
    r.qualifying.some((c) => c.pp > 1),
    'some PP layout qualifies',
  );
  assert.equal(r.best!.ttftSec, Math.min(...e.found.map((f) => f.ttftSec)));
  for (const c of r.qualifying) {
    assert.equal(c.gpus, c.layout.gpus * c.pp);
    if (c.pp > 1) assert.equal(c.layout.gpus % 8, 0, 'stages take whole nodes');
  }
});

test('PP [1] is the search without PP; a style list decides the styles searched', () => {
  const base = { model, cluster, precision, workload, slo, objective: 'gpus' as const };
  const noPp = plan({ ...base, space: { maxNodes: 4 } });
  const pp1 = plan({ ...base, space: { maxNodes: 4, pp: [1] } });
  assert.deepEqual(
    pp1.qualifying.map((c) => [c.gpus, c.ttftSec]),
    noPp.qualifying.map((c) => [c.gpus, c.ttftSec]),
  );
  assert.ok(noPp.qualifying.every((c) => c.pp === 1));
  const styles = new Set(
    plan({ ...base, space: { maxNodes: 4, cpStyles: ['ring', 'all-gather', 'ulysses'] } })
      .qualifying.filter((c) => c.layout.cp > 1)
      .map((c) => c.layout.cpStyle ?? 'ring'),
  );
  assert.deepEqual([...styles].sort(), ['all-gather', 'ring', 'ulysses']);
  const admitted = plan({ ...base, space: { maxNodes: 4, admit: (l) => l.cp === 1 } });
  assert.ok(admitted.qualifying.length > 0 && admitted.qualifying.every((c) => c.layout.cp === 1));
});
