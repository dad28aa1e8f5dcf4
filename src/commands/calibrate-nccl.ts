import { basename, extname, isAbsolute, relative } from 'node:path';
import Table from '../render/table.js';
import { fitCollectives } from '../calibration/collective-fit.js';
import { parseNcclTests, type NcclTestsRun } from '../calibration/nccl-tests-parser.js';
import { COLLECTIVE_PARAMS, type CalibrationParam } from '../calibration/params.js';
import type { ClusterHardware as ClusterSpec } from '../model/types.js';
import { calibratedPresetYaml } from '../calibration/preset-yaml.js';
import { EXIT_OK, InputError } from '../errors.js';
import { loadCluster, presetFile } from '../presets/catalog.js';
import { readTextFile } from '../presets/read-yaml.js';
import { COMPACT_CHARS, colorEnabled, makeChalk, tableStyle } from '../render/color.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { fittedParamsJson, fittedParamsTable } from '../render/calibrate-report.js';
import { formatPercent, round } from '../render/format.js';
import type { CollectiveSeries } from '../schema/collective-measurements.js';
import { mapeOf } from '../validation/report.js';
import { readInputFile } from '../read-file.js';
import { quoted } from '../render/quote.js';
import { writeWhole } from '../write-file.js';
import { wroteLine } from '../report-file.js';
import { checkOutput, type CalibrateOptions } from './calibrate.js';
import type { CommandContext, CommandResult } from './result.js';

/** nccl-tests files are text output, at most this large. */
const MAX_BYTES = 16 * 1024 * 1024;

/** The parameters named by --params, or undefined for the default: what the runs can determine. */
function named(list: string | undefined, cluster: ClusterSpec): CalibrationParam<ClusterSpec>[] | undefined {
  if (list === undefined) return undefined;
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = COLLECTIVE_PARAMS.map((p) => p.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length || ids.length === 0) {
    throw new InputError(`--params: with --nccl-tests choose from ${known.join(', ')}`);
  }
  if (ids.includes('nvls-bus') && cluster.scaleUp.nvlsBusBytesPerSec === null) {
    throw new InputError(`--params nvls-bus: '${cluster.name}' has no NVLink SHARP (scaleUp.nvlsBusBandwidthGBps); fit nvlink-bus instead`);
  }
  return COLLECTIVE_PARAMS.filter((p) => ids.includes(p.id));
}

function toSeries(run: NcclTestsRun, label: string, clusterRef: string, perNode: number): CollectiveSeries {
  if (run.op === null) {
    throw new InputError(`${label}: does not say which collective it measured; name the file after the nccl-tests binary (e.g. all_reduce_perf.txt)`);
  }
  if (run.ranks < 2)
    throw new InputError(`${label}: lists ${run.ranks} rank(s); nccl-tests prints one '#  Rank' line per GPU and a collective needs 2 or more`);
  return {
    name: label,
    cluster: clusterRef,
    op: run.op,
    gpus: run.ranks,
    // Rank lines without host names (ranksPerHost 0) say nothing about the placement: nodes are full.
    ...(run.ranksPerHost > 0 && run.ranksPerHost < perNode ? { ranksPerNode: run.ranksPerHost } : {}),
    role: 'fit',
    ref: label,
    points: run.rows.map((r) => [r.bytes, r.timeUs, r.busbwGBps] as [number, number, number]),
  };
}

/** Fits a cluster's interconnect parameters to nccl-tests output files and writes a calibrated preset. */
export async function runCalibrateNccl(files: string[], opts: CalibrateOptions, ctx: CommandContext): Promise<CommandResult> {
  if (opts.cluster === undefined)
    throw new InputError('--nccl-tests: give the base cluster with --cluster NAME|FILE (the runs do not say which preset they match)');
  const loaded = await loadCluster(opts.cluster);
  const label = (f: string) => (isAbsolute(f) ? f : relative(process.cwd(), f) || f);
  const parsed = files.map((f) => parseNcclTests(readTextFile(f, label(f), MAX_BYTES), label(f), basename(f)));
  if (opts.output !== undefined) checkOutput(opts.output);
  const runs = parsed.map((run, i) => toSeries(run, label(files[i]!), opts.cluster!, loaded.spec.gpusPerNode));
  const notes = parsed.flatMap((run, i) => [
    ...(run.moreRuns ? [`note: ${label(files[i]!)} holds more than one run; only the first was read (give each run its own file)`] : []),
    ...(run.column === 'in-place' ? [`note: ${label(files[i]!)} has no out-of-place times; the in-place column was read`] : []),
  ]);
  for (const s of runs) {
    const nodes = Math.ceil(s.gpus / (s.ranksPerNode ?? loaded.spec.gpusPerNode));
    if (nodes > loaded.spec.maxNodes) throw new InputError(`${s.name}: ${s.gpus} ranks need ${nodes} nodes; '${loaded.spec.name}' has ${loaded.spec.maxNodes}`);
  }
  const points = runs.flatMap((s) => s.points.map((p) => ({ s, p })));
  const { result, undetermined } = fitCollectives(runs, loaded.spec, named(opts.params, loaded.spec));
  if (result.params.length === 0) {
    throw new InputError(`these runs determine none of ${undetermined.map((p) => p.id).join(', ')}; add runs with more sizes (e.g. -b 8 -e 1G -f 2)`);
  }
  const mape = (xs: number[]) => mapeOf(xs.map((error) => ({ error }))).mape;
  const stderr = [
    ...notes,
    ...result.params
      .filter((f) => f.atBound)
      .map((f) => `warning: ${f.param.presetPath.join('.')} stopped at its bound (${round(f.after, 4)}); these runs may not be of this cluster`),
  ];
  if (undetermined.length) stderr.push(`note: these runs cannot determine ${undetermined.map((p) => p.id).join(', ')}; kept the preset's values`);
  if (!result.converged) stderr.push(`warning: the fit did not converge in ${result.iterations} iterations; treat the values with care`);
  const dataLabel = files.map(label).join(', ');
  if (opts.output !== undefined) {
    const yaml = calibratedPresetYaml(readInputFile(presetFile('cluster', opts.cluster), opts.cluster).toString('utf8'), result.params, {
      name: basename(opts.output, extname(opts.output)),
      range: null,
      dataLabel,
      targets: points.length,
      mapeBefore: mape(result.before),
      mapeAfter: mape(result.after),
    });
    writeWhole(opts.output, yaml, '-o', 'calibrated.yaml');
    stderr.push(wroteLine(opts.output));
  } else {
    stderr.push('nothing written: pass -o FILE to save the calibrated cluster preset');
  }
  const perRun = runs.map((s, i) => {
    const at = points.flatMap((x, k) => (x.s === runs[i] ? [k] : []));
    return {
      name: s.name,
      op: s.op,
      gpus: s.gpus,
      points: s.points.length,
      mapeBefore: mape(at.map((k) => result.before[k]!)),
      mapeAfter: mape(at.map((k) => result.after[k]!)),
    };
  });
  if (opts.json) {
    const doc = {
      schemaVersion: SCHEMA_VERSION,
      data: files.map(label),
      baseCluster: loaded.spec.name,
      output: opts.output ?? null,
      iterations: result.iterations,
      converged: result.converged,
      params: fittedParamsJson(result.params),
      mapeBefore: round(mape(result.before), 5),
      mapeAfter: round(mape(result.after), 5),
      runs: perRun.map((r) => ({ ...r, mapeBefore: round(r.mapeBefore, 5), mapeAfter: round(r.mapeAfter, 5) })),
    };
    return { stdout: JSON.stringify(doc, null, 2) + '\n', stderr, exitCode: EXIT_OK };
  }
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  const style = tableStyle(color);
  const rt = new Table({
    head: ['nccl-tests run', 'Op', 'GPUs', 'Sizes', 'MAPE before', 'MAPE after'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right'],
    style,
    chars: COMPACT_CHARS,
  });
  for (const r of perRun) rt.push([quoted(r.name), r.op, r.gpus, r.points, formatPercent(r.mapeBefore), formatPercent(r.mapeAfter)]);
  const lines = [
    makeChalk(color).bold(`cp-plan calibrate --nccl-tests: ${quoted(loaded.spec.name)} on ${runs.length} run(s), ${points.length} sizes`),
    fittedParamsTable(result.params, style),
    rt.toString(),
    `MAPE ${formatPercent(mape(result.before))} before, ${formatPercent(mape(result.after))} after (${result.iterations} iterations)` +
      (opts.output !== undefined ? `; wrote ${quoted(opts.output)}` : ''),
  ];
  return { stdout: lines.join('\n') + '\n', stderr, exitCode: EXIT_OK };
}
