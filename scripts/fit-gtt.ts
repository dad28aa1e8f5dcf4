// Re-derives the calibrated parameters of presets/clusters/gtt.yaml from the `fit` rows of
// validation/paper-measurements.yaml, and prints every row's error (fit and held-out).
// Run: npx tsx scripts/fit-gtt.ts
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { estimateDecode } from '../src/model/decode.js';
import { resolveLayout } from '../src/model/layout.js';
import { estimatePrefill } from '../src/model/prefill.js';
import type { ClusterSpec, RingVariant } from '../src/model/types.js';
import { loadCluster, loadModel } from '../src/presets/catalog.js';

const data = parse(readFileSync(new URL('../validation/paper-measurements.yaml', import.meta.url), 'utf8'));
const model = loadModel('llama3-405b').spec;
const base = loadCluster('gtt').spec;
const precision = { weights: 'fp8-ffn', kvDtype: 'bf16' } as const;

interface Row { label: string; role: string; measuredMs: number; predict: (c: ClusterSpec) => number }
const rows: Row[] = [];
for (const f of data.full_prefill) {
  rows.push({ label: `full TP${f.tp} CP${f.cp} ${f.context}`, role: f.role, measuredMs: f.ttft_ms, predict: (c) =>
    estimatePrefill(model, c, resolveLayout({ nodes: (f.tp * f.cp) / 8, tp: f.tp }, model, c), precision, { contextTokens: f.context, cachedTokens: 0, batch: 1 }, 'pass-kv').ttftSec * 1e3 });
}
for (const r of data.partial_prefill.rows) {
  for (const [variant, key] of [['pass-kv', 'pass_kv_ms'], ['pass-q', 'pass_q_ms']] as [RingVariant, string][]) {
    rows.push({ label: `partial T=${r.new} ${variant}`, role: r.role, measuredMs: r[key], predict: (c) =>
      estimatePrefill(model, c, resolveLayout({ nodes: 4 }, model, c), precision, { contextTokens: r.new + r.cached, cachedTokens: r.cached, batch: 1 }, variant).ttftSec * 1e3 });
  }
}
for (const d of data.decode_ttit) {
  rows.push({ label: `decode CP${d.cp} ${d.context}`, role: d.role, measuredMs: d.ttit_ms, predict: (c) =>
    estimateDecode(model, c, resolveLayout({ nodes: d.cp }, model, c), precision, { contextTokens: d.context, cachedTokens: 0, batch: 1 }).ttitSec * 1e3 });
}
const sse = (c: ClusterSpec, sel: Row[]) => sel.reduce((s, r) => s + (r.predict(c) / r.measuredMs - 1) ** 2, 0);
const prefillFit = rows.filter((r) => r.role === 'fit' && !r.label.startsWith('decode'));

// 0. Ring SendRecv over RDMA: least squares of Table 5's measured times on the message sizes the
//    model sends, time = latency + bytes / (line rate x efficiency).
const layout4 = resolveLayout({ nodes: 4 }, model, base);
const points = data.ring_iteration_us.rows.map((r: { new: number; variant: RingVariant; sendrecv_us: number }) => {
  const w = { contextTokens: 128_000, cachedTokens: 128_000 - r.new, batch: 1 };
  return { x: estimatePrefill(model, base, layout4, precision, w, r.variant).ring.messageBytes, y: r.sendrecv_us * 1e-6 };
});
const mx = points.reduce((a: number, p: { x: number }) => a + p.x, 0) / points.length;
const my = points.reduce((a: number, p: { y: number }) => a + p.y, 0) / points.length;
const slope =
  points.reduce((a: number, p: { x: number; y: number }) => a + (p.x - mx) * (p.y - my), 0) /
  points.reduce((a: number, p: { x: number }) => a + (p.x - mx) ** 2, 0);
let c: ClusterSpec = {
  ...base,
  scaleOut: { ...base.scaleOut, latencySec: my - slope * mx, efficiency: 1 / (slope * base.scaleOut.peerBytesPerSec) },
  decodeLayerSec: 0,
  ringStepSec: 0,
};

// 1-2. Prefill efficiencies and serial overhead on a grid; the two decode overheads enter TTIT
//      linearly and are solved on their fit rows. ringStepUs also enters CP prefill, so iterate
//      from zero to a fixed point.
const solve = (row: Row, key: 'decodeLayerSec' | 'ringStepSec', perUnit: number) => {
  const gap = row.measuredMs - row.predict({ ...c, [key]: 0 });
  return Math.max(0, gap / 1e3 / perUnit);
};
const tp8 = rows.find((r) => r.label === 'decode CP1 8000')!;
const cp2 = rows.find((r) => r.label === 'decode CP2 8000')!;
for (let round = 0; round < 6; round++) {
  let best = { c, s: Infinity };
  for (let serial = 0; serial <= 8; serial += 0.25)
    for (let ge = 0.4; ge <= 0.55; ge += 0.005)
      for (let ae = 0.55; ae <= 0.85; ae += 0.005) {
        const trial = { ...c, gemmEfficiency: ge, attentionEfficiency: ae, serialSecPerContextToken: serial * 1e-6 };
        const s = sse(trial, prefillFit);
        if (s < best.s) best = { c: trial, s };
      }
  c = best.c;
  c = { ...c, decodeLayerSec: solve(tp8, 'decodeLayerSec', model.layers) };
  c = { ...c, ringStepSec: solve(cp2, 'ringStepSec', model.layers * 2) };
}

console.log('scaleOut.latencyUs', (c.scaleOut.latencySec * 1e6).toFixed(1));
console.log('scaleOutFractionOfPeak', c.scaleOut.efficiency.toFixed(3));
console.log('gemmFractionOfPeak', c.gemmEfficiency.toFixed(3));
console.log('attentionFractionOfPeak', c.attentionEfficiency.toFixed(3));
console.log('serialUsPerContextToken', (c.serialSecPerContextToken * 1e6).toFixed(2));
console.log('decodeLayerUs', (c.decodeLayerSec * 1e6).toFixed(1));
console.log('ringStepUs', (c.ringStepSec * 1e6).toFixed(1));
for (const r of rows) {
  const p = r.predict(c);
  console.log(`${r.label.padEnd(28)} ${r.role.padEnd(9)} ${r.measuredMs.toFixed(1).padStart(9)} ${p.toFixed(1).padStart(9)} ${((p / r.measuredMs - 1) * 100).toFixed(1).padStart(6)}%`);
}
