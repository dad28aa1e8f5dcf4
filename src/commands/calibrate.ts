import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import Table from 'cli-table3';
import { calibrate } from '../calibration/fit.js';
import { CALIBRATION_PARAMS, DEFAULT_PARAM_IDS } from '../calibration/params.js';
import { calibratedPresetYaml } from '../calibration/preset-yaml.js';
import { targetsOf } from '../calibration/predict.js';
import { EXIT_OK, InputError } from '../errors.js';
import { loadCluster, loadModel, presetFile } from '../presets/catalog.js';
import { loadMeasurements } from '../presets/measurements.js';
import { COMPACT_CHARS, colorEnabled, makeChalk, tableStyle } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatPercent, round } from '../render/format.js';
import { mapeOf } from '../validation/report.js';
import type { CommandContext, CommandResult } from './result.js';

export interface CalibrateOptions {
  cluster?: string;
  params?: string;
  output?: string;
  json: boolean;
  color: boolean;
}

function chosenParams(list: string | undefined) {
  const ids = list === undefined ? [...DEFAULT_PARAM_IDS] : list.split(',').map((s) => s.trim()).filter(Boolean);
  const known = CALIBRATION_PARAMS.map((p) => p.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length || ids.length === 0) {
    throw new InputError(`--params: unknown ${unknown.map((u) => `'${u}'`).join(', ') || 'empty list'}; choose from ${known.join(', ')}`);
  }
  return CALIBRATION_PARAMS.filter((p) => ids.includes(p.id));
}

/** Fits a cluster's efficiency and overhead parameters to the user's measurements. */
export function runCalibrate(file: string, opts: CalibrateOptions, ctx: CommandContext): CommandResult {
  const params = chosenParams(opts.params);
  const { data, label } = loadMeasurements(file);
  const clusterRef = opts.cluster ?? data.cluster;
  if (clusterRef === undefined) throw new InputError(`${label}: names no cluster; give the base cluster with --cluster NAME|FILE`);
  const model = loadModel(data.model);
  const cluster = loadCluster(clusterRef);
  const precision = { weights: data.weights ?? model.spec.defaultWeights, kvDtype: data.kvDtype ?? model.spec.defaultKvDtype };
  const targets = targetsOf(data.measurements);
  const result = calibrate(targets, { model: model.spec, cluster: cluster.spec, precision }, params);

  const mapeBefore = mapeOf(result.before.map((error) => ({ error }))).mape;
  const mapeAfter = mapeOf(result.after.map((error) => ({ error }))).mape;
  const stderr: string[] = [];
  for (const f of result.params.filter((p) => p.atBound)) {
    stderr.push(`warning: ${f.param.presetPath[1]} stopped at its bound (${f.after}); the model may be missing something these runs contain`);
  }
  if (opts.output) {
    const name = basename(opts.output, extname(opts.output));
    const yaml = calibratedPresetYaml(readFileSync(presetFile('cluster', clusterRef), 'utf8'), result.params, {
      name,
      dataLabel: label,
      targets: targets.length,
      mapeBefore,
      mapeAfter,
    });
    // Written whole or not at all.
    const tmp = `${opts.output}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, yaml);
      renameSync(tmp, opts.output);
    } catch (error) {
      throw new InputError(`-o ${opts.output}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the directory`);
    }
  } else {
    stderr.push('nothing written: pass -o FILE to save the calibrated cluster preset');
  }

  const points = targets.map((t, i) => ({
    name: t.measurement.name ?? `${t.measurement.nodes} node(s) ctx ${t.measurement.contextTokens}`,
    metric: t.metric,
    measuredMs: t.measuredSec * 1e3,
    errorBefore: result.before[i]!,
    errorAfter: result.after[i]!,
  }));
  if (opts.json) {
    const doc = {
      schemaVersion: SCHEMA_VERSION,
      data: label,
      baseCluster: cluster.spec.name,
      output: opts.output ?? null,
      params: result.params.map((f) => ({ id: f.param.id, key: f.param.presetPath.join('.'), before: f.before, after: round(f.after, 6), atBound: f.atBound })),
      mapeBefore: round(mapeBefore, 5),
      mapeAfter: round(mapeAfter, 5),
      points: points.map((p) => ({ ...p, errorBefore: round(p.errorBefore, 5), errorAfter: round(p.errorAfter, 5) })),
    };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode: EXIT_OK };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const chalk = makeChalk(color);
  const style = tableStyle(color);
  const pt = new Table({ head: ['Parameter', 'Before', 'After', 'Bounds'], colAligns: ['left', 'right', 'right', 'left'], style, chars: COMPACT_CHARS });
  for (const f of result.params) pt.push([f.param.presetPath.join('.'), f.before, Number(f.after.toPrecision(4)), `[${f.param.lower}, ${f.param.upper}]`]);
  const et = new Table({ head: ['Measurement', 'Metric', 'Measured ms', 'Error before', 'Error after'], colAligns: ['left', 'left', 'right', 'right', 'right'], style, chars: COMPACT_CHARS });
  const signed = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
  for (const p of points) et.push([p.name, p.metric.toUpperCase(), p.measuredMs.toFixed(2), signed(p.errorBefore), signed(p.errorAfter)]);
  const text = [
    chalk.bold(`cp-plan calibrate: ${cluster.spec.name} on ${label} (${targets.length} measured times)`),
    pt.toString(),
    et.toString(),
    `MAPE ${formatPercent(mapeBefore)} before, ${formatPercent(mapeAfter)} after` + (opts.output ? `; wrote ${opts.output}` : ''),
  ].join('\n');
  return { stdout: text + '\n', stderr, exitCode: EXIT_OK };
}
