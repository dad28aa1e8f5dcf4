import { EXIT_CHECK_FAILED, EXIT_OK, InputError, printable } from '../errors.js';
import { quoted } from '../render/quote.js';
import { launchCommand, type LaunchCommand } from '../emit/launch.js';
import { estimate } from '../model/estimate.js';
import type { KvDtype, RingVariant, WeightRecipe } from '../model/types.js';
import { plan, type Objective } from '../planning/plan.js';
import { colorEnabled, makeChalk } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatInt, formatSeconds, round } from '../render/format.js';
import { describeViolation, planToJson, planToTable } from '../render/plan-report.js';
import { presetsJson, presetsLine } from '../render/provenance.js';
import { assertRepresentable } from '../representable.js';
import { contextWarning } from '../model/estimate.js';
import type { FleetOptions } from './plan-fleet.js';
import type { CommandContext, CommandResult } from './result.js';
import { cachedTokens, loadInputs, type CacheOptions } from './workload-options.js';

export interface PlanOptions extends Omit<CacheOptions, 'ctx'> {
  ctx: number;
  model: string;
  cluster: string;
  batch: number;
  weights?: WeightRecipe;
  kvDtype?: KvDtype;
  maxTtft?: number;
  maxTtit?: number;
  minThroughput?: number;
  maxNodes?: number;
  maxGpus?: number;
  objective: Objective | 'cost';
  engine?: string;
  emit?: 'vllm' | 'sglang' | 'trtllm';
  variant: 'auto' | RingVariant;
  dcp: boolean;
  top: number;
  json: boolean;
  color: boolean;
}

/** Beyond this a search takes seconds (it grows faster than linearly); larger clusters need --max-nodes. */
const MAX_SEARCH_NODES = 4096;

/** Searches every layout up to the limits for the smallest one that meets the SLOs. */
export async function runPlan(opts: PlanOptions, ctx: CommandContext): Promise<CommandResult> {
  const fleet = opts as FleetOptions;
  if (fleet.isl !== undefined || fleet.osl !== undefined || fleet.rate !== undefined || fleet.disaggregated) {
    if (opts.ctx !== undefined) throw new InputError('give --ctx (one request) or --isl, --osl and --rate (a fleet), not both');
    const { runFleetPlan } = await import('./plan-fleet.js');
    return runFleetPlan(fleet, ctx);
  }
  if (opts.ctx === undefined) throw new InputError('plan needs --ctx TOKENS (one request), or --isl, --osl and --rate (a fleet for a request stream)');
  if (opts.emit !== undefined) {
    if (opts.emit === 'trtllm') throw new InputError('--emit trtllm: not supported yet (TensorRT-LLM is configured by an extra-options YAML); use --emit vllm or --emit sglang');
    if (opts.engine !== undefined && opts.engine !== opts.emit) throw new InputError(`--emit ${opts.emit} with --engine ${printable(opts.engine)}: the command must deploy the engine the plan used; drop --engine or make them the same`);
    opts = { ...opts, engine: opts.emit };
  }
  if (opts.objective === 'cost') opts = { ...opts, objective: 'gpus' }; // one price per GPU: the cheapest layout is the smallest
  const cached = cachedTokens(opts);
  const { model, cluster, precision } = await loadInputs(opts);
  const workload = { contextTokens: opts.ctx, cachedTokens: cached, batch: opts.batch };
  const slo = { maxTtftSec: opts.maxTtft, maxTtitSec: opts.maxTtit, minTokensPerSec: opts.minThroughput };
  const perNode = cluster.spec.gpusPerNode;
  if ((opts.maxNodes ?? cluster.spec.maxNodes) > MAX_SEARCH_NODES && (opts.maxGpus === undefined || opts.maxGpus / perNode > MAX_SEARCH_NODES)) {
    throw new InputError(`plan searches at most ${MAX_SEARCH_NODES} nodes; give --max-nodes (cluster '${cluster.spec.name}' allows ${cluster.spec.maxNodes})`);
  }
  // Layouts below one node use a divisor of the node's GPUs; above it, whole nodes.
  const maxNodes = Math.min(opts.maxNodes ?? cluster.spec.maxNodes, cluster.spec.maxNodes, opts.maxGpus === undefined ? Infinity : Math.max(1, Math.floor(opts.maxGpus / perNode)));
  const result = plan({
    model: model.spec,
    cluster: cluster.spec,
    precision,
    workload,
    slo,
    space: { maxNodes, maxGpus: opts.maxGpus, variant: opts.variant === 'auto' ? undefined : opts.variant, dcp: opts.dcp },
    objective: opts.objective === 'cost' ? 'gpus' : opts.objective,
  });
  const sloText =
    [
      opts.maxTtft !== undefined ? `TTFT <= ${formatSeconds(opts.maxTtft)}` : '',
      opts.maxTtit !== undefined ? `TTIT <= ${formatSeconds(opts.maxTtit)}` : '',
      opts.minThroughput !== undefined ? `decode >= ${opts.minThroughput} tokens/s` : '',
      'fits in memory',
    ]
      .filter(Boolean)
      .join(', ');
  const beyond = contextWarning(model.spec, opts.ctx);
  const stderr: string[] = beyond ? [`warning: ${beyond}`] : [];
  if (!result.best && result.closest) {
    const worst = [...result.closest.violations].sort((a, b) => b.factor - a.factor)[0]!;
    stderr.push(`check failed: no layout up to ${maxNodes} nodes meets the SLOs; closest ${describeViolation(worst)} (${worst.factor.toFixed(2)}x off)`);
  } else if (!result.best) {
    stderr.push('check failed: no valid layout to evaluate within the limits');
  }
  const exitCode = result.best ? EXIT_OK : EXIT_CHECK_FAILED;
  // The chosen layout's launch command (its estimate, then the engine version's flags).
  let emit: LaunchCommand | null = null;
  if (opts.emit !== undefined && opts.emit !== 'trtllm' && result.best) {
    const l = result.best.layout;
    const chosen = estimate({ model: model.spec, cluster: cluster.spec, precision, layout: { gpus: l.gpus, tp: l.tp, dcp: l.dcp, ep: l.ep, ...(l.cpStyle ? { cpStyle: l.cpStyle } : {}) }, workload, variant: result.best.variant });
    try {
      const { loadFlagList } = await import('../presets/flag-list.js');
      emit = launchCommand(opts.emit, chosen, loadFlagList(opts.emit));
    } catch (error) {
      stderr.push(`warning: --emit ${opts.emit}: ${(error as Error).message}; no command for this layout`);
    }
  }
  if (opts.json) {
    const doc = planToJson(result, opts.top, {
      schemaVersion: SCHEMA_VERSION,
      model: model.spec.name,
      cluster: cluster.spec.name,
      workload: { contextTokens: opts.ctx, cachedTokens: cached, newTokens: opts.ctx - cached, batch: opts.batch },
      slo: {
        maxTtftMs: opts.maxTtft === undefined ? null : round(opts.maxTtft * 1e3, 3),
        maxTtitMs: opts.maxTtit === undefined ? null : round(opts.maxTtit * 1e3, 3),
        minTokensPerSecond: opts.minThroughput ?? null,
      },
      objective: opts.objective,
      maxNodes,
      presets: presetsJson(model, cluster),
      warnings: contextWarning,
    });
    if (emit) Object.assign(doc, { emit });
    assertRepresentable(doc);
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const title = `${quoted(model.spec.displayName)} on ${quoted(cluster.spec.name)}, ${formatInt(opts.ctx)} tokens of context` + (cached ? ` (${formatInt(cached)} cached)` : '') + `, batch ${opts.batch}`;
  const header = { title, slo: sloText, maxNodes, gpusPerNode: cluster.spec.gpusPerNode };
  const emitText = emit ? `Launch (${emit.engine} ${emit.version}):\n  ${emit.command}\n${emit.notes.map((n) => `  note: ${n}\n`).join('')}` : '';
  return { stdout: planToTable(quoted(result), header, opts.top, makeChalk(color), color) + '\n' + presetsLine(quoted(model), quoted(cluster)) + '\n' + quoted(emitText), stderr, exitCode };
}
