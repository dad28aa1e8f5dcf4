import { generatorOf } from '../render/provenance.js';
import { basename, extname } from 'node:path';
import Table from '../render/table.js';
import { calibrate } from '../calibration/fit.js';
import { CALIBRATION_PARAMS, DEFAULT_PARAM_IDS, type CalibrationParam } from '../calibration/params.js';
import { calibratedPresetYaml } from '../calibration/preset-yaml.js';
import { predictSec, targetsOf, type Target } from '../calibration/predict.js';
import { EXIT_OK, InputError } from '../errors.js';
import { decodeKernelFixedSec } from '../model/hardware/kernels.js';
import { resolveLayout } from '../model/layout.js';
import type { ClusterSpec, KvDtype } from '../model/types.js';
import { loadDeployment, loadModel, presetFile } from '../presets/catalog.js';
import { loadMeasurements } from '../presets/measurements.js';
import { COMPACT_CHARS, colorEnabled, makeChalk, tableStyle } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { fittedParamsJson, fittedParamsTable } from '../render/calibrate-report.js';
import { formatPercent, round } from '../render/format.js';
import { inFile } from '../validation/in-file.js';
import { mapeOf } from '../validation/report.js';
import { readInputFile } from '../read-file.js';
import { quoted } from '../render/quote.js';
import { UNITS_QUESTION } from '../validation/units-hint.js';
import { assertWritable, writeWhole } from '../write-file.js';
import { wroteLine } from '../report-file.js';
import type { CommandContext, CommandResult } from './result.js';
import { precisionFor } from './workload-options.js';

export interface CalibrateOptions {
  cluster?: string;
  engine?: string;
  ncclTests?: string[];
  params?: string;
  output?: string;
  json: boolean;
  color: boolean;
}

function chosenParams(list: string | undefined) {
  const ids =
    list === undefined
      ? [...DEFAULT_PARAM_IDS]
      : list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const known = CALIBRATION_PARAMS.map((p) => p.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length || ids.length === 0) {
    const renamed = unknown.includes('ring-step') ? " ('ring-step' became cp-decode, attention-kernel and all-to-all)" : '';
    throw new InputError(`--params: unknown ${unknown.map((u) => `'${u}'`).join(', ') || 'empty list'}${renamed}; choose from ${known.join(', ')}`);
  }
  return CALIBRATION_PARAMS.filter((p) => ids.includes(p.id));
}

/**
 * Fitting attention-kernel for an engine that states no attentionKernelUs: the decode kernel costs its table's
 * fitted fixed cost for the measurements' KV dtype, so the fit starts from (and "Before" reports) that cost,
 * not 0. The predictions do not change: it is the value the model used anyway.
 */
function withKernelFixedCost(spec: ClusterSpec, params: readonly CalibrationParam[], kvDtype: KvDtype): ClusterSpec {
  if (spec.engine.attentionKernelSec !== null || !params.some((p) => p.id === 'attention-kernel')) return spec;
  return { ...spec, engine: { ...spec.engine, attentionKernelSec: decodeKernelFixedSec(spec, kvDtype) } };
}

/** Refuses outputs that would destroy something (an input, a shipped preset, a device) before the fit runs. */
export function checkOutput(output: string): void {
  assertWritable(output, '-o', 'calibrated.yaml');
}

/** Fits a cluster's efficiency and overhead parameters to the `fit` rows of the user's measurements. */
export async function runCalibrate(file: string, opts: CalibrateOptions, ctx: CommandContext): Promise<CommandResult> {
  const params = chosenParams(opts.params);
  const loaded = loadMeasurements(file);
  const { data, label } = loaded;
  const clusterRef = opts.cluster ?? data.cluster;
  if (clusterRef === undefined) throw new InputError(`${label}: names no cluster; give the base cluster with --cluster NAME|FILE`);
  const model = await loadModel(data.model);
  const deployed = await loadDeployment(clusterRef, opts.engine ?? data.engine);
  // Every input is read by now: refuse an output that would overwrite one before the fit runs.
  if (opts.output !== undefined) checkOutput(opts.output);
  const precision = precisionFor(model, data);
  const cluster = { ...deployed.cluster, spec: withKernelFixedCost(deployed.spec, params, precision.kvDtype) };
  const inputs = { model: model.spec, cluster: cluster.spec, precision };
  const all = targetsOf(data.measurements);
  const fitTargets = all.filter((t) => t.measurement.role === 'fit');
  const heldOut = all.filter((t) => t.measurement.role === 'held-out');
  if (fitTargets.length === 0) throw new InputError(`${label}: every measurement is held-out; mark the runs to fit with role: fit`);
  const result = inFile(label, () => calibrate(fitTargets, inputs, params));

  if (result.params.every((p) => p.atBound)) {
    throw new InputError(
      'every fitted parameter ended at a bound: these times are far from anything this model and cluster can produce ' + `(${UNITS_QUESTION}); nothing written`,
    );
  }
  const errorOf = (t: Target, c = cluster.spec) => predictSec(t, inputs, c) / t.measuredSec - 1;
  const heldBefore = heldOut.map((t) => errorOf(t));
  const heldAfter = heldOut.map((t) => errorOf(t, result.cluster));
  const mape = (xs: number[]) => mapeOf(xs.map((error) => ({ error }))).mape;
  const stderr: string[] = [];
  for (const f of result.params.filter((p) => p.atBound)) {
    stderr.push(`warning: ${f.param.presetPath.join('.')} stopped at its bound (${f.after}); the model may be missing something these runs contain`);
  }
  if (!result.converged) stderr.push(`warning: the fit did not converge in ${result.iterations} iterations; treat the values with care`);
  if (opts.output !== undefined) {
    // The new preset's calibrated range is what its fit rows covered.
    const cpOf = (t: Target) =>
      resolveLayout({ nodes: t.measurement.nodes, tp: t.measurement.tp, cp: t.measurement.cp, dcp: t.measurement.dcp }, model.spec, cluster.spec).cp;
    const maxOf = (xs: number[]) => (xs.length ? Math.max(...xs) : 1);
    const range = {
      maxContextTokens: maxOf(fitTargets.map((t) => t.measurement.contextTokens)),
      maxPrefillCp: maxOf(fitTargets.filter((t) => t.metric === 'ttft').map(cpOf)),
      maxDecodeCp: maxOf(fitTargets.filter((t) => t.metric === 'ttit').map(cpOf)),
    };
    const yaml = calibratedPresetYaml(readInputFile(presetFile('cluster', clusterRef), clusterRef).toString('utf8'), result.params, {
      name: basename(opts.output, extname(opts.output)),
      range,
      dataLabel: label,
      targets: fitTargets.length,
      mapeBefore: mape(result.before),
      mapeAfter: mape(result.after),
      engine: deployed.engine.preset.name,
    });
    writeWhole(opts.output, yaml, '-o', 'calibrated.yaml');
    stderr.push(wroteLine(opts.output));
  } else {
    stderr.push('nothing written: pass -o FILE to save the calibrated cluster preset');
  }

  const points = [
    ...fitTargets.map((t, i) => ({ t, role: 'fit', before: result.before[i]!, after: result.after[i]! })),
    ...heldOut.map((t, i) => ({ t, role: 'held-out', before: heldBefore[i]!, after: heldAfter[i]! })),
  ].map(({ t, role, before, after }) => ({
    name: t.measurement.name ?? `${t.measurement.nodes} node(s) ctx ${t.measurement.contextTokens}`,
    metric: t.metric,
    role,
    measuredMs: t.measuredSec * 1e3,
    errorBefore: before,
    errorAfter: after,
  }));
  const summary = {
    fit: { before: mape(result.before), after: mape(result.after), count: fitTargets.length },
    heldOut: { before: mape(heldBefore), after: mape(heldAfter), count: heldOut.length },
  };
  if (opts.json) {
    const doc = {
      schemaVersion: SCHEMA_VERSION,
      generator: generatorOf(ctx.version),
      data: label,
      baseCluster: cluster.spec.name,
      output: opts.output ?? null,
      iterations: result.iterations,
      converged: result.converged,
      params: fittedParamsJson(result.params),
      mapeBefore: round(summary.fit.before, 5),
      mapeAfter: round(summary.fit.after, 5),
      heldOut: { count: summary.heldOut.count, mapeBefore: round(summary.heldOut.before, 5), mapeAfter: round(summary.heldOut.after, 5) },
      points: points.map((p) => ({ ...p, errorBefore: round(p.errorBefore, 5), errorAfter: round(p.errorAfter, 5) })),
    };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode: EXIT_OK };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const chalk = makeChalk(color);
  const style = tableStyle(color);
  const et = new Table({
    head: ['Measurement', 'Metric', 'Role', 'Measured ms', 'Error before', 'Error after'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right'],
    style,
    chars: COMPACT_CHARS,
  });
  const signed = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
  for (const p of points) et.push([quoted(p.name), p.metric.toUpperCase(), p.role, p.measuredMs.toFixed(2), signed(p.errorBefore), signed(p.errorAfter)]);
  const lines = [
    chalk.bold(`cp-plan calibrate: ${quoted(cluster.spec.name)} on ${quoted(label)} (${fitTargets.length} fit, ${heldOut.length} held-out measured times)`),
    fittedParamsTable(result.params, style),
    et.toString(),
    `MAPE on the fit times ${formatPercent(summary.fit.before)} before, ${formatPercent(summary.fit.after)} after` +
      (heldOut.length ? `; on the held-out times ${formatPercent(summary.heldOut.before)} before, ${formatPercent(summary.heldOut.after)} after` : '') +
      ` (${result.iterations} iterations)` +
      (opts.output !== undefined ? `; wrote ${quoted(opts.output)}` : ''),
  ];
  return { stdout: lines.join('\n') + '\n', stderr, exitCode: EXIT_OK };
}
