// Fits the measured link parameters of the cluster presets from the `fit` series of
// validation/collectives-*.yaml (published nccl-tests results), with the least squares of
// `cp-plan calibrate`, and prints the values to write into each preset. Held-out series are never
// read. Run: npx tsx scripts/fit-collectives.ts
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { leastSquares } from '../src/calibration/fit.js';
import { COLLECTIVE_PARAMS } from '../src/calibration/params.js';
import { builtinCluster } from '../src/presets/catalog.js';
import { readYamlFile } from '../src/presets/read-yaml.js';
import { PACKAGE_ROOT } from '../src/root.js';
import { collectiveMeasurementsFileSchema, type CollectiveSeries } from '../src/schema/collective-measurements.js';
import { measuredSec, predictSeries, seriesGroup } from '../src/validation/collectives.js';
import type { ClusterSpec } from '../src/model/types.js';

const dir = join(PACKAGE_ROOT, 'validation');
const series: CollectiveSeries[] = readdirSync(dir)
  .filter((f) => /^collectives-.*\.yaml$/.test(f))
  .flatMap((f) => readYamlFile(join(dir, f), `validation/${f}`, collectiveMeasurementsFileSchema).data.series)
  .filter((s) => s.role === 'fit');

/** What a series can determine: its tier's latency and pipeline fill, and the bus bandwidth its large sizes reach. */
function paramsFor(s: CollectiveSeries, cluster: ClusterSpec): string[] {
  const net = seriesGroup(s, cluster).domains > 1;
  if (net) return ['network-latency', 'network-fill', 'network-fill-half'];
  const nvls = s.op === 'all-reduce' && cluster.scaleUp.nvlsBusBytesPerSec !== null && (s.algorithms === undefined || s.algorithms.includes('nvls'));
  return ['nvlink-latency', 'nvlink-fill', 'nvlink-fill-half', nvls ? 'nvls-bus' : 'nvlink-bus'];
}

/** Neutral starting values, so that the fit is not a fixed point of the preset (a fill of 0 would hide its half size). */
function neutral(c: ClusterSpec): ClusterSpec {
  const start = { extraLatencySec: 0, pipelineFillSec: 50e-6, pipelineFillHalfBytes: 1 << 20 };
  return { ...c, scaleUp: { ...c.scaleUp, ...start }, scaleOut: { ...c.scaleOut, ...start } };
}

for (const s of series) {
  const cluster = neutral(builtinCluster(s.cluster).spec);
  const ids = paramsFor(s, cluster);
  const params = COLLECTIVE_PARAMS.filter((p) => ids.includes(p.id));
  const residualsOf = (c: ClusterSpec) => s.points.map((p) => predictSeries(s, p[0], c)!.sec / measuredSec(s, p) - 1);
  const r = leastSquares(cluster, params, residualsOf, s.points.length);
  const mape = (xs: number[]) => (100 * xs.reduce((a, x) => a + Math.abs(x), 0)) / xs.length;
  console.log(`${s.cluster} <- ${s.name}: MAPE ${mape(r.before).toFixed(1)}% -> ${mape(r.after).toFixed(1)}% (${s.points.length} points)`);
  for (const f of r.params) {
    const se = f.stdError === null ? '' : ` ± ${f.stdError.toPrecision(2)}`;
    console.log(`  ${f.param.presetPath.join('.').padEnd(34)} ${f.after.toPrecision(3)}${se}${f.atBound ? ' (at bound)' : ''}`);
  }
}
