import { EXIT_CHECK_FAILED, EXIT_OK, InputError, printable } from '../errors.js';
import { quoted } from '../render/quote.js';
import { launchCommand, launchInputOf, NotLaunchable, type LaunchEngine } from '../emit/launch.js';
import { launchText } from '../render/launch-text.js';
import { estimate, type VariantChoice } from '../model/estimate.js';
import { assertRepresentable } from '../representable.js';
import { remediesThatFit, remedyText } from '../model/remedies.js';
import type { CpStyle, KvDtype, WeightRecipe } from '../model/types.js';
import { estimateToJson } from '../render/estimate-json.js';
import { explainTerms } from '../render/explain.js';
import { formatBytes, formatSeconds, plural, round } from '../render/format.js';
import { estimatePipeline, type PipelineEstimate } from '../model/pipeline.js';
import type { CommandContext, CommandResult } from './result.js';
import { cachedTokens, chunkFlag, loadInputs } from './workload-options.js';
import { checkReportPath, writeReport } from '../report-file.js';
import { CURVE_MISS_RATES, variantCurve } from '../model/crossover.js';
import { presetsJson } from '../render/provenance.js';
import type { ExplainTerm } from '../render/explain-terms.js';

/** Writes the HTML report (with the pass-KV vs pass-Q curve when there is a ring); returns the `wrote` line. */
async function report(
  file: string,
  r: ReturnType<typeof estimate>,
  doc: Parameters<typeof import('../render/report/estimate-report.js').estimateReport>[0]['doc'],
  terms: ExplainTerm[],
  messages: string[],
  at: { model: Awaited<ReturnType<typeof loadInputs>>['model']; cluster: Awaited<ReturnType<typeof loadInputs>>['cluster']; ctx: CommandContext },
): Promise<string> {
  const { estimateReport } = await import('../render/report/estimate-report.js');
  const ring = r.layout.cp > 1 && (r.layout.cpStyle ?? 'ring') === 'ring';
  const curve = ring ? variantCurve(r.model, r.cluster, r.layout, r.precision, r.workload, CURVE_MISS_RATES) : null;
  const html = estimateReport({
    r,
    doc,
    terms,
    curve,
    messages: [...messages],
    presets: presetsJson(at.model, at.cluster),
    argv: at.ctx.argv ?? [],
    version: at.ctx.version,
  });
  return writeReport(file, html);
}

export interface EstimateOptions {
  model: string;
  cluster: string;
  nodes?: number;
  gpus?: number;
  tp?: number;
  cp?: number;
  ctx: number;
  cached?: number;
  missRate?: number;
  hitRate?: number;
  batch: number;
  /** 0: none (whole prompts). */
  prefillChunk?: number;
  dcp: number;
  ep: number;
  variant: VariantChoice;
  cpStyle?: CpStyle;
  weights?: WeightRecipe;
  kvDtype?: KvDtype;
  json: boolean;
  explain: boolean;
  pricePerGpuHour?: number;
  engine?: string;
  emit?: 'vllm' | 'sglang' | 'trtllm';
  pp?: number;
  /** Also write an HTML report to this file. */
  report?: string;
  color: boolean;
}

export async function runEstimate(opts: EstimateOptions, ctx: CommandContext): Promise<CommandResult> {
  if (opts.emit !== undefined) {
    if (opts.engine !== undefined && opts.engine !== opts.emit)
      throw new InputError(
        `--emit ${opts.emit} with --engine ${printable(opts.engine)}: the command must deploy the engine the estimate used; drop --engine or make them the same`,
      );
    opts = { ...opts, engine: opts.emit };
  }
  checkReportPath(opts.report);
  const cached = cachedTokens(opts);
  const { model, cluster, precision } = await loadInputs(opts);
  // With --pp S every stage has GPUs / S of the GPUs: the estimate below is one stage's layout.
  const pp = opts.pp ?? 1;
  const totalGpus = opts.gpus ?? (opts.nodes ?? 1) * cluster.spec.gpusPerNode;
  if (pp > 1 && !cluster.spec.engine.ppSupported)
    throw new InputError(`--pp ${pp}: engine ${cluster.spec.engine.name} runs no pipeline parallelism; use --engine vllm, sglang or trtllm, or drop --pp`);
  if (pp > 1 && totalGpus % pp !== 0) throw new InputError(`--pp ${pp}: does not divide the ${totalGpus} GPUs; give a GPU count that is a multiple of ${pp}`);
  if (pp > model.spec.layers)
    throw new InputError(`--pp ${pp}: more stages than ${printable(model.spec.name)}'s ${model.spec.layers} layers; give at most --pp ${model.spec.layers}`);
  if (pp > 1 && opts.tp !== undefined && opts.tp > totalGpus / pp)
    throw new InputError(
      `--tp ${opts.tp} with --pp ${pp}: each stage has ${totalGpus / pp} of the ${totalGpus} GPUs; give --tp ${totalGpus / pp} or less, or more GPUs`,
    );
  const layoutRequest = {
    ...(pp > 1 ? { gpus: totalGpus / pp } : { nodes: opts.nodes, gpus: opts.gpus }),
    tp: opts.tp,
    cp: opts.cp,
    dcp: opts.dcp,
    ep: opts.ep,
    ...(opts.cpStyle ? { cpStyle: opts.cpStyle } : {}),
  };
  const result = estimate({
    model: model.spec,
    cluster: cluster.spec,
    precision,
    layout: layoutRequest,
    workload: {
      contextTokens: opts.ctx,
      cachedTokens: cached,
      batch: opts.batch,
      ...(opts.prefillChunk !== undefined ? { prefillChunkTokens: chunkFlag(opts.prefillChunk) } : {}),
    },
    variant: opts.variant,
  });

  if (pp > 1 && result.layout.cp > 1 && !cluster.spec.engine.ppWithCp)
    throw new InputError(
      `--pp ${pp} with CP${result.layout.cp}: engine ${cluster.spec.engine.name} runs CP or pipeline stages, not both; give --cp 1, drop --pp or use another --engine`,
    );
  // Checked in both modes: the table shows the same numbers.
  const price = opts.pricePerGpuHour ?? cluster.spec.price?.perGpuHourUsd ?? null;
  const pipeline =
    pp > 1
      ? estimatePipeline(
          model.spec,
          cluster.spec,
          precision,
          { ...layoutRequest, cpStyle: result.layout.cpStyle ?? 'ring' },
          pp,
          result.workload,
          result.prefill.variant,
        )
      : null;

  const stderr = result.warnings.map((w) => `warning: ${w}`);
  let exitCode = EXIT_OK;
  if (pipeline) {
    // With --pp the answer is the pipeline's: one stage holds L/S layers (the tables show one stage's GPUs running the whole model).
    const m = pipeline.memory;
    if (!m.fits) {
      stderr.push(
        `does not fit: each PP${pp} stage needs ${formatBytes(m.perGpu.totalBytes)} per GPU of ${formatBytes(m.perGpu.capacityBytes)}; ` +
          `this pipeline holds at most ${plural(m.maxContextTokens, 'token')} per sequence at batch ${opts.batch}`,
      );
      exitCode = EXIT_CHECK_FAILED;
    }
  } else if (!result.memory.fits) {
    const m = result.memory.perGpu;
    // Only remedies the model confirms fit (each evaluated with the memory function).
    const weightsFit = m.weightsBytes + m.reserveBytes <= m.capacityBytes;
    const fix = remedyText(remediesThatFit(result.model, result.cluster, result.layout, result.precision, result.workload), result.cluster, weightsFit);
    const max = result.memory.maxContextTokens;
    const why = !weightsFit
      ? 'the weights and runtime reserve alone exceed the HBM'
      : max > 0
        ? `this layout holds at most ${plural(max, 'token')} per sequence at batch ${opts.batch}`
        : `not even one token per sequence fits at batch ${opts.batch}; lower --batch`;
    stderr.push(`does not fit: needs ${formatBytes(m.totalBytes)} per GPU of ${formatBytes(m.capacityBytes)}; ${why}; ${fix}`);
    exitCode = EXIT_CHECK_FAILED;
  }

  const emit = opts.emit === undefined ? null : await emitFor(opts.emit, result, pp);
  const doc = {
    ...estimateToJson(result, { version: ctx.version, modelFile: model.file, clusterFile: cluster.file }),
    cost: costOf(result, price, pipeline),
    ...(emit ? { emit } : {}),
    ...(pipeline ? { pipeline: pipelineJson(pipeline) } : {}),
  };
  assertRepresentable(doc);
  const terms = opts.explain || opts.report ? explainTerms(result) : [];
  if (opts.report) stderr.push(await report(opts.report, result, doc, terms, stderr, { model, cluster, ctx }));
  if (opts.json) {
    const out = opts.explain ? { ...doc, explain: terms } : doc;
    return { stdout: JSON.stringify(out, null, 2) + '\n', stderr, exitCode };
  }
  // Tables need chalk and cli-table3; JSON runs (pipelines, loops) never load them.
  const { estimateText } = await import('../render/estimate-text.js');
  const text = estimateText(quoted(result), quoted(opts.explain ? terms : []), {
    model: quoted(model),
    cluster: quoted(cluster),
    isTTY: ctx.isTTY,
    env: ctx.env,
    noColorFlag: !opts.color,
  });
  const c = doc.cost;
  const costLine = c
    ? `Cost: $${c.perHourUsd.toFixed(2)}/hour at $${c.pricePerGpuHourUsd}/GPU-hour; $${c.perMillionInputTokensUsd.toFixed(3)} per million prompt tokens (prefills back to back), ` +
      `$${c.perMillionOutputTokensUsd.toFixed(3)} per million output tokens at batch ${result.workload.batch}\n`
    : '';
  const emitText = launchText(emit);
  const ppText = pipeline
    ? `Pipeline PP${pipeline.stages} (${pipeline.stageLayout.gpus} GPUs and ${pipeline.stageLayers} layers per stage, ${pipeline.chunks} chunk(s)): TTFT ${formatSeconds(pipeline.ttftSec)} ` +
      `(bubble ${(pipeline.bubbleFraction * 100).toFixed(1)}%, hand-off ${formatSeconds(pipeline.handoffSec)}), TTIT ${formatSeconds(pipeline.ttitSec)}; ` +
      `memory per GPU ${formatBytes(pipeline.memory.perGpu.totalBytes)} of ${formatBytes(pipeline.memory.perGpu.capacityBytes)}${pipeline.memory.fits ? '' : ' (DOES NOT FIT)'}. The tables above are one stage's GPUs running the whole model.\n`
    : '';
  return { stdout: text + costLine + ppText + emitText, stderr, exitCode };
}

/**
 * What this layout costs, at a price per GPU-hour: per hour; per million prompt tokens prefilled back to
 * back (the GPUs' hours over the new tokens); per million output tokens at this decode batch. Null without
 * a price.
 */
export function costOf(r: ReturnType<typeof estimate>, price: number | null, pipeline: PipelineEstimate | null = null) {
  if (price === null) return null;
  // With --pp: every stage's GPUs, the pipeline's TTFT and TTIT.
  const perHour = price * r.layout.gpus * (pipeline?.stages ?? 1);
  const ttftSec = pipeline?.ttftSec ?? r.prefill.ttftSec;
  const tokensPerSec = pipeline ? r.workload.batch / pipeline.ttitSec : r.decode.tokensPerSecondAggregate;
  const newTokens = (r.workload.contextTokens - r.workload.cachedTokens) * r.workload.batch;
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    pricePerGpuHourUsd: price,
    perHourUsd: round(perHour),
    perMillionInputTokensUsd: round((perHour / 3600) * (ttftSec / newTokens) * 1e6),
    perMillionOutputTokensUsd: round((perHour / 3600 / tokensPerSec) * 1e6),
  };
}

/** The launch command for this estimate's layout; a layout the pinned engine version cannot launch is an input error. */
async function emitFor(engine: LaunchEngine, r: ReturnType<typeof estimate>, pp: number) {
  // Reading the flag list needs yaml and zod: loaded only for --emit.
  const { loadFlagList } = await import('../presets/flag-list.js');
  const list = loadFlagList(engine);
  try {
    return launchCommand(engine, launchInputOf(r, pp), list);
  } catch (error) {
    if (!(error instanceof NotLaunchable)) throw error;
    throw new InputError(
      `--emit ${engine}: ${error.message}; this layout cannot be launched with that version (${error.fix ?? 'try --cp 1, another --cp-style, or another engine'})`,
    );
  }
}

function pipelineJson(p: PipelineEstimate) {
  const ms = (s: number) => round(s * 1e3, 3);
  return {
    stages: p.stages,
    gpus: p.stageLayout.gpus * p.stages,
    gpusPerStage: p.stageLayout.gpus,
    layersPerStage: p.stageLayers,
    chunks: p.chunks,
    ttftMs: ms(p.ttftSec),
    serialMs: ms(p.serialSec),
    bubbleFraction: round(p.bubbleFraction, 5),
    handoffMs: ms(p.handoffSec),
    ttitMs: ms(p.ttitSec),
    memory: { perGpuBytes: Math.round(p.memory.perGpu.totalBytes), capacityBytes: Math.round(p.memory.perGpu.capacityBytes), fits: p.memory.fits },
  };
}
