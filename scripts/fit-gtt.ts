// Re-derives the fitted constants of the paper's stack on gtt from the `fit` rows of
// validation/paper-measurements.yaml, with the same fit `cp-plan calibrate` uses, and prints the
// values to write: gtt's network and calibration scales (presets/clusters/gtt.yaml) and the meta-cp
// engine's constants (presets/engines/meta-cp.yaml). Held-out rows are never read. Run: npx tsx scripts/fit-gtt.ts [--json]
// test/unit/preset-derivation.test.ts reruns it and checks the preset against it.
import { pathToFileURL } from 'node:url';
import { calibrate } from '../src/calibration/fit.js';
import { CALIBRATION_PARAMS, DEFAULT_PARAM_IDS } from '../src/calibration/params.js';
import { targetsOf } from '../src/calibration/predict.js';
import { estimateDecode } from '../src/model/decode.js';
import { resolveLayout } from '../src/model/layout.js';
import { estimatePrefill } from '../src/model/prefill.js';
import type { ClusterSpec } from '../src/model/types.js';
import { builtinCluster, builtinEngine, builtinModel } from '../src/presets/catalog.js';
import { deploy } from '../src/presets/deploy.js';
import { loadMeasurements } from '../src/presets/measurements.js';

export interface DerivedGttValue {
  /** The preset file the value belongs in, and its place there. */
  file: 'presets/clusters/gtt.yaml' | 'presets/engines/meta-cp.yaml';
  presetPath: string[];
  value: number;
}

const GTT = 'presets/clusters/gtt.yaml' as const;
const META = 'presets/engines/meta-cp.yaml' as const;
/** A fitted engine constant goes to the engine preset, under its key's `value`. */
const placed = (path: string[]): Pick<DerivedGttValue, 'file' | 'presetPath'> =>
  path[0] === 'calibration' && path[1] === 'overhead' ? { file: META, presetPath: ['overhead', path[2]!, 'value'] } : { file: GTT, presetPath: path };

export function deriveGttPreset(): DerivedGttValue[] {
  const { data } = loadMeasurements();
  const model = builtinModel(data.model).spec;
  const preset = deploy(builtinCluster(data.cluster!).spec, builtinEngine('meta-cp').preset);
  const precision = { weights: data.weights!, kvDtype: data.kvDtype! };
  const lib = preset.collectives;
  const US = 1e-6;
  // Neutral starting values, so that the result is not a fixed point of the presets.
  let base: ClusterSpec = {
    ...preset,
    scaleOut: { ...preset.scaleOut, extraLatencySec: 0, sendRecvEfficiency: 0.5 },
    // The decode per-layer cost is transferred (meta-cp.yaml), not fitted: it cannot be told apart from the weight reads.
    engine: { ...preset.engine, attentionKernelSec: 0, allToAllSetupSec: 0, serialSecPerContextToken: 0, cpDecodeLayerSec: 0 },
    scales: { engine: 'meta-cp', gemmScale: 0.7, gemmBandwidthScale: 0.7, attentionScale: 1, decodeAttentionScale: 1 },
  };

  // 1. The RDMA link: least squares of the fit ring iterations' SendRecv times (Table 5, messages of MBs: NCCL's
  //    Simple protocol) on the size of the message the model sends: time = NCCL's Simple p2p latency + extra + bytes / (line rate x efficiency).
  const points = (data.ringIterations ?? [])
    .filter((it) => it.role === 'fit')
    .map((it) => {
      const layout = resolveLayout({ nodes: it.nodes, tp: it.tp }, model, base);
      const w = { contextTokens: it.contextTokens, cachedTokens: it.cachedTokens, batch: 1 };
      return { x: estimatePrefill(model, base, layout, precision, w, it.variant).ring.messageBytes, y: it.sendRecvUs * US };
    });
  const mean = (f: (p: { x: number; y: number }) => number) => points.reduce((a, p) => a + f(p), 0) / points.length;
  const mx = mean((p) => p.x);
  const my = mean((p) => p.y);
  const slope = mean((p) => (p.x - mx) * (p.y - my)) / mean((p) => (p.x - mx) ** 2);
  const ncclSimpleP2p = lib.baseLatencySec.ring[2] + lib.hopLatencySec.net.ring[2];
  base = {
    ...base,
    // The network's extra latency is what crossing it adds to a call inside the NVLink domain (scaleUp's extra).
    scaleOut: {
      ...base.scaleOut,
      extraLatencySec: my - slope * mx - ncclSimpleP2p - base.scaleUp.extraLatencySec,
      sendRecvEfficiency: 1 / (slope * base.scaleOut.bytesPerSec),
    },
  };

  // 2. The decode kernels' speed on this stack, and the fixed cost of its All2All: the components Table 8's fit rows name.
  for (const row of data.decodeAttention ?? []) {
    if (row.role !== 'fit') continue;
    const layout = resolveLayout({ nodes: row.nodes, tp: row.tp }, model, base);
    const ring = estimateDecode(model, base, layout, precision, { contextTokens: row.contextTokens, cachedTokens: 0, batch: row.batch }).ring;
    // The paper's Flash Decoding (256 KV splits) reads its KV at the decode table's measured bandwidth; its own
    // fixed cost per kernel is what the measured kernel takes beyond that read.
    if (row.fitComponents?.includes('kernel')) base = { ...base, engine: { ...base.engine, attentionKernelSec: row.kernelUs * US - ring.kernelSec } };
    if (row.fitComponents?.includes('allToAll')) base = { ...base, engine: { ...base.engine, allToAllSetupSec: row.allToAllUs * US - ring.allToAllSec } };
  }

  // 3. Efficiencies and overheads: cp-plan calibrate's least squares on the fit measurements only.
  const params = CALIBRATION_PARAMS.filter((p) => (DEFAULT_PARAM_IDS as readonly string[]).includes(p.id));
  const fitTargets = targetsOf(data.measurements.filter((m) => m.role === 'fit'));
  const result = calibrate(fitTargets, { model, cluster: base, precision }, params);

  return [
    { file: GTT, presetPath: ['scaleOut', 'extraLatencyUs'], value: base.scaleOut.extraLatencySec / US },
    { file: GTT, presetPath: ['efficiency', 'scaleOutSendRecvFractionOfPeak'], value: base.scaleOut.sendRecvEfficiency },
    { file: META, presetPath: ['overhead', 'attentionKernelUs', 'value'], value: base.engine.attentionKernelSec! / US },
    { file: META, presetPath: ['overhead', 'allToAllSetupUs', 'value'], value: base.engine.allToAllSetupSec / US },
    ...result.params.map((f) => ({ ...placed(f.param.presetPath), value: f.after })),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const derived = deriveGttPreset();
  if (process.argv.includes('--json')) console.log(JSON.stringify(derived, null, 2));
  else for (const d of derived) console.log(`${d.file.padEnd(30)} ${d.presetPath.join('.').padEnd(44)}${d.value.toPrecision(3)}`);
}
