// Derives the measured link parameters of the cluster presets from the `fit` series of
// validation/collectives-*.yaml (published nccl-tests results) with the fit of
// `cp-plan calibrate --nccl-tests` (src/calibration/collective-fit.ts): one joint fit per cluster over
// its fit series, of the parameters those series can determine. Held-out series are never read.
// Run: npx tsx scripts/fit-collectives.ts [--json]
// test/unit/preset-derivation.test.ts reruns it and checks the presets against it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fitCollectives } from '../src/calibration/collective-fit.js';
import type { ClusterHardware as ClusterSpec } from '../src/model/types.js';
import { builtinCluster } from '../src/presets/catalog.js';
import { readYamlFile } from '../src/presets/read-yaml.js';
import { PACKAGE_ROOT } from '../src/root.js';
import { collectiveMeasurementsFileSchema, type CollectiveSeries } from '../src/schema/collective-measurements.js';

export interface DerivedValue {
  /** Where the value goes in the preset, e.g. ['scaleUp', 'extraLatencyUs']. */
  presetPath: string[];
  value: number;
  stdError: number | null;
  atBound: boolean;
  /** Half a per-mille of the parameter's range: below this, two values are the same. */
  resolution: number;
}

export interface DerivedCluster {
  cluster: string;
  series: string[];
  points: number;
  mapeBefore: number;
  mapeAfter: number;
  values: DerivedValue[];
  undetermined: string[];
}

/** Neutral starting values, so that the fit is not a fixed point of the preset (a fill of 0 would hide its half size). */
function neutral(c: ClusterSpec): ClusterSpec {
  const start = { extraLatencySec: 0, pipelineFillSec: 50e-6, pipelineFillHalfBytes: 1 << 20 };
  return { ...c, scaleUp: { ...c.scaleUp, ...start }, scaleOut: { ...c.scaleOut, ...start } };
}

export function deriveCollectivePresets(): DerivedCluster[] {
  const dir = join(PACKAGE_ROOT, 'validation');
  const fitSeries: CollectiveSeries[] = readdirSync(dir)
    .filter((f) => /^collectives-.*\.yaml$/.test(f))
    .sort()
    .flatMap((f) => readYamlFile(join(dir, f), `validation/${f}`, collectiveMeasurementsFileSchema).data.series)
    .filter((s) => s.role === 'fit');
  const clusters = [...new Set(fitSeries.map((s) => s.cluster))].sort();
  const mape = (xs: number[]) => (100 * xs.reduce((a, x) => a + Math.abs(x), 0)) / xs.length;
  return clusters.map((name) => {
    const runs = fitSeries.filter((s) => s.cluster === name);
    const { result, undetermined } = fitCollectives(runs, neutral(builtinCluster(name).spec));
    return {
      cluster: name,
      series: runs.map((s) => s.name),
      points: result.after.length,
      mapeBefore: mape(result.before),
      mapeAfter: mape(result.after),
      values: result.params.map((f) => ({
        presetPath: f.param.presetPath,
        value: f.after,
        stdError: f.stdError,
        atBound: f.atBound,
        resolution: 5e-4 * (f.param.upper - f.param.lower),
      })),
      undetermined: undetermined.map((p) => p.id),
    };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const derived = deriveCollectivePresets();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(derived, null, 2));
  } else {
    for (const d of derived) {
      console.log(`${d.cluster} <- ${d.series.join(', ')}: MAPE ${d.mapeBefore.toFixed(1)}% -> ${d.mapeAfter.toFixed(1)}% (${d.points} points)`);
      for (const v of d.values) {
        const se = v.stdError === null ? '' : ` ± ${v.stdError.toPrecision(2)}`;
        console.log(`  ${v.presetPath.join('.').padEnd(40)} ${v.value.toPrecision(3)}${se}${v.atBound ? ' (at bound)' : ''}`);
      }
      if (d.undetermined.length) console.log(`  not determined (preset keeps its value): ${d.undetermined.join(', ')}`);
    }
  }
}
