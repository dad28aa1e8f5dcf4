import { EXIT_CHECK_FAILED, EXIT_OK, InputError } from '../errors.js';
import { inFile } from '../validation/in-file.js';
import { loadCluster, loadModel } from '../presets/catalog.js';
import { loadMeasurements } from '../presets/measurements.js';
import { colorEnabled, makeChalk } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { formatPercent } from '../render/format.js';
import { validateToJson, validateToTable } from '../render/validate-report.js';
import { validate } from '../validation/report.js';
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

/** Runs every measurement of a file (the paper's by default) through the model and scores it. */
export async function runValidate(opts: ValidateOptions, ctx: CommandContext): Promise<CommandResult> {
  const { data, label } = loadMeasurements(opts.data);
  const model = await loadModel(data.model);
  const clusterRef = opts.cluster ?? data.cluster;
  if (clusterRef === undefined) throw new InputError(`${label}: names no cluster; give one with --cluster NAME|FILE`);
  const cluster = await loadCluster(clusterRef);
  const precision = precisionFor(model, data);
  const report = inFile(label, () => validate(data.measurements, data.ringIterations ?? [], { model: model.spec, cluster: cluster.spec, precision }, data.decodeAttention ?? []));
  const header = { modelName: model.spec.name, clusterName: cluster.spec.name, dataLabel: label };

  const stderr: string[] = [];
  if (opts.maxMape !== undefined && report.overall.mape > opts.maxMape) {
    stderr.push(`check failed: overall MAPE ${formatPercent(report.overall.mape)} exceeds --max-mape ${formatPercent(opts.maxMape)}`);
  }
  if (opts.maxError !== undefined && report.overall.maxAbsError > opts.maxError) {
    const worst = report.cases.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
    const variant = worst.variant === 'auto' ? '' : `, ${worst.variant}`;
    stderr.push(
      `check failed: ${worst.name} (${worst.group}${variant}) is off by ${formatPercent(Math.abs(worst.error))}, more than --max-error ${formatPercent(opts.maxError)}`,
    );
  }
  const exitCode = stderr.length ? EXIT_CHECK_FAILED : EXIT_OK;
  if (opts.json) {
    return { stdout: JSON.stringify(validateToJson(report, header, SCHEMA_VERSION), null, 2) + '\n', stderr, exitCode };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  return { stdout: validateToTable(report, header, makeChalk(color), color), stderr, exitCode };
}
