import { generatorOf } from '../render/provenance.js';
import { isAbsolute, relative } from 'node:path';
import { EXIT_CHECK_FAILED, EXIT_OK, InputError, printable } from '../errors.js';
import { quoted } from '../render/quote.js';
import type { ClusterHardware, ClusterSpec } from '../model/types.js';
import { inFile } from '../validation/in-file.js';
import { builtinCluster, builtinEngine, builtinGpu, builtinModel, builtinNames, loadCluster, loadDeployment, loadModel } from '../presets/catalog.js';
import { deploy } from '../presets/deploy.js';
import {
  loadCollectiveMeasurements,
  loadExternalMeasurements,
  loadMeasurements,
  shippedCollectiveFiles,
  shippedExternal,
  loadServingMeasurements,
  shippedServing,
  shippedLabel,
  type LoadedCollectiveMeasurements,
} from '../presets/measurements.js';
import { topLevelKeys } from '../presets/read-yaml.js';
import { colorEnabled, makeChalk } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatPercent } from '../render/format.js';
import { collectivesToJson, collectivesToTable } from '../render/validate-collectives.js';
import { validateToJson, validateToTable } from '../render/validate-report.js';
import { externalToJson, externalToTable } from '../render/validate-external.js';
import { servingToJson, servingToTable } from '../render/validate-serving.js';
import { validateServing, type ServingReport } from '../validation/serving.js';
import { validateExternal, type ExternalInputs, type ExternalReport } from '../validation/external.js';
import type { ExternalRow } from '../schema/external-measurements.js';
import { checkCollectives, type CollectiveReport } from '../validation/collectives.js';
import { validate, type ValidationReport } from '../validation/report.js';
import { wrongUnitsHint } from '../validation/units-hint.js';
import type { CommandContext, CommandResult } from './result.js';
import { precisionFor } from './workload-options.js';

export interface ValidateOptions {
  data?: string;
  cluster?: string;
  engine?: string;
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
  const keys = opts.data !== undefined ? topLevelKeys(opts.data, userLabel(opts.data)) : [];
  const collectiveFile = keys.includes('series');
  const externalFile = keys.includes('rows');
  const servingFile = keys.includes('servingRuns');
  if ((externalFile || servingFile) && (opts.cluster !== undefined || opts.engine !== undefined)) {
    const flags = [opts.cluster !== undefined ? '--cluster' : '', opts.engine !== undefined ? '--engine' : ''].filter(Boolean).join(' and ');
    const what = externalFile ? 'an external-measurements file, whose rows name' : 'a serving-runs file, whose runs name';
    throw new InputError(`${flags}: ${userLabel(opts.data!)} is ${what} their own cluster and engine; drop ${flags}`);
  }
  const paper = collectiveFile || externalFile || servingFile ? null : await paperReport(opts);
  const collectiveFiles: LoadedCollectiveMeasurements[] = collectiveFile
    ? [loadCollectiveMeasurements(opts.data!, userLabel(opts.data!))]
    : opts.data === undefined
      ? shippedCollectiveFiles().map((f) => loadCollectiveMeasurements(f, shippedLabel(f)))
      : [];
  const collectives = collectiveFiles.length ? await collectiveReport(collectiveFiles, opts.cluster) : null;
  const externalData = externalFile ? loadExternalMeasurements(opts.data!, userLabel(opts.data!)) : opts.data === undefined ? shippedExternal() : null;
  if (externalData) checkRowGpus(externalData.data.rows, externalData.label);
  const external = externalData ? inFile(externalData.label, () => validateExternal(externalData.data.rows, externalInputs())) : null;
  const servingData = servingFile ? loadServingMeasurements(opts.data!, userLabel(opts.data!)) : opts.data === undefined ? shippedServing() : null;
  const serving = servingData ? inFile(servingData.label, () => validateServing(servingData.data.servingRuns, externalInputs())) : null;

  // The gates score the TTFT/TTIT cases when there are any, else the collective points, else the external held-out rows,
  // else the held-out serving runs.
  const scored = paper
    ? { overall: paper.report.overall, worst: worstCase(paper.report), skipped: 0 }
    : collectives
      ? { overall: collectives.overall, worst: worstPoint(collectives), skipped: 0 }
      : external
        ? { overall: external.heldOut, worst: worstExternal(external), skipped: external.skipped.length }
        : { overall: serving!.heldOut, worst: worstServing(serving!), skipped: serving!.skipped.length };
  const stderr: string[] = [];
  if ((opts.maxMape !== undefined || opts.maxError !== undefined) && scored.overall.count === 0) {
    // An empty scored set cannot pass a gate: every row was skipped, or none is held-out.
    const gate = opts.maxMape !== undefined ? '--max-mape' : '--max-error';
    stderr.push(
      `check failed: nothing was scored (no held-out row could be evaluated; ${scored.skipped} not evaluated, see the report), so ${gate} cannot pass`,
    );
  } else if (opts.maxMape !== undefined && scored.overall.mape > opts.maxMape) {
    stderr.push(`check failed: overall MAPE ${formatPercent(scored.overall.mape)} exceeds --max-mape ${formatPercent(opts.maxMape)}`);
  }
  if (opts.maxError !== undefined && scored.overall.maxAbsError > opts.maxError) {
    stderr.push(
      `check failed: ${scored.worst.name} is off by ${formatPercent(Math.abs(scored.worst.error))}, more than --max-error ${formatPercent(opts.maxError)}`,
    );
  }
  const exitCode = stderr.length ? EXIT_CHECK_FAILED : EXIT_OK;
  // Times in the wrong unit: the hint calibrate gives, as a warning before any gate's verdict.
  const units =
    paper && opts.data !== undefined ? wrongUnitsHint(paper.report.cases.map((c) => ({ measured: c.measuredMs, predicted: c.predictedMs }))) : undefined;
  if (units) stderr.unshift(`warning: ${paper!.header.dataLabel}: ${units}`);
  const labels = collectiveFiles.map((f) => f.label);
  if (opts.json) {
    const doc = {
      schemaVersion: SCHEMA_VERSION,
      generator: generatorOf(ctx.version),
      ...(paper ? validateToJson(paper.report, paper.header, SCHEMA_VERSION) : {}),
      collectives: collectives ? collectivesToJson(collectives, labels) : null,
      external: external ? externalToJson(external, externalData!.label) : null,
      serving: serving ? servingToJson(serving, servingData!.label) : null,
    };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const chalk = makeChalk(color);
  const parts = [
    ...(paper ? [validateToTable(quoted(paper.report), quoted(paper.header), chalk, color)] : []),
    ...(collectives ? [collectivesToTable(quoted(collectives), quoted(labels), chalk, color)] : []),
    ...(external ? [externalToTable(quoted(external), quoted(externalData!.label), chalk, color)] : []),
    ...(serving ? [servingToTable(quoted(serving), quoted(servingData!.label), chalk, color)] : []),
  ];
  return { stdout: parts.join('\n'), stderr, exitCode };
}

/**
 * A model-level row runs on its cluster's GPU: one naming another GPU would be predicted on the cluster's and
 * reported under its own. Rows whose cluster is not a built-in preset are left to be reported as not evaluated.
 */
function checkRowGpus(rows: readonly ExternalRow[], label: string): void {
  const clusters = new Set(builtinNames('cluster'));
  rows.forEach((r, i) => {
    if (!('cluster' in r) || !clusters.has(r.cluster)) return;
    const gpu = builtinCluster(r.cluster).spec.gpu.preset;
    if (r.gpu !== gpu) {
      throw new InputError(
        `${label}: rows.${i} ('${printable(r.name)}'): gpu '${printable(r.gpu)}' but cluster ${r.cluster} has ${gpu} GPUs; fix the row's gpu: or cluster:`,
      );
    }
  });
}

/** Built-in presets by name for the external rows (they name GPUs, models, clusters and engines). */
function externalInputs(): ExternalInputs {
  const deployments = new Map<string, ClusterSpec>();
  return {
    gpu: (name) => builtinGpu(name).spec,
    model: (name) => builtinModel(name).spec,
    deployment: (cluster, engine) => {
      const key = `${cluster}/${engine}`;
      if (!deployments.has(key)) deployments.set(key, deploy(builtinCluster(cluster).spec, builtinEngine(engine).preset));
      return deployments.get(key)!;
    },
  };
}

function worstServing(r: ServingReport): { name: string; error: number } {
  const held = r.cases.filter((c) => c.role === 'held-out');
  const worst = held.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a), { name: 'none', error: 0 });
  return { name: worst.name, error: worst.error };
}

function worstExternal(r: ExternalReport): { name: string; error: number } {
  const held = r.cases.filter((c) => c.role === 'held-out');
  const worst = held.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a), { name: 'none', error: 0 });
  return { name: worst.name, error: worst.error };
}

async function paperReport(
  opts: ValidateOptions,
): Promise<{ report: ValidationReport; header: { modelName: string; clusterName: string; dataLabel: string } }> {
  const { data, label } = loadMeasurements(opts.data);
  const model = await loadModel(data.model);
  const clusterRef = opts.cluster ?? data.cluster;
  if (clusterRef === undefined) throw new InputError(`${label}: names no cluster; give one with --cluster NAME|FILE`);
  const cluster = (await loadDeployment(clusterRef, opts.engine ?? data.engine)).spec;
  const precision = precisionFor(model, data);
  const inputs = { model: model.spec, cluster, precision };
  const report = inFile(label, () => validate(data.measurements, data.ringIterations ?? [], inputs, data.decodeAttention ?? []));
  return { report, header: { modelName: model.spec.name, clusterName: cluster.name, dataLabel: label } };
}

/** Every series of the files on its own cluster (or on --cluster for all, with --data). */
async function collectiveReport(files: LoadedCollectiveMeasurements[], override: string | undefined): Promise<CollectiveReport> {
  const clusters = new Map<string, ClusterHardware>();
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
