import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinCluster } from '../src/presets/catalog.js';
import { readYamlFile } from '../src/presets/read-yaml.js';
import { collectiveMeasurementsFileSchema } from '../src/schema/collective-measurements.js';
import { checkCollectives } from '../src/validation/collectives.js';
const dir = 'validation';
const series = readdirSync(dir).filter((f) => /^collectives-.*\.yaml$/.test(f)).flatMap((f) => readYamlFile(join(dir, f), f, collectiveMeasurementsFileSchema).data.series);
const r = checkCollectives(series, (n) => builtinCluster(n).spec);
const by = new Map<string, number[]>();
for (const p of r.points) { const k = `${p.role.padEnd(8)} ${p.series}`; by.set(k, [...(by.get(k) ?? []), p.error]); }
for (const [k, e] of [...by].sort()) console.log(k.padEnd(70), (100 * e.reduce((a, x) => a + Math.abs(x), 0) / e.length).toFixed(1).padStart(6) + '%', 'n=' + e.length, 'worst', (100*e.reduce((a,x)=>Math.abs(x)>Math.abs(a)?x:a,0)).toFixed(0)+'%');
console.log('fit', r.byRole.fit, 'held-out', r.byRole['held-out']);
if (process.argv[2]) for (const p of r.points.filter((p) => p.series === process.argv[2])) console.log(String(p.bytes).padStart(12), p.measuredUs.toFixed(1).padStart(10), p.predictedUs.toFixed(1).padStart(10), (100*p.error).toFixed(1).padStart(7)+'%', p.algorithm, p.protocol);
