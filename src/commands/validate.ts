import { isAbsolute, relative } from 'node:path';
import { EXIT_CHECK_FAILED, EXIT_OK, InputError } from '../errors.js';
import type { ClusterSpec } from '../model/types.js';
import { inFile } from '../validation/in-file.js';
import { loadCluster, loadModel } from '../presets/catalog.js';
import { loadCollectiveMeasurements, loadMeasurements, shippedCollectiveFiles, shippedLabel, type LoadedCollectiveMeasurements } from '../presets/measurements.js';
import { topLevelKeys } from '../presets/read-yaml.js';
import { colorEnabled, makeChalk } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatPercent } from '../render/format.js';
import { collectivesToJson, collectivesToTable } from '../render/validate-collectives.js';
import { validateToJson, validateToTable } from '../render/validate-report.js';
import { checkCollectives, type CollectiveReport } from '../validation/collectives.js';
import { validate, type ValidationReport } from '../validation/report.js';
import type { CommandContext, CommandResult } from './result.js';
import { precisionFor } from './workload-options.js';

export interface ValidateOptions {
  data?: string;
  cluster?: string;
  maxMape?: number;
  maxError?: number;
  json: boolean;
  color: boolean;
}

/**
 * Runs measured data through the model and scores it: by default the paper's TTFT/TTIT figures and the
 * shipped nccl-tests results; with --data, one file of either kind.
 */
export async function runValidate(opts: ValidateOptions, ctx: CommandContext): Promise<CommandResult> {
  const userLabel = (f: string) => (isAbsolute(f) ? f : relative(process.cwd(), f) || f);
  const collectiveFile = opts.data !== undefined && topLevelKeys(opts.data, userLabel(opts.data)).includes('series');
  const paper = collectiveFile ? null : await paperReport(opts);
  const collectiveFiles: LoadedCollectiveMeasurements[] = collectiveFile
    ? [loadCollectiveMeasurements(opts.data!, userLabel(opts.data!))]
    : opts.data === undefined
      ? shippedCollectiveFiles().map((f) => loadCollectiveMeasurements(f, shippedLabel(f)))
      : [];
  const collectives = collectiveFiles.length ? await collectiveReport(collectiveFiles, opts.cluster) : null;

  // The gates score the TTFT/TTIT cases when there are any, else the collective points.
  const scored = paper ? { overall: paper.report.overall, worst: worstCase(paper.report) } : { overall: collectives!.overall, worst: worstPoint(collectives!) };
  const stderr: string[] = [];
  if (opts.maxMape !== undefined && scored.overall.mape > opts.maxMape) {
    stderr.push(`check failed: overall MAPE ${formatPercent(scored.overall.mape)} exceeds --max-mape ${formatPercent(opts.maxMape)}`);
  }
  if (opts.maxError !== undefined && scored.overall.maxAbsError > opts.maxError) {
    stderr.push(`check failed: ${scored.worst.name} is off by ${formatPercent(Math.abs(scored.worst.error))}, more than --max-error ${formatPercent(opts.maxError)}`);
  }
  const exitCode = stderr.length ? EXIT_CHECK_FAILED : EXIT_OK;
  const labels = collectiveFiles.map((f) => f.label);
  if (opts.json) {
    const doc = {
      ...(paper ? validateToJson(paper.report, paper.header, SCHEMA_VERSION) : { schemaVersion: SCHEMA_VERSION }),
      collectives: collectives ? collectivesToJson(collectives, labels) : null,
    };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const chalk = makeChalk(color);
  const parts = [
    ...(paper ? [validateToTable(paper.report, paper.header, chalk, color)] : []),
    ...(collectives ? [collectivesToTable(collectives, labels, chalk, color)] : []),
  ];
  return { stdout: parts.join('\n'), stderr, exitCode };
}

async function paperReport(opts: ValidateOptions): Promise<{ report: ValidationReport; header: { modelName: string; clusterName: string; dataLabel: string } }> {
  const { data, label } = loadMeasurements(opts.data);
  const model = await loadModel(data.model);
  const clusterRef = opts.cluster ?? data.cluster;
  if (clusterRef === undefined) throw new InputError(`${label}: names no cluster; give one with --cluster NAME|FILE`);
  const cluster = await loadCluster(clusterRef);
  const precision = precisionFor(model, data);
  const inputs = { model: model.spec, cluster: cluster.spec, precision };
  const report = inFile(label, () => validate(data.measurements, data.ringIterations ?? [], inputs, data.decodeAttention ?? []));
  return { report, header: { modelName: model.spec.name, clusterName: cluster.spec.name, dataLabel: label } };
}

/** Every series of the files on its own cluster (or on --cluster for all, with --data). */
async function collectiveReport(files: LoadedCollectiveMeasurements[], override: string | undefined): Promise<CollectiveReport> {
  const clusters = new Map<string, ClusterSpec>();
  const series = files.flatMap((f) => f.data.series);
  for (const name of new Set(series.map((s) => override ?? s.cluster))) clusters.set(name, (await loadCluster(name)).spec);
  return checkCollectives(series, (name) => clusters.get(override ?? name)!);
}

function worstCase(r: ValidationReport): { name: string; error: number } {
  const worst = r.cases.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
  return { name: `${worst.name} (${worst.group}${worst.variant === 'auto' ? '' : `, ${worst.variant}`})`, error: worst.error };
}

function worstPoint(r: CollectiveReport): { name: string; error: number } {
  const worst = r.points.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
  return { name: `${worst.series} at ${worst.bytes} B`, error: worst.error };
}
