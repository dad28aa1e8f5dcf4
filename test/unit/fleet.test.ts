// Fleet planning (issue 14): disaggregated pools against brute force and the M/D/1 closed form; the
// co-located fleet is the smallest replica count that the simulation says meets the SLOs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimateDecode } from '../../src/model/decode.js';
import { memoryParts } from '../../src/model/memory.js';
import { decodePools, planColocated, planFleet, prefillPools, type FleetInput } from '../../src/planning/fleet.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { serve } from '../../src/serving/serve.js';
import { generateRequests } from '../../src/serving/traffic.js';
import { shipped } from './specs.js';

const input = (over: Partial<FleetInput> = {}): FleetInput => ({
  model: builtinModel('llama3-8b').spec,
  cluster: shipped('h100-ib', 'vllm'),
  precision: { weights: 'bf16', kvDtype: 'bf16' },
  isl: 16_000,
  cachedTokens: 0,
  osl: 500,
  ratePerSec: 3,
  maxTtftSec: 1.5,
  maxTtitSec: 0.03,
  space: { maxNodes: 1 },
  pricePerGpuHourUsd: null,
  simulatedRequests: 150,
  ...over,
});

describe('disaggregated pools', () => {
  test('prefill: the M/D/1 mean wait, and one instance fewer would miss the TTFT SLO', () => {
    const i = input();
    for (const p of prefillPools(i)) {
      const rho = (i.ratePerSec * p.serviceSec) / p.instances;
      assert.ok(Math.abs(p.waitSec - (rho * p.serviceSec) / (2 * (1 - rho))) < 1e-12);
      assert.ok(p.meanTtftSec <= i.maxTtftSec! + 1e-12);
      if (p.instances > 1) {
        const fewer = (i.ratePerSec * p.serviceSec) / (p.instances - 1);
        const ttft = fewer >= 1 ? Infinity : (fewer * p.serviceSec) / (2 * (1 - fewer)) + p.serviceSec + p.transferSec;
        assert.ok(ttft > i.maxTtftSec! - 1e-12, `${p.layout.gpus} GPUs x ${p.instances}: ${p.instances - 1} would do`);
      }
    }
  });

  test("decode: the largest batch that fits and meets TTIT (brute force over every batch), and Little's law for the count", () => {
    const i = input({
      model: builtinModel('llama3-70b').spec,
      precision: { weights: 'fp8', kvDtype: 'fp8' },
      isl: 4000,
      osl: 400,
      ratePerSec: 5,
      maxTtitSec: 0.04,
    });
    const pools = decodePools(i);
    assert.ok(pools.length > 0);
    for (const d of pools.slice(0, 3)) {
      const ttit = (b: number) =>
        estimateDecode(i.model, i.cluster, d.layout, i.precision, { contextTokens: i.isl + i.osl / 2, cachedTokens: 0, batch: b }).ttitSec;
      const fits = (b: number) => {
        const m = memoryParts(i.model, i.cluster, d.layout, i.precision, { contextTokens: i.isl + i.osl, cachedTokens: i.isl + i.osl - 1, batch: b });
        return m.totalBytes <= m.capacityBytes;
      };
      let best = 0;
      for (let b = 1; b <= (i.cluster.engine.maxRunningSequences ?? 4096); b++) if (fits(b) && ttit(b) <= i.maxTtitSec!) best = b;
      assert.equal(d.batchPerInstance, best, `${d.layout.gpus} GPUs`);
      assert.equal(d.instances, Math.max(1, Math.ceil((i.ratePerSec * i.osl * ttit(best)) / best)));
    }
  });

  test('the fleet is the cheapest prefill pool plus the cheapest decode pool (brute force over pairs)', () => {
    const i = input();
    const plan = planFleet(i);
    let best = Infinity;
    for (const p of prefillPools(i)) for (const d of decodePools(i)) best = Math.min(best, p.gpus + d.gpus);
    assert.equal(plan.disaggregated!.gpus, best);
  });
});

describe('co-located fleet', () => {
  test('the smallest replica count meeting the SLOs in simulation, and one fewer does not', () => {
    const i = input();
    const c = planColocated(i)!;
    assert.ok(c, 'a fleet exists');
    assert.ok(c.meanTtftSec <= i.maxTtftSec! && c.meanTtitSec <= i.maxTtitSec!);
    if (c.replicas > 1) {
      const requests = generateRequests({
        classes: [{ weight: 1, inputTokens: i.isl, outputTokens: i.osl, hitRate: 0, turns: 1, thinkSec: 0 }],
        arrivals: { kind: 'poisson', ratePerSec: i.ratePerSec },
        requests: 150,
        seed: 1,
      });
      const s = serve({
        model: i.model,
        cluster: i.cluster,
        precision: i.precision,
        replica: { gpus: c.layout.gpus, tp: c.layout.tp, dcp: c.layout.dcp, ep: c.layout.ep },
        replicas: c.replicas - 1,
        requests,
        concurrency: null,
        slo: {},
        pricePerGpuHourUsd: null,
      }).summary;
      assert.ok(s.saturated || s.ttft.meanSec > i.maxTtftSec! || s.ttit.meanSec > i.maxTtitSec!, 'one replica fewer also meets the SLOs');
    }
  });
});

test('an absurd rate has no co-located fleet: a burst that the replicas only drain is saturation, not success', () => {
  // 64 GPUs at most; 10^5 requests/s of 8K prompts would need thousands.
  const none = planColocated(
    input({ isl: 8000, osl: 1000, ratePerSec: 100_000, maxTtftSec: 1, maxTtitSec: undefined, simulatedRequests: undefined, space: { maxNodes: 8 } }),
  );
  assert.equal(none, null);
});
