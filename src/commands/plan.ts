import { EXIT_CHECK_FAILED, EXIT_OK, InputError, printable } from '../errors.js';
import { quoted } from '../render/quote.js';
import { launchCommand, NotLaunchable, type LaunchCommand, type LaunchInput } from '../emit/launch.js';
import { CP_STYLES } from '../model/cp-style.js';
import { estimate } from '../model/estimate.js';
import type { KvDtype, Layout, RingVariant, WeightRecipe } from '../model/types.js';
import { compareCandidates, plan, type Candidate, type Objective } from '../planning/plan.js';
import { launchText } from '../render/launch-text.js';
import { colorEnabled, makeChalk } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatInt, formatSeconds, round } from '../render/format.js';
import { candidateJson, describeLayout, describeViolation, planToCsv, planToJson, planToMarkdown, planToTable } from '../render/plan-report.js';
import { documentHead, presetsJson, presetsLine } from '../render/provenance.js';
import { assertRepresentable } from '../representable.js';
import { contextWarning, warningsFor } from '../model/estimate.js';
import type { FleetOptions } from './plan-fleet.js';
import type { CommandContext, CommandResult } from './result.js';
import { cachedTokens, chunkFlag, loadInputs, type CacheOptions } from './workload-options.js';
import { prefillChunkOf } from '../model/prefill-chunked.js';
import { checkReportPath, writeReport } from '../report-file.js';
import { CURVE_MISS_RATES, variantCurve } from '../model/crossover.js';
import { explainTerms } from '../render/explain.js';

export interface PlanOptions extends Omit<CacheOptions, 'ctx'> {
  ctx: number;
  model: string;
  cluster: string;
  batch: number;
  /** Most new tokens per forward pass; 0: whole prompts; absent: the engine's. */
  prefillChunk?: number;
  weights?: WeightRecipe;
  kvDtype?: KvDtype;
  maxTtft?: number;
  maxTtit?: number;
  minThroughput?: number;
  maxNodes?: number;
  maxGpus?: number;
  objective: Objective;
  engine?: string;
  emit?: 'vllm' | 'sglang' | 'trtllm';
  variant: 'auto' | RingVariant;
  dcp: boolean;
  top: number;
  json: boolean;
  format: 'table' | 'json' | 'markdown' | 'csv';
  verbose: boolean;
  quiet: boolean;
  /** Also write an HTML report to this file. */
  report?: string;
  color: boolean;
}

/** Pipeline stage counts plan tries where the engine runs PP (stages of whole nodes). */
const PP_STAGES = [1, 2, 4, 8];

/** Beyond this a search takes seconds (it grows faster than linearly); larger clusters need --max-nodes. */
const MAX_SEARCH_NODES = 4096;

/** Searches every layout up to the limits for the smallest one that meets the SLOs. */
export async function runPlan(opts: PlanOptions, ctx: CommandContext): Promise<CommandResult> {
  checkReportPath(opts.report);
  const fleet = opts as FleetOptions;
  if (fleet.isl !== undefined || fleet.osl !== undefined || fleet.rate !== undefined || fleet.disaggregated) {
    if (opts.ctx !== undefined && fleet.isl === undefined && fleet.osl === undefined && fleet.rate === undefined) {
      // --disaggregated alone with --ctx: pools are sized for a stream of requests, not one.
      throw new InputError(
        '--disaggregated sizes prefill and decode pools for a request stream: give --isl, --osl and --rate (e.g. --isl 1M --osl 2K --rate 0.05/s) instead of --ctx',
      );
    }
    if (opts.ctx !== undefined) throw new InputError('give --ctx (one request) or --isl, --osl and --rate (a fleet), not both');
    if (opts.format === 'csv' || opts.format === 'markdown')
      throw new InputError(`--format ${opts.format}: a fleet plan prints a table or JSON; use --format table or --json`);
    const { runFleetPlan } = await import('./plan-fleet.js');
    return runFleetPlan(fleet, ctx);
  }
  if (opts.ctx === undefined) throw new InputError('plan needs --ctx TOKENS (one request), or --isl, --osl and --rate (a fleet for a request stream)');
  if (opts.emit !== undefined) {
    if (opts.engine !== undefined && opts.engine !== opts.emit)
      throw new InputError(
        `--emit ${opts.emit} with --engine ${printable(opts.engine)}: the command must deploy the engine the plan used; drop --engine or make them the same`,
      );
    opts = { ...opts, engine: opts.emit };
  }
  const cached = cachedTokens(opts);
  const { model, cluster, precision } = await loadInputs(opts);
  // Every candidate is costed with the chunking estimate uses: --prefill-chunk, else the engine's default.
  const chunk = prefillChunkOf(chunkFlag(opts.prefillChunk), cluster.spec);
  const workload = { contextTokens: opts.ctx, cachedTokens: cached, batch: opts.batch, prefillChunkTokens: chunk };
  const slo = { maxTtftSec: opts.maxTtft, maxTtitSec: opts.maxTtit, minTokensPerSec: opts.minThroughput };
  const perNode = cluster.spec.gpusPerNode;
  if ((opts.maxNodes ?? cluster.spec.maxNodes) > MAX_SEARCH_NODES && (opts.maxGpus === undefined || opts.maxGpus / perNode > MAX_SEARCH_NODES)) {
    throw new InputError(`plan searches at most ${MAX_SEARCH_NODES} nodes; give --max-nodes (cluster '${cluster.spec.name}' allows ${cluster.spec.maxNodes})`);
  }
  // Layouts below one node use a divisor of the node's GPUs; above it, whole nodes.
  const maxNodes = Math.min(
    opts.maxNodes ?? cluster.spec.maxNodes,
    cluster.spec.maxNodes,
    opts.maxGpus === undefined ? Infinity : Math.max(1, Math.floor(opts.maxGpus / perNode)),
  );
  const engine = cluster.spec.engine;
  // What the engine runs (its CP styles, PP when it has it) and, with --emit, what its pinned version can launch.
  const list = opts.emit === undefined ? null : (await import('../presets/flag-list.js')).loadFlagList(opts.emit);
  const launchable = (layout: Layout, pp: number) => {
    if (!list || !opts.emit) return true;
    try {
      launchCommand(opts.emit, launchInputFor(layout, pp), list);
      return true;
    } catch (error) {
      if (error instanceof NotLaunchable) return false;
      throw error;
    }
  };
  const launchInputFor = (layout: Layout, pp: number): LaunchInput => ({
    modelId: model.spec.huggingFace ?? model.spec.name,
    model: model.spec,
    layout,
    pp,
    weights: precision.weights,
    kvDtype: precision.kvDtype,
    contextTokens: opts.ctx,
    cachedTokens: cached,
    batch: opts.batch,
    prefillChunkTokens: chunk,
    maxStepTokens: engine.maxStepTokens,
    gpuMemoryUtilization: engine.gpuMemoryUtilization,
  });
  const baseSpace = { maxNodes, maxGpus: opts.maxGpus, variant: opts.variant === 'auto' ? undefined : opts.variant, dcp: opts.dcp };
  const input = { model: model.spec, cluster: cluster.spec, precision, workload, slo, objective: opts.objective };
  const result = plan({
    ...input,
    space: { ...baseSpace, dcp: opts.dcp && engine.dcpSupported, cpStyles: engine.cpStyles, pp: engine.ppSupported ? PP_STAGES : [1], admit: launchable },
  });
  // With an engine named, what the search would pick without its limits (every style, PP, any flag).
  const restricted = opts.engine !== undefined;
  const free = restricted ? plan({ ...input, space: { ...baseSpace, cpStyles: CP_STYLES, pp: PP_STAGES, ppWithCp: true } }).best : null;
  const unrestricted = free && (!result.best || compareCandidates(opts.objective)(free, result.best) < 0) ? free : null;
  const sloText = [
    opts.maxTtft !== undefined ? `TTFT <= ${formatSeconds(opts.maxTtft)}` : '',
    opts.maxTtit !== undefined ? `TTIT <= ${formatSeconds(opts.maxTtit)}` : '',
    opts.minThroughput !== undefined ? `decode >= ${opts.minThroughput} tokens/s` : '',
    'fits in memory',
  ]
    .filter(Boolean)
    .join(', ');
  // Estimate's warnings for a candidate's layout (extrapolated CP decode, transferred constants, the model's context).
  const warningsOf = (c: Candidate) => warningsFor(model.spec, cluster.spec, precision, workload, c.layout);
  // The answer's: the best layout's, or without one those that hold for any layout.
  const beyond = contextWarning(model.spec, opts.ctx);
  const warnings = result.best ? warningsOf(result.best) : beyond ? [beyond] : [];
  // A --max-nodes the preset caps: said with the warnings, so JSON and reports carry it too.
  if (opts.maxNodes !== undefined && opts.maxNodes > cluster.spec.maxNodes)
    warnings.push(
      `--max-nodes ${opts.maxNodes}: cluster '${cluster.spec.name}' has ${cluster.spec.maxNodes} nodes (its preset's maxNodes), so the search stopped there; copy the preset (cp-plan presets show) and raise maxNodes to search a larger cluster`,
    );
  const stderr: string[] = warnings.map((w) => `warning: ${w}`);
  if (!result.best && result.closest) {
    const worst = [...result.closest.violations].sort((a, b) => b.factor - a.factor)[0]!;
    stderr.push(`check failed: no layout up to ${maxNodes} nodes meets the SLOs; closest ${describeViolation(worst)} (${worst.factor.toFixed(2)}x off)`);
  } else if (!result.best) {
    stderr.push('check failed: no valid layout to evaluate within the limits');
  }
  const exitCode = result.best ? EXIT_OK : EXIT_CHECK_FAILED;
  const title =
    `${model.spec.displayName} on ${cluster.spec.name}, ${formatInt(opts.ctx)} tokens of context` +
    (cached ? ` (${formatInt(cached)} cached)` : '') +
    `, batch ${opts.batch}`;
  // The chosen layout's launch command (its estimate, then the engine version's flags).
  const emit: LaunchCommand | null =
    opts.emit !== undefined && list && result.best ? launchCommand(opts.emit, launchInputFor(result.best.layout, result.best.pp), list) : null;
  const engineName = opts.engine ?? '';
  const withoutLimits = unrestricted
    ? `without ${engineName}'s limits (its CP styles ${engine.cpStyles.join(', ')}${engine.ppSupported ? '' : ', no PP'}${list ? `, the flags of ${list.version.slice(0, 12)}` : ''}) the search would pick ${describeLayout(unrestricted)}: TTFT ${formatSeconds(unrestricted.ttftSec)}, TTIT ${formatSeconds(unrestricted.ttitSec)}`
    : null;
  if (opts.report) {
    const { planReport } = await import('../render/report/plan-report.js');
    let chosen = null;
    if (result.best) {
      const l = result.best.layout;
      const r = estimate({
        model: model.spec,
        cluster: cluster.spec,
        precision,
        layout: { gpus: l.gpus, tp: l.tp, dcp: l.dcp, ep: l.ep, ...(l.cpStyle ? { cpStyle: l.cpStyle } : {}) },
        workload,
        variant: result.best.variant,
      });
      const ring = r.layout.cp > 1 && (r.layout.cpStyle ?? 'ring') === 'ring';
      chosen = { r, curve: ring ? variantCurve(r.model, r.cluster, r.layout, r.precision, r.workload, CURVE_MISS_RATES) : null, terms: explainTerms(r) };
    }
    const html = planReport({
      result,
      title,
      sloText,
      maxTtftSec: opts.maxTtft,
      top: opts.top,
      chosen,
      presets: presetsJson(model, cluster),
      argv: ctx.argv ?? [],
      version: ctx.version,
      messages: [...stderr],
      warningsOf,
    });
    stderr.push(writeReport(opts.report, html));
  }
  // --quiet keeps errors and the failed check, not warnings.
  if (opts.quiet) stderr.splice(0, stderr.length, ...stderr.filter((l) => !l.startsWith('warning: ')));
  const format = opts.json ? 'json' : opts.format;
  if (format === 'csv') return { stdout: planToCsv(result, opts.top), stderr, exitCode };
  if (format === 'json') {
    const doc = planToJson(
      result,
      opts.top,
      {
        ...documentHead(ctx.version, SCHEMA_VERSION, model, cluster),
        workload: { contextTokens: opts.ctx, cachedTokens: cached, newTokens: opts.ctx - cached, batch: opts.batch },
        slo: {
          maxTtftMs: opts.maxTtft === undefined ? null : round(opts.maxTtft * 1e3, 3),
          maxTtitMs: opts.maxTtit === undefined ? null : round(opts.maxTtit * 1e3, 3),
          minTokensPerSecond: opts.minThroughput ?? null,
        },
        objective: opts.objective,
        maxNodes,
        presets: presetsJson(model, cluster),
        warnings,
      },
      warningsOf,
    );
    if (emit) Object.assign(doc, { emit });
    if (restricted) Object.assign(doc, { withoutEngineLimits: unrestricted ? { best: candidateJson(unrestricted), reason: withoutLimits } : null });
    assertRepresentable(doc);
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const header = { title: quoted(title), slo: sloText, maxNodes, gpusPerNode: cluster.spec.gpusPerNode };
  const limitsText = withoutLimits ? `Note: ${quoted(withoutLimits)}.\n` : '';
  if (format === 'markdown')
    return {
      stdout:
        planToMarkdown(quoted(result), header, opts.top, (c) => quoted(warningsOf(c))) +
        (withoutLimits ? `\nNote: ${quoted(withoutLimits)}.\n` : '') +
        (emit ? `\n\`\`\`sh\n${quoted(emit.command)}\n\`\`\`\n` : ''),
      stderr,
      exitCode,
    };
  return {
    stdout:
      planToTable(quoted(result), header, opts.top, makeChalk(color), color, (c) => quoted(warningsOf(c)), opts.verbose) +
      '\n' +
      limitsText +
      presetsLine(quoted(model), quoted(cluster)) +
      '\n' +
      // Quoted line by line: the command's own line breaks stay, so it can be pasted.
      launchText(emit)
        .split('\n')
        .map((line) => quoted(line))
        .join('\n'),
    stderr,
    exitCode,
  };
}
