// npm run build: dist/ as the package ships it. Run with tsx (a dev dependency).
//
// 1. Built-in presets are read, validated and converted once, here, into
//    dist/presets/ (one JSON file each), so that a run never loads yaml or zod for them.
// 2. esbuild bundles src/ into a few CommonJS files, all directly in dist/.
//    Each bundle holds what one step needs and nothing more:
//      cli.cjs       argv, the pre-rendered --help/--version, then program.cjs
//      program.cjs   the commander program (every flag and --help text)
//      errors.cjs    the error classes, shared so that `instanceof` holds across bundles
//      run-files.cjs the run's files read and interrupt guard, shared by every command bundle
//      command-*.cjs one per command, loaded when that command runs
//      user-preset, estimate-text, spinner: loaded only for a user's YAML file,
//                    a table (chalk, cli-table3) or a spinner (ora)
//    An import of another bundle's entry becomes a require() of that bundle
//    (lazy where the source uses import()). CommonJS because node starts an
//    ES module graph measurably slower, and start-up is a target (issue 7).
// 3. `cp-plan --help` and `--version` are run once on the built program and
//    their output embedded in cli.cjs (test/cli/help.test.ts checks they agree).
// 4. V8's code cache for each bundle (scripts/code-cache.mjs; see src/bundle-loader.ts).
// 5. The licences of the bundled packages go to dist/THIRD-PARTY-LICENSES.txt.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { CompiledIndex } from '../src/presets/catalog.js';
import type { ClusterHardware, CollectiveLibrary, GpuSpec } from '../src/model/types.js';
import { readYamlFile } from '../src/presets/read-yaml.js';
import { readClusterFile, readCollectivesFile, readEngineFile, readGpuFile, readKernelsFile, readModelFile } from '../src/presets/user-preset.js';
import { gpuPresetSchema, type GpuPreset } from '../src/schema/gpu-preset.js';
import type { KernelsPreset } from '../src/schema/kernels-preset.js';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const src = join(root, 'src');

/** Bundle name -> source entry. */
const ENTRIES: Record<string, string> = {
  cli: 'cli.ts',
  'bundle-loader': 'bundle-loader.ts',
  program: 'program.ts',
  errors: 'errors.ts',
  'run-files': 'run-files.ts',
  'user-preset': 'presets/user-preset.ts',
  'estimate-text': 'render/estimate-text.ts',
  spinner: 'render/spinner.ts',
  ...Object.fromEntries(
    readdirSync(join(src, 'commands'))
      .filter((f) => f.endsWith('.ts') && !['result.ts', 'workload-options.ts'].includes(f))
      .map((f) => [`command-${basename(f, '.ts')}`, `commands/${f}`]),
  ),
};
/** Large libraries more than one bundle needs, bundled once each: bundle name -> package. */
const SHARED_PACKAGES: Record<string, string> = { zod: 'zod', yaml: 'yaml' };
const bundleOf = new Map(Object.entries(ENTRIES).map(([name, file]) => [join(src, file), name]));
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// 1. Presets: dist/presets/index.json and dist/presets/<kind folder>/<name>.json.
// Collective libraries and kernel tables first, then GPUs (which embed their kernel table), engines,
// models, and clusters (which embed their GPU and collective library).
const compiledIndex: CompiledIndex = { models: [], clusters: [], collectives: [], gpus: [], kernels: [], engines: [] };
const libraries = new Map<string, CollectiveLibrary>();
const kernelTables = new Map<string, KernelsPreset>();
const gpuPresets = new Map<string, GpuPreset>();
const gpuSpecs = new Map<string, GpuSpec>();
const found = <T>(map: Map<string, T>, what: string, name: string): T => {
  const value = map.get(name);
  if (value === undefined) throw new Error(`build: unknown ${what} '${name}'`);
  return value;
};
const presetFiles = (folder: string) =>
  readdirSync(join(root, 'presets', folder))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
// GPU presets are read first (unconverted): a GPU's kernel table may have been measured on another GPU,
// whose peaks and bandwidth convert the table.
for (const file of presetFiles('gpus')) {
  const { data } = readYamlFile(join(root, 'presets', 'gpus', file), `presets/gpus/${file}`, gpuPresetSchema);
  gpuPresets.set(data.name, data);
}
const readers = {
  collectives: (file: string, label: string) => {
    const loaded = readCollectivesFile(file, label, true);
    libraries.set(loaded.preset.name, loaded.spec);
    return loaded;
  },
  kernels: (file: string, label: string) => {
    const loaded = readKernelsFile(file, label, true);
    kernelTables.set(loaded.preset.name, loaded.preset);
    return loaded;
  },
  gpus: (file: string, label: string) => {
    const loaded = readGpuFile(file, label, true, (table) => ({
      table: found(kernelTables, 'kernel table', table),
      measuredOn: found(gpuPresets, 'GPU preset (a kernel table is named after the GPU it was measured on)', table),
    }));
    gpuSpecs.set(loaded.preset.name, loaded.spec);
    return loaded;
  },
  engines: (file: string, label: string) => readEngineFile(file, label, true),
  models: (file: string, label: string) => readModelFile(file, label, true),
  clusters: (file: string, label: string) =>
    readClusterFile(
      file,
      label,
      true,
      (name) => found(libraries, 'collective library', name),
      (gpu) => found(gpuSpecs, 'GPU', gpu),
    ),
};
for (const folder of ['collectives', 'kernels', 'gpus', 'engines', 'models', 'clusters'] as const) {
  mkdirSync(join(dist, 'presets', folder), { recursive: true });
  for (const file of presetFiles(folder)) {
    const name = basename(file, '.yaml');
    const loaded = readers[folder](join(root, 'presets', folder, file), `presets/${folder}/${file}`);
    if (loaded.preset.name !== name) throw new Error(`presets/${folder}/${file}: name '${loaded.preset.name}' differs from the file name`);
    writeFileSync(join(dist, 'presets', folder, `${name}.json`), JSON.stringify(loaded));
    compiledIndex[folder].push(name);
  }
}
// Every cluster's default engine must exist and run on its GPU; a calibration must name a built-in engine.
for (const name of compiledIndex.clusters) {
  const c = JSON.parse(readFileSync(join(dist, 'presets', 'clusters', `${name}.json`), 'utf8')) as { spec: ClusterHardware };
  if (!compiledIndex.engines.includes(c.spec.defaultEngine)) throw new Error(`presets/clusters/${name}.yaml: unknown engine '${c.spec.defaultEngine}'`);
  const calibrated = c.spec.calibration?.engine;
  if (calibrated !== undefined && !compiledIndex.engines.includes(calibrated))
    throw new Error(`presets/clusters/${name}.yaml: calibration.engine '${calibrated}' is not a built-in engine`);
}
writeFileSync(join(dist, 'presets', 'index.json'), JSON.stringify(compiledIndex));

// 2. Bundles.
/** Imports of another entry stay outside this bundle: require('./<bundle>.cjs'). */
const linkEntries = (self: string): Plugin => ({
  name: 'link-entries',
  setup(b) {
    b.onResolve({ filter: /^(zod|yaml)$/ }, (args) => (args.path !== self ? { path: `./${args.path}.cjs`, external: true } : undefined));
    b.onResolve({ filter: /^\./ }, (args) => {
      const target = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      const bundle = bundleOf.get(target);
      return bundle !== undefined && bundle !== self ? { path: `./${bundle}.cjs`, external: true } : undefined;
    });
  },
});

/**
 * commander requires node:child_process at load time (2 ms) for executable
 * subcommands, which cp-plan does not use: load it on first use instead.
 */
const lazyChildProcess: Plugin = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('node_modules/commander/') ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: 'module.exports = new Proxy({}, { get: (_, key) => require("node:child_process")[key] });',
      loader: 'js',
    }));
  },
};

/**
 * chalk detects colour support when loaded, which requires node:tty and with it
 * node's net and stream modules (~3 ms). cp-plan makes the colour decision
 * itself (src/render/color.ts) and gives chalk an explicit level, so its
 * detection is unused: bundle chalk's detection-free variant instead. The
 * spinner (ora, on a terminal only) keeps the real one.
 */
const chalkWithoutDetection = (self: string): Plugin => ({
  name: 'chalk-without-detection',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, (args) =>
      self !== 'spinner' && args.importer.includes('node_modules/chalk/')
        ? { path: join(dirname(args.importer), 'vendor', 'supports-color', 'browser.js') }
        : undefined,
    );
  },
});

const inputs = new Set<string>();
async function bundle(name: string, prerendered?: { help: string; version: string }): Promise<void> {
  const result = await build({
    entryPoints: [name in SHARED_PACKAGES ? require.resolve(SHARED_PACKAGES[name]!) : join(src, ENTRIES[name]!)],
    outfile: join(dist, `${name}.cjs`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import() of another bundle becomes a lazy require(): node's ES module loader would add milliseconds.
    supported: { 'dynamic-import': false },
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // root.ts finds the package from its own location: in a bundle, the bundle's.
    banner: { js: 'var __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__import_meta_url', CP_PLAN_BUNDLED: 'true', CP_PLAN_PRERENDERED: prerendered ? JSON.stringify(prerendered) : 'undefined' },
    plugins: [linkEntries(name), lazyChildProcess, chalkWithoutDetection(name)],
  });
  for (const input of Object.keys((result.metafile as Metafile).inputs)) inputs.add(input);
}
await Promise.all([...Object.keys(ENTRIES), ...Object.keys(SHARED_PACKAGES)].map((name) => bundle(name)));

// 3. The pre-rendered answers, from the program just built.
const run = (arg: string) => {
  const r = spawnSync(process.execPath, [join(dist, 'cli.cjs'), arg], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } });
  if (r.status !== 0 || r.stderr !== '') throw new Error(`build: cp-plan ${arg} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
};
await bundle('cli', { help: run('--help'), version: run('--version') });

// 4. V8's code cache of each bundle, from a plain node process (flags must match a normal run's).
const trained = spawnSync(process.execPath, [join(root, 'scripts', 'code-cache.mjs')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
if (trained.status !== 0) throw new Error(`build: code cache failed: ${trained.stderr}`);

// 5. Licences of what was bundled from node_modules.
const packages = new Map<string, string>();
for (const input of inputs) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!match) continue;
  const dir = join(root, match[1]!);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
  const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : `License: ${pkg.license ?? 'unknown'}`;
  packages.set(`${pkg.name}@${pkg.version}`, text);
}
const notices = [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([id, text]) => `${id}\n${'-'.repeat(id.length)}\n${text}\n`);
writeFileSync(join(dist, 'THIRD-PARTY-LICENSES.txt'), `cp-plan bundles these packages into dist/:\n\n${notices.join('\n')}`);

const files = readdirSync(dist)
  .filter((f) => f !== 'presets')
  .sort();
const size = (f: string) => readFileSync(join(dist, f)).length;
console.log(
  `build: ${files.length} files in ${relative(process.cwd(), dist) || 'dist'}/ (${files.map((f) => `${f} ${(size(f) / 1024).toFixed(0)}K`).join(', ')})`,
);
if (!existsSync(join(dirname(dist), 'bin', 'cp-plan.cjs'))) throw new Error('build: bin/cp-plan.cjs is missing');
