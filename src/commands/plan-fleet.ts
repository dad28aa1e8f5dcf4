import { contextWarning, warningsFor } from '../model/estimate.js';
import { distinct, footnoteLines } from '../render/warnings.js';
import { quoted } from '../render/quote.js';
import Table from '../render/table.js';
import { EXIT_CHECK_FAILED, EXIT_OK, InputError } from '../errors.js';
import type { Layout } from '../model/types.js';
import { planFleet, prefillPools, type FleetInput, type FleetPlan } from '../planning/fleet.js';
import { writeReport } from '../report-file.js';
import { COMPACT_CHARS, colorEnabled, makeChalk } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatInt, formatSeconds, plural, round } from '../render/format.js';
import { documentHead, presetsJson, presetsLine } from '../render/provenance.js';
import { assertRepresentable } from '../representable.js';
import type { CommandContext, CommandResult } from './result.js';
import { loadInputs } from './workload-options.js';
import type { PlanOptions } from './plan.js';

export interface FleetOptions extends PlanOptions {
  isl?: number;
  osl?: number;
  rate?: number;
  disaggregated: boolean;
  pricePerGpuHour?: number;
  engine?: string;
}

const describe = (l: Layout) => `${l.gpus} GPUs: TP${l.tp}${l.cp > 1 ? ` x CP${l.cp}` : ''}${l.dcp > 1 ? ` DCP${l.dcp}` : ''}${l.ep > 1 ? ` EP${l.ep}` : ''}`;
const layoutJson = (l: Layout) => ({ gpus: l.gpus, nodes: l.nodes, tp: l.tp, cp: l.cp, dcp: l.dcp, ep: l.ep });
const ms = (s: number) => round(s * 1e3, 3);

/** plan --isl --osl --rate: the smallest (or cheapest) fleet for a request stream, co-located and disaggregated. */
export async function runFleetPlan(opts: FleetOptions, ctx: CommandContext): Promise<CommandResult> {
  if (opts.isl === undefined || opts.osl === undefined || opts.rate === undefined) {
    throw new InputError('fleet planning needs --isl, --osl and --rate together (e.g. --isl 128K --osl 1K --rate 2/s)');
  }
  const { model, cluster, precision } = await loadInputs(opts);
  const spec = cluster.spec;
  const price = opts.pricePerGpuHour ?? spec.price?.perGpuHourUsd ?? null;
  if (opts.objective === 'cost' && price === null) throw new InputError(`--objective cost: no price for ${spec.name}; give --price-per-gpu-hour`);
  const hit = opts.hitRate ?? 0;
  if (opts.cached !== undefined || opts.missRate !== undefined)
    throw new InputError('fleet mode takes the prefix cache as --hit-rate (a share of each prompt)');
  const cachedTokens = Math.min(opts.isl - 1, Math.round(opts.isl * hit));
  const maxNodes = Math.min(opts.maxNodes ?? spec.maxNodes, spec.maxNodes);
  const progress = await ctx.progress?.('sizing the fleet');
  const input: FleetInput = {
    model: model.spec,
    cluster: spec,
    precision,
    isl: opts.isl,
    cachedTokens,
    osl: opts.osl,
    ratePerSec: opts.rate,
    maxTtftSec: opts.maxTtft,
    maxTtitSec: opts.maxTtit,
    space: { maxNodes, maxGpus: opts.maxGpus, dcp: opts.dcp && spec.engine.dcpSupported },
    pricePerGpuHourUsd: price,
  };
  let result: FleetPlan;
  try {
    result = planFleet(input);
  } finally {
    progress?.stop();
  }
  const chosen = opts.disaggregated ? result.disaggregated : result.colocated;
  // Estimate's warnings for the layouts the answer uses (its pools' or the replica's), at the request's full context;
  // without an answer, those that hold for any layout (the model's context).
  const fullContext = { contextTokens: opts.isl + opts.osl, cachedTokens, batch: 1 };
  const used = opts.disaggregated
    ? result.disaggregated
      ? [result.disaggregated.prefill.layout, result.disaggregated.decode.layout]
      : []
    : result.colocated
      ? [result.colocated.layout]
      : [];
  const warnings = used.length
    ? distinct(used.flatMap((l) => warningsFor(model.spec, spec, precision, fullContext, l)))
    : [contextWarning(model.spec, fullContext.contextTokens)].filter((w) => w !== undefined);
  const stderr: string[] = warnings.map((w) => `warning: ${w}`);
  if (!chosen) stderr.push(`check failed: ${opts.disaggregated ? result.disaggregatedProblem : result.colocatedProblem} (up to ${maxNodes} nodes)`);
  const cost = (gpus: number) => (price === null ? null : { perHourUsd: round(gpus * price, 2) });
  const outputPerSec = opts.rate * opts.osl;
  const perMillion = (gpus: number) => (price === null ? null : round((gpus * price * 1e6) / (outputPerSec * 3600), 4));
  const d = result.disaggregated;
  const c = result.colocated;
  const slo =
    [
      opts.maxTtft !== undefined ? `mean TTFT <= ${formatSeconds(opts.maxTtft)}` : '',
      opts.maxTtit !== undefined ? `mean TTIT <= ${formatSeconds(opts.maxTtit)}` : '',
    ]
      .filter(Boolean)
      .join(', ') || 'no SLO';
  const heading = `${model.spec.displayName} on ${spec.name} (engine ${spec.engine.name}): ${opts.rate.toPrecision(3)} requests/s of ${formatInt(opts.isl)} in${cachedTokens ? ` (${formatInt(cachedTokens)} cached)` : ''} / ${formatInt(opts.osl)} out; ${slo}`;
  if (opts.report) {
    const { fleetReport } = await import('../render/report/plan-report.js');
    const html = fleetReport({
      plan: result,
      disaggregated: opts.disaggregated,
      heading,
      sloText: slo,
      maxTtftSec: opts.maxTtft,
      maxTtitSec: opts.maxTtit,
      price,
      pools: prefillPools(input),
      presets: presetsJson(model, cluster),
      argv: ctx.argv ?? [],
      version: ctx.version,
      messages: [...stderr],
    });
    stderr.push(writeReport(opts.report, html));
  }
  if (opts.json) {
    const doc = {
      ...documentHead(ctx.version, SCHEMA_VERSION, model, cluster),
      traffic: { inputTokens: opts.isl, cachedTokens, outputTokens: opts.osl, requestsPerSecond: opts.rate },
      slo: { maxTtftMs: opts.maxTtft === undefined ? null : ms(opts.maxTtft), maxTtitMs: opts.maxTtit === undefined ? null : ms(opts.maxTtit) },
      mode: opts.disaggregated ? 'disaggregated' : 'colocated',
      pricePerGpuHourUsd: price,
      disaggregated: d && {
        gpus: d.gpus,
        cost: cost(d.gpus),
        perMillionOutputTokensUsd: perMillion(d.gpus),
        prefill: {
          layout: layoutJson(d.prefill.layout),
          instances: d.prefill.instances,
          gpus: d.prefill.gpus,
          serviceMs: ms(d.prefill.serviceSec),
          meanWaitMs: ms(d.prefill.waitSec),
          kvTransferMs: ms(d.prefill.transferSec),
          meanTtftMs: ms(d.prefill.meanTtftSec),
          utilisation: round(d.prefill.utilisation, 4),
        },
        decode: {
          layout: layoutJson(d.decode.layout),
          instances: d.decode.instances,
          gpus: d.decode.gpus,
          sequencesPerInstance: d.decode.batchPerInstance,
          ttitMs: ms(d.decode.ttitSec),
          utilisation: round(d.decode.utilisation, 4),
        },
      },
      colocated: c && {
        layout: layoutJson(c.layout),
        replicas: c.replicas,
        gpus: c.gpus,
        cost: cost(c.gpus),
        perMillionOutputTokensUsd: perMillion(c.gpus),
        meanTtftMs: ms(c.meanTtftSec),
        meanTtitMs: ms(c.meanTtitSec),
      },
      problems: { disaggregated: result.disaggregatedProblem, colocated: result.colocatedProblem },
      warnings,
      presets: presetsJson(model, cluster),
    };
    assertRepresentable(doc);
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode: chosen ? EXIT_OK : EXIT_CHECK_FAILED };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const chalk = makeChalk(color);
  const style = { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] };
  const lines = [chalk.bold(quoted(heading)), ''];
  const t = new Table({
    head: ['Fleet', 'Layout', 'Instances', 'GPUs', 'Mean TTFT', 'TTIT', ...(price === null ? [] : ['$/hour', '$/M output tokens'])],
    style,
    chars: COMPACT_CHARS,
  });
  const money = (g: number) => (price === null ? [] : [`$${(g * price).toFixed(2)}`, `$${perMillion(g)!.toFixed(3)}`]);
  if (d) {
    const mark = opts.disaggregated ? chalk.green('* ') : '';
    t.push([
      `${mark}Disaggregated: prefill pool`,
      describe(d.prefill.layout),
      String(d.prefill.instances),
      formatInt(d.prefill.gpus),
      formatSeconds(d.prefill.meanTtftSec),
      '',
      ...(price === null ? [] : ['', '']),
    ]);
    t.push([
      '  decode pool',
      describe(d.decode.layout),
      String(d.decode.instances),
      formatInt(d.decode.gpus),
      '',
      formatSeconds(d.decode.ttitSec),
      ...(price === null ? [] : ['', '']),
    ]);
    t.push([chalk.bold('  total'), '', '', chalk.bold(formatInt(d.gpus)), '', '', ...money(d.gpus)]);
  } else {
    t.push(['Disaggregated', result.disaggregatedProblem ?? '', '', '', '', '', ...(price === null ? [] : ['', ''])]);
  }
  if (c) {
    const mark = !opts.disaggregated ? chalk.green('* ') : '';
    t.push([
      `${mark}Co-located replicas`,
      describe(c.layout),
      String(c.replicas),
      formatInt(c.gpus),
      formatSeconds(c.meanTtftSec),
      formatSeconds(c.meanTtitSec),
      ...money(c.gpus),
    ]);
  } else {
    t.push(['Co-located', result.colocatedProblem ?? '', '', '', '', '', ...(price === null ? [] : ['', ''])]);
  }
  lines.push(t.toString());
  if (d) {
    lines.push(
      `Prefill: one prompt per instance in ${formatSeconds(d.prefill.serviceSec)}, at ${(d.prefill.utilisation * 100).toFixed(0)}% busy a mean wait of ${formatSeconds(d.prefill.waitSec)} (M/D/1), ` +
        `then the KV to decode in ${formatSeconds(d.prefill.transferSec)}. Decode: ${plural(d.decode.batchPerInstance, 'sequence')} per instance at most (${(d.decode.utilisation * 100).toFixed(0)}% of that used; Little's law).`,
    );
  }
  lines.push(
    `* the answer (${opts.disaggregated ? '--disaggregated' : 'co-located; --disaggregated sizes separate pools'}). Co-located fleets are sized by cp-plan serve's simulation (two minutes of Poisson arrivals, 400 to 5,000 requests, seed 1).`,
  );
  lines.push(...quoted(footnoteLines(warnings)));
  lines.push(presetsLine(quoted(model), quoted(cluster)));
  return { stdout: lines.join('\n') + '\n', stderr, exitCode: chosen ? EXIT_OK : EXIT_CHECK_FAILED };
}
