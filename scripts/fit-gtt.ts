// Re-derives the calibrated parameters of presets/clusters/gtt.yaml from the `fit` cases of
// validation/paper-measurements.yaml, with the same fit `cp-plan calibrate` uses, and prints
// the values to write into the preset. Run: npx tsx scripts/fit-gtt.ts
import { calibrate } from '../src/calibration/fit.js';
import { CALIBRATION_PARAMS, DEFAULT_PARAM_IDS } from '../src/calibration/params.js';
import { targetsOf } from '../src/calibration/predict.js';
import { resolveLayout } from '../src/model/layout.js';
import { estimatePrefill } from '../src/model/prefill.js';
import { builtinCluster, builtinModel } from '../src/presets/catalog.js';
import { loadMeasurements } from '../src/presets/measurements.js';

const { data } = loadMeasurements();
const model = builtinModel(data.model).spec;
const base = builtinCluster(data.cluster!).spec;
const precision = { weights: data.weights!, kvDtype: data.kvDtype! };

// 1. The RDMA link: least squares of the fit ring iterations' SendRecv times on the size of the
//    message the model sends, time = latency + bytes / (line rate x efficiency).
const points = (data.ringIterations ?? [])
  .filter((it) => it.role === 'fit')
  .map((it) => {
    const layout = resolveLayout({ nodes: it.nodes, tp: it.tp }, model, base);
    const w = { contextTokens: it.contextTokens, cachedTokens: it.cachedTokens, batch: 1 };
    return { x: estimatePrefill(model, base, layout, precision, w, it.variant).ring.messageBytes, y: it.sendRecvUs * 1e-6 };
  });
const mean = (f: (p: { x: number; y: number }) => number) => points.reduce((a, p) => a + f(p), 0) / points.length;
const mx = mean((p) => p.x);
const my = mean((p) => p.y);
const slope = mean((p) => (p.x - mx) * (p.y - my)) / mean((p) => (p.x - mx) ** 2);
// The fit below starts from neutral values, not from the preset's, so it is not a fixed point of them.
const linked = {
  ...base,
  scaleOut: { ...base.scaleOut, latencySec: my - slope * mx, efficiency: 1 / (slope * base.scaleOut.peerBytesPerSec) },
  gemmEfficiency: 0.5,
  attentionEfficiency: 0.5,
  serialSecPerContextToken: 0,
  decodeLayerSec: 0,
  ringStepSec: 0,
};

// 2. Efficiencies and overheads: cp-plan calibrate's least squares on the fit measurements only.
const params = CALIBRATION_PARAMS.filter((p) => (DEFAULT_PARAM_IDS as readonly string[]).includes(p.id));
const fitTargets = targetsOf(data.measurements.filter((m) => m.role === 'fit'));
const result = calibrate(fitTargets, { model, cluster: linked, precision }, params);

console.log(`scaleOut.latencyUs                 ${(linked.scaleOut.latencySec * 1e6).toFixed(1)}`);
console.log(`efficiency.scaleOutFractionOfPeak  ${linked.scaleOut.efficiency.toFixed(3)}`);
for (const f of result.params) console.log(`${f.param.presetPath.join('.').padEnd(35)}${f.after.toPrecision(3)}${f.atBound ? ' (at bound)' : ''}`);
