// npm run bench: measures what issue 5 (planning speed) and issue 7 (start-up) target.
// - model evaluations per second (in-process, the planner's evaluation of one layout and variant)
// - wall time of `cp-plan plan` over >= 10,000 candidate layouts, start-up included
// - start-up: `estimate --json` and `--help` against a bare `node -e 0` (medians of interleaved runs)
// - tables against --json for check and validate over 10,000 rows (issue 17: a table within 2x of JSON)
// Run with `npm run bench` (builds first). It reports numbers and whether each meets its target;
// it is not a test: timings depend on the machine and its load.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'bin', 'cp-plan.cjs');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const wall = (args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { PATH: process.env.PATH, NO_COLOR: '1' } });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, stdout: r.stdout, status: r.status };
};

// `node --import tsx scripts/bench.mjs tables` runs only the table benchmark (4, at the end).
if (process.argv[2] === 'tables') {
  await tableBench();
  process.exit(0);
}

// 1. Evaluations per second.
// The model's code from source (npm run bench runs node with tsx), presets from the build.
const { builtinModel, loadDeployment } = await import('../src/presets/catalog.ts');
const { layouts, evaluateLayout } = await import('../src/planning/candidates.ts');
const model = builtinModel('llama3-405b').spec;
const cluster = { ...(await loadDeployment('gtt')).spec, maxNodes: 64 };
const precision = { weights: 'fp8-ffn', kvDtype: 'bf16' };
const workload = { contextTokens: 1_000_000, cachedTokens: 0, batch: 1 };
const space = [...layouts(model, cluster, { maxNodes: 64 })];
let evaluations = 0;
const start = performance.now();
while (performance.now() - start < 2000) {
  for (const layout of space) evaluations += evaluateLayout(model, cluster, layout, precision, workload, { maxTtftSec: 60 }).length;
}
const perSec = evaluations / ((performance.now() - start) / 1000);

// 1b. cp-plan serve's simulation: 10^5 requests (issue 14 target: under 5 s on a 2-core machine).
const { serve } = await import('../src/serving/serve.ts');
const { generateRequests } = await import('../src/serving/traffic.ts');
const serveModel = builtinModel('llama3-70b').spec;
const serveCluster = (await loadDeployment('h100-ib')).spec;
const serveRequests = generateRequests({
  classes: [{ weight: 1, inputTokens: 1000, outputTokens: 1000, hitRate: 0, turns: 1, thinkSec: 0 }],
  arrivals: { kind: 'poisson', ratePerSec: 20 },
  requests: 100_000,
  seed: 1,
});
const serveStart = performance.now();
serve({
  model: serveModel,
  cluster: serveCluster,
  precision: { weights: 'fp8', kvDtype: 'fp8' },
  replica: { gpus: 8, tp: 8 },
  replicas: 2,
  requests: serveRequests,
  concurrency: null,
  slo: {},
  pricePerGpuHourUsd: null,
});
const serveMs = performance.now() - serveStart;

// 2. A plan over >= 10,000 candidates, start-up included.
const dir = mkdtempSync(join(tmpdir(), 'cp-plan-bench-'));
const big = join(dir, 'gtt-1024.yaml');
writeFileSync(
  big,
  readFileSync(join(root, 'presets', 'clusters', 'gtt.yaml'), 'utf8')
    .replace(/^maxNodes: \d+/m, 'maxNodes: 1024')
    .replace(/^name: gtt$/m, 'name: gtt-1024'),
);
const planArgs = [cli, 'plan', '--cluster', big, '--max-nodes', '1024', '--ctx', '1M', '--max-ttft', '60s', '--json'];
const first = wall(planArgs);
const evaluated = JSON.parse(first.stdout).evaluated;
const planRuns = Array.from({ length: 5 }, () => wall(planArgs).ms);
rmSync(dir, { recursive: true, force: true });

// 3. Start-up, interleaved so that machine noise hits every command alike.
const commands = {
  'node -e 0': ['-e', '0'],
  '--help': [cli, '--help'],
  '--version': [cli, '--version'],
  'estimate --json': [cli, 'estimate', '--ctx', '1M', '--nodes', '16', '--json'],
};
const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < 31; i++) for (const [k, args] of Object.entries(commands)) times[k].push(wall(args).ms);
const base = median(times['node -e 0']);

const node = execFileSync(process.execPath, ['--version'], { encoding: 'utf8' }).trim();
console.log(`cp-plan bench (node ${node})`);
console.log(`model evaluations: ${Math.round(perSec).toLocaleString('en-US')} per second (target >= 200,000)`);
console.log(`serve simulation of 100,000 requests (1K in / 1K out, 2 x TP8): ${serveMs.toFixed(0)} ms (target < 5000 ms)`);
console.log(`plan over ${evaluated.toLocaleString('en-US')} candidates: median ${median(planRuns).toFixed(0)} ms wall, start-up included (target < 1000 ms)`);
const TARGET = { '--help': 1.2, '--version': 1.2, 'estimate --json': 1.5 };
console.log('start-up, median of 31 interleaved runs (issue 7 targets: estimate --json <= 1.5x node, --help/--version <= 1.2x node):');
for (const [k, xs] of Object.entries(times)) {
  const m = median(xs);
  const ratio = m / base;
  const verdict = k in TARGET ? `  ${ratio.toFixed(2)}x node  ${ratio <= TARGET[k] ? 'meets' : 'MISSES'} <= ${TARGET[k]}x` : '';
  console.log(`  ${k.padEnd(16)} median ${m.toFixed(1).padStart(6)} ms${verdict}`);
}
// The same as the README's table (between its bench markers).
const LABEL = {
  'node -e 0': '`node -e 0`',
  '--version': '`cp-plan --version`',
  '--help': '`cp-plan --help`',
  'estimate --json': '`cp-plan estimate --ctx 1M --nodes 16 --json`',
};
console.log('\n| command | median | × `node -e 0` | target |\n|---|---:|---:|---:|');
for (const k of ['node -e 0', '--version', '--help', 'estimate --json']) {
  const m = median(times[k]);
  console.log(`| ${LABEL[k]} | ${m.toFixed(1)} ms | ${(m / base).toFixed(2)} | ${k in TARGET ? `≤ ${TARGET[k]}` : ''} |`);
}

await tableBench();

/**
 * 4. Tables against JSON on big inputs (issue 17): `check` of 10,000 scenarios and `validate --data` of
 * 10,000 measured runs, each as a table and as --json, start-up included (median of 3 interleaved runs).
 * cli-table3 laid tables out in quadratic time (37 s against 3 s); the target is a table within 2x of JSON.
 */
async function tableBench() {
  const dir = mkdtempSync(join(tmpdir(), 'cp-plan-bench-tables-'));
  // Flow style keeps the file under 1 MiB, so that releases before the 16 MiB cap can run it too.
  const scenarios = Array.from({ length: 10_000 }, (_, i) => `  - { name: s${i}, layout: { nodes: 2 }, workload: { ctx: 8K }, slo: { maxTtft: 9s } }\n`);
  writeFileSync(join(dir, 'check.yaml'), `scenarios:\n${scenarios.join('')}`);
  const rows = Array.from({ length: 10_000 }, (_, i) => `  - { name: r${i}, nodes: 1, contextTokens: ${8000 + i}, ttftMs: 900 }\n`);
  writeFileSync(join(dir, 'runs.yaml'), `model: llama3-70b\ncluster: h100-ib\nmeasurements:\n${rows.join('')}`);
  const cases = {
    'check, table': [cli, 'check', join(dir, 'check.yaml')],
    'check, --json': [cli, 'check', join(dir, 'check.yaml'), '--json'],
    'validate, table': [cli, 'validate', '--data', join(dir, 'runs.yaml')],
    'validate, --json': [cli, 'validate', '--data', join(dir, 'runs.yaml'), '--json'],
  };
  const ms = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < 3; i++) {
    for (const [k, args] of Object.entries(cases)) {
      const run = wall(args);
      if (run.status !== 0 && run.status !== 1) throw new Error(`bench: ${k} exited ${run.status}`);
      ms[k].push(run.ms);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log('tables against --json over 10,000 rows, median of 3 runs, start-up included (issue 17 target: table <= 2x JSON):');
  for (const what of ['check', 'validate']) {
    const table = median(ms[`${what}, table`]);
    const json = median(ms[`${what}, --json`]);
    const ratio = table / json;
    console.log(
      `  ${what.padEnd(8)} table ${table.toFixed(0).padStart(6)} ms, --json ${json.toFixed(0).padStart(6)} ms: ${ratio.toFixed(2)}x  ${ratio <= 2 ? 'meets' : 'MISSES'} <= 2x`,
    );
  }
}
