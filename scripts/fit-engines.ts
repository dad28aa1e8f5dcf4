// Fits the engine constants that published end-to-end measurements can determine, from the `fit` rows of
// validation/external.yaml only (held-out rows are never read), with the least squares of `cp-plan
// calibrate`, and prints the values to write into presets/engines/<engine>.yaml. An engine without fit
// rows keeps its researched values. Run: npx tsx scripts/fit-engines.ts [--json]
// test/unit/preset-derivation.test.ts reruns it and checks the engine presets against it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { leastSquares } from '../src/calibration/fit.js';
import type { CalibrationParam } from '../src/calibration/params.js';
import type { ClusterSpec, EngineSpec } from '../src/model/types.js';
import { builtinCluster, builtinEngine, builtinGpu, builtinModel } from '../src/presets/catalog.js';
import { deploy } from '../src/presets/deploy.js';
import { PACKAGE_ROOT } from '../src/root.js';
import { externalFileSchema, type ExternalRow } from '../src/schema/external-measurements.js';
import { predictRow } from '../src/validation/external.js';

export interface DerivedEngineValue {
  file: string;
  presetPath: string[];
  value: number;
  stdError: number | null;
}

const US = 1e-6;
/**
 * What end-to-end times pin down: the engine's fixed cost per decode step. The per-layer cost stays as
 * transferred (AIConfigurator's 3 us per memory-bound op): six runs of two models cannot separate the two
 * well (a joint fit puts the layer cost at its bound, 0 +- 13 us).
 */
const PARAMS: CalibrationParam<EngineSpec>[] = [
  {
    id: 'decode-step',
    presetPath: ['overhead', 'decodeStepUs', 'value'],
    lower: 0,
    upper: 20000,
    needs: 'decode-heavy runs',
    get: (e) => e.decodeStepSec / US,
    set: (e, v) => ({ ...e, decodeStepSec: v * US }),
  },
];

export function deriveEnginePresets(): DerivedEngineValue[] {
  const file = join(PACKAGE_ROOT, 'validation', 'external.yaml');
  const rows = externalFileSchema.parse(parse(readFileSync(file, 'utf8'))).rows.filter((r) => r.role === 'fit');
  const out: DerivedEngineValue[] = [];
  const modelRows = rows.filter(
    (r): r is Extract<ExternalRow, { kind: 'ttft' | 'tpot' | 'e2e' }> => r.kind === 'ttft' || r.kind === 'tpot' || r.kind === 'e2e',
  );
  for (const engine of [...new Set(modelRows.map((r) => r.engine))].sort()) {
    const mine = modelRows.filter((r) => r.engine === engine);
    const preset = builtinEngine(engine).preset;
    const clusters = new Map(mine.map((r) => [r.cluster, deploy(builtinCluster(r.cluster).spec, preset)]));
    // One engine spec for every row (its GPU generation's kernels come from each row's own deployment).
    const base = { ...clusters.values().next().value!.engine, decodeStepSec: 0 };
    const residualsOf = (e: EngineSpec) =>
      mine.map((r) => {
        const c = clusters.get(r.cluster)!;
        const withEngine: ClusterSpec = { ...c, engine: { ...c.engine, decodeStepSec: e.decodeStepSec } };
        const p = predictRow(r, { gpu: (n) => builtinGpu(n).spec, model: (n) => builtinModel(n).spec, deployment: () => withEngine });
        return p.predictedSec / p.measuredSec - 1;
      });
    const result = leastSquares(base, PARAMS, residualsOf, mine.length);
    for (const f of result.params) out.push({ file: `presets/engines/${engine}.yaml`, presetPath: f.param.presetPath, value: f.after, stdError: f.stdError });
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const derived = deriveEnginePresets();
  if (process.argv.includes('--json')) console.log(JSON.stringify(derived, null, 2));
  else
    for (const d of derived)
      console.log(
        `${d.file.padEnd(28)} ${d.presetPath.join('.').padEnd(30)} ${d.value.toPrecision(3)}${d.stdError === null ? '' : ` ± ${d.stdError.toPrecision(2)}`}`,
      );
}
