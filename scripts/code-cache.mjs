// Part of npm run build (scripts/build.ts runs it with plain node, after bundling).
// Runs representative commands in-process through the bundle loader, then writes
// V8's code cache of every bundle they loaded to dist/<bundle>.cjs.cache, which
// src/bundle-loader.ts hands back to V8 at start-up. Outputs are discarded.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const { bundleLoader } = createRequire(import.meta.url)(join(dist, 'bundle-loader.cjs'));
const loader = bundleLoader(dist);
const { main } = loader.load('program');

const runs = [
  ['estimate', '--ctx', '1M', '--nodes', '16', '--json'],
  ['estimate', '--ctx', '128K', '--nodes', '4', '--miss-rate', '5%'],
  ['estimate', '--model', join(root, 'presets', 'models', 'llama3-70b.yaml'), '--cluster', 'h100-ib', '--ctx', '128K', '--explain'],
  ['plan', '--ctx', '1M', '--max-ttft', '90s'],
  ['sweep', '--nodes', '1..16', '--ctx', '128K,1M', '--format', 'csv'],
  ['check', join(root, 'examples', 'sizing.yaml')],
  ['validate'],
  ['presets', 'list'],
  ['presets', 'show', 'gtt'],
  ['schema', 'model'],
  ['estimate', '--help'],
  ['calibrate', join(root, 'validation', 'paper-measurements.yaml'), '--json'],
  ['completion', 'bash'],
  ['collective', 'all-reduce', '--cluster', 'h100-ib', '--gpus', '16', '--bytes', '8..1GiB'],
];
const sink = { stdout: () => {}, stderr: () => {}, isTTY: false, env: {} };
for (const argv of runs) {
  const code = await main(['node', 'cp-plan', ...argv], sink);
  if (code > 1) throw new Error(`code-cache: cp-plan ${argv.join(' ')} exited ${code}`);
}
for (const [name, script] of loader.scripts) writeFileSync(join(dist, `${name}.cjs.cache`), script.createCachedData());
console.log(`code-cache: ${loader.scripts.size} bundles (${[...loader.scripts.keys()].sort().join(', ')})`);
