import { contextWarning, estimate, type EstimateResult } from '../model/estimate.js';
import type { ClusterSpec, ModelSpec, Precision } from '../model/types.js';
import type { CheckScenario } from '../schema/check-file.js';
import type { Candidate } from './candidates.js';
import { plan } from './plan.js';

export type CheckKind = 'maxTtft' | 'maxTtit' | 'mustFit' | 'minMaxContext' | 'plan';

/** One SLO of one scenario: its limit, what cp-plan predicts, and the margin (> 0 passes). */
export interface CheckItem {
  check: CheckKind;
  limit: number;
  actual: number;
  /** Fraction of the limit left over (negative: by how much it is missed). */
  margin: number;
  pass: boolean;
}

export interface ScenarioOutcome {
  name: string;
  /** The layout checked: the scenario's, or the one `plan` chose; null when planning found none. */
  layout: { nodes: number; tp: number; cp: number; gpus: number; dcp: number; ep: number; variant: string } | null;
  checks: CheckItem[];
  pass: boolean;
  /** What qualifies the prediction (estimate's warnings for the layout checked): beyond the model's context, extrapolated, transferred. */
  warnings: string[];
  /** Set when a `plan` scenario found no layout: the closest candidate, for the reason. */
  closest?: Candidate;
  maxNodes?: number;
}

export interface ScenarioInputs {
  model: ModelSpec;
  cluster: ClusterSpec;
  precision: Precision;
}

function cachedOf(s: CheckScenario): number {
  const { ctx, cached, missRate } = s.workload;
  if (missRate !== undefined) return ctx - Math.max(1, Math.round(ctx * missRate));
  return cached ?? 0;
}

/** Evaluates one scenario's SLOs. Pure. */
export function checkScenario(s: CheckScenario, inputs: ScenarioInputs): ScenarioOutcome {
  const workload = { contextTokens: s.workload.ctx, cachedTokens: cachedOf(s), batch: s.workload.batch };
  let layout = s.layout;
  let variant: 'auto' | 'pass-kv' | 'pass-q' = 'auto';
  if (s.plan) {
    const byGpus = s.plan.maxGpus === undefined ? Infinity : Math.max(1, Math.floor(s.plan.maxGpus / inputs.cluster.gpusPerNode));
    const maxNodes = Math.min(s.plan.maxNodes ?? inputs.cluster.maxNodes, inputs.cluster.maxNodes, byGpus);
    const found = plan({
      ...inputs,
      workload,
      slo: { maxTtftSec: s.slo.maxTtft, maxTtitSec: s.slo.maxTtit },
      // The engine's limits as plan applies them; no pipeline stages (a check layout has none: estimate checks it).
      space: { maxNodes, maxGpus: s.plan.maxGpus, dcp: inputs.cluster.engine.dcpSupported, pp: [1] },
      objective: 'gpus',
    });
    if (!found.best) {
      return {
        name: s.name,
        layout: null,
        checks: [{ check: 'plan', limit: maxNodes, actual: 0, margin: -1, pass: false }],
        pass: false,
        warnings: [contextWarning(inputs.model, workload.contextTokens)].filter((w) => w !== undefined),
        closest: found.closest ?? undefined,
        maxNodes,
      };
    }
    // The planner knows TTFT, TTIT and memory; minMaxContext needs a full estimate. Take the best-ranked
    // layout that passes every check (or, if none does, the best one, to report what it misses).
    const asLayout = (c: Candidate) => ({
      gpus: c.layout.gpus,
      tp: c.layout.tp,
      cp: c.layout.cp,
      dcp: c.layout.dcp,
      ep: c.layout.ep,
      ...(c.layout.cpStyle ? { cpStyle: c.layout.cpStyle } : {}),
    });
    const passing = found.qualifying.find((c) => evaluate(s, inputs, workload, asLayout(c), c.variant).pass);
    const chosen = passing ?? found.best;
    layout = asLayout(chosen);
    variant = chosen.variant;
  }
  return evaluate(s, inputs, workload, layout!, variant);
}

function evaluate(
  s: CheckScenario,
  inputs: ScenarioInputs,
  workload: { contextTokens: number; cachedTokens: number; batch: number },
  layout: { nodes?: number; gpus?: number; tp?: number; cp?: number; dcp?: number; ep?: number },
  variant: 'auto' | 'pass-kv' | 'pass-q',
): ScenarioOutcome {
  const r: EstimateResult = estimate({ ...inputs, layout, workload, variant });
  const checks: CheckItem[] = [];
  const atMost = (check: CheckKind, actual: number, limit: number) => checks.push({ check, limit, actual, margin: 1 - actual / limit, pass: actual <= limit });
  if (s.slo.maxTtft !== undefined) atMost('maxTtft', r.prefill.ttftSec, s.slo.maxTtft);
  if (s.slo.maxTtit !== undefined) atMost('maxTtit', r.decode.ttitSec, s.slo.maxTtit);
  if (s.slo.mustFit) atMost('mustFit', r.memory.perGpu.totalBytes, r.memory.perGpu.capacityBytes);
  if (s.slo.minMaxContext !== undefined) {
    const actual = r.memory.maxContextTokens;
    checks.push({ check: 'minMaxContext', limit: s.slo.minMaxContext, actual, margin: actual / s.slo.minMaxContext - 1, pass: actual >= s.slo.minMaxContext });
  }
  const l = r.layout;
  return {
    name: s.name,
    layout: { nodes: l.nodes, tp: l.tp, cp: l.cp, gpus: l.gpus, dcp: l.dcp, ep: l.ep, variant: r.prefill.variant },
    checks,
    pass: checks.every((c) => c.pass),
    warnings: r.warnings,
  };
}
