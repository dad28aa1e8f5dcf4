import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { CpPlanError, EXIT_INTERNAL, InputError, printable } from '../errors.js';
import type { ClusterHardware, ClusterSpec, CollectiveLibrary, GpuSpec, ModelSpec } from '../model/types.js';
import { COMPILED_PRESETS_DIR, PACKAGE_ROOT } from '../root.js';
import type { ClusterPreset } from '../schema/cluster-preset.js';
import type { CollectivesPreset } from '../schema/collectives-preset.js';
import type { EnginePreset } from '../schema/engine-preset.js';
import type { GpuPreset } from '../schema/gpu-preset.js';
import type { KernelsPreset } from '../schema/kernels-preset.js';
import type { ModelPreset } from '../schema/model-preset.js';
import { closestNames } from './closest.js';
import { deploy } from './deploy.js';

export type PresetKind = 'model' | 'cluster' | 'collectives' | 'gpu' | 'kernels' | 'engine';

/** Built-in presets ship with the package: found from the package root, never the cwd. */
const PRESETS_DIR = join(PACKAGE_ROOT, 'presets');
const FOLDER = { model: 'models', cluster: 'clusters', collectives: 'collectives', gpu: 'gpus', kernels: 'kernels', engine: 'engines' } as const;
/** The kinds a user names on the command line (--model, --cluster, --engine) or in `presets show KIND/NAME`. */
export const USER_KINDS = ['model', 'cluster', 'engine', 'gpu'] as const;

export interface LoadedModel {
  spec: ModelSpec;
  preset: ModelPreset;
  /** How messages name the file: presets/models/NAME.yaml, or the user's path. */
  file: string;
  builtin: boolean;
}

export interface LoadedCluster {
  /** The hardware; deploy() adds the engine. */
  spec: ClusterHardware;
  preset: ClusterPreset;
  file: string;
  builtin: boolean;
}

export interface LoadedCollectives {
  spec: CollectiveLibrary;
  preset: CollectivesPreset;
  file: string;
  builtin: boolean;
}

/** A cluster preset with the engine chosen for it: the spec every estimate runs on. */
export type DeployedCluster = Omit<LoadedCluster, 'spec'> & { spec: ClusterSpec; engine: LoadedEngine };

export interface LoadedGpu {
  spec: GpuSpec;
  preset: GpuPreset;
  file: string;
  builtin: boolean;
}

export interface LoadedKernels {
  preset: KernelsPreset;
  file: string;
  builtin: boolean;
}

export interface LoadedEngine {
  preset: EnginePreset;
  file: string;
  builtin: boolean;
}

/** dist/presets/index.json: the names of the built-in presets the build compiled. */
export type CompiledIndex = Record<(typeof FOLDER)[PresetKind], string[]>;

let index: CompiledIndex | undefined;

/** True in the build's bundles; absent when run from source (tsx), where the build's output may be stale. */
declare const CP_PLAN_BUNDLED: boolean | undefined;

const INDEX_FILE = join(COMPILED_PRESETS_DIR, 'index.json');

/**
 * The built-in presets, as the build left them: each already validated and
 * converted (dist/presets/<kind>/<name>.json), so a run parses no YAML and
 * loads no schema, and reads only the presets it uses.
 */
function builtinIndex(): CompiledIndex {
  if (index) return index;
  let text: string;
  try {
    text = readFileSync(INDEX_FILE, 'utf8');
  } catch {
    throw new CpPlanError(`the built-in presets are not compiled (${relative(process.cwd(), INDEX_FILE)} is missing); run npm run build`, EXIT_INTERNAL);
  }
  if (typeof CP_PLAN_BUNDLED === 'undefined') assertNotStale();
  index = JSON.parse(text) as CompiledIndex;
  return index;
}

function readCompiled<T>(kind: PresetKind, name: string): T {
  return JSON.parse(readFileSync(join(COMPILED_PRESETS_DIR, FOLDER[kind], `${name}.json`), 'utf8')) as T;
}

/** From source: a preset edited after the last build would be silently ignored, so refuse instead. */
function assertNotStale(): void {
  const built = statSync(INDEX_FILE).mtimeMs;
  for (const folder of Object.values(FOLDER)) {
    for (const file of readdirSync(join(PRESETS_DIR, folder))) {
      if (file.endsWith('.yaml') && statSync(join(PRESETS_DIR, folder, file)).mtimeMs > built) {
        throw new CpPlanError(`presets/${folder}/${file} changed after the last build (dist/presets/); run npm run build`, EXIT_INTERNAL);
      }
    }
  }
}

/** Whether a path points into the package's own presets (which must never be overwritten). */
export function isInsideBuiltinPresets(path: string): boolean {
  const rel = relative(PRESETS_DIR, resolve(path));
  return !rel.startsWith('..') && !isAbsolute(rel);
}

export function builtinNames(kind: PresetKind): string[] {
  return [...builtinIndex()[FOLDER[kind]]].sort();
}

/** A name with a slash or a .yaml/.yml ending is a path to the user's own file. */
export function isPath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.ya?ml$/i.test(ref);
}

/** How messages name a user's file: as given, relative to the cwd. */
function userLabel(ref: string): string {
  return isAbsolute(ref) ? ref : relative(process.cwd(), ref) || ref;
}

/** "a gpu", "an engine". */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** Throws the one-line "unknown preset" error, with the closest names, unless `name` is built in. */
function assertBuiltin(kind: PresetKind, name: string): void {
  const names = builtinNames(kind);
  if (names.includes(name)) return;
  const flag: Partial<Record<PresetKind, string>> = { model: '--model', cluster: '--cluster', engine: '--engine' };
  const other = (['model', 'cluster', 'engine', 'gpu'] as const).find((k) => k !== kind && builtinNames(k).includes(name));
  if (other && flag[kind]) {
    const how = flag[other] ? `pass it as ${flag[other]} ${name}` : `a cluster names its GPU (gpu: ${name})`;
    throw new InputError(`'${name}' is ${withArticle(other)} preset, not ${withArticle(kind)}; ${how}`);
  }
  if (kind === 'kernels') throw new InputError(`unknown kernel table '${printable(name)}'; built in: ${names.join(', ')}`);
  const near = closestNames(name, names);
  throw new InputError(
    `unknown ${kind} '${name}'; did you mean ${near.map((n) => `'${n}'`).join(', ')}? ('cp-plan presets list' shows all; a path to a .yaml file also works)`,
  );
}

/** A built-in model preset by name (synchronous: no file of the user's is read). */
export function builtinModel(name: string): LoadedModel {
  assertBuiltin('model', name);
  return readCompiled<LoadedModel>('model', name);
}

export function builtinCluster(name: string): LoadedCluster {
  assertBuiltin('cluster', name);
  return readCompiled<LoadedCluster>('cluster', name);
}

export function builtinGpu(name: string): LoadedGpu {
  assertBuiltin('gpu', name);
  return readCompiled<LoadedGpu>('gpu', name);
}

export function builtinKernels(name: string): LoadedKernels {
  assertBuiltin('kernels', name);
  return readCompiled<LoadedKernels>('kernels', name);
}

export function builtinEngine(name: string): LoadedEngine {
  assertBuiltin('engine', name);
  return readCompiled<LoadedEngine>('engine', name);
}

/** A built-in collective library's cost model (presets/collectives/), as a cluster's topology names it. */
export function builtinCollectives(name: string): LoadedCollectives {
  if (!builtinNames('collectives').includes(name)) {
    throw new InputError(`unknown collective library '${name}'; built in: ${builtinNames('collectives').join(', ')} (topology.collectives in a cluster file)`);
  }
  return readCompiled<LoadedCollectives>('collectives', name);
}

/** A model preset by built-in name or by the path of the user's YAML file. */
export async function loadModel(ref: string): Promise<LoadedModel> {
  if (!isPath(ref)) return builtinModel(ref);
  const { readModelFile } = await import('./user-preset.js');
  return readModelFile(ref, userLabel(ref));
}

export async function loadCluster(ref: string): Promise<LoadedCluster> {
  if (!isPath(ref)) return builtinCluster(ref);
  const user = await import('./user-preset.js');
  return user.readClusterFile(
    ref,
    userLabel(ref),
    false,
    (name) => builtinCollectives(name).spec,
    (gpu, baseDir) => gpuFor(gpu, baseDir, user),
  );
}

/** A cluster's `gpu:` reference: a built-in GPU by name, or a GPU file relative to the cluster file. */
function gpuFor(ref: string, baseDir: string, user: typeof import('./user-preset.js')): GpuSpec {
  if (!isPath(ref)) return builtinGpu(ref).spec;
  const file = isAbsolute(ref) ? ref : join(baseDir, ref);
  return user.readGpuFile(file, userLabel(file), false, kernelTableFor).spec;
}

/**
 * A GPU file's `kernels.table`: a built-in kernel table, with the GPU preset it was measured on (each table is
 * named after that GPU). The caller prefixes the GPU file and key to an error.
 */
function kernelTableFor(name: string): { table: KernelsPreset; measuredOn: GpuPreset } {
  return { table: builtinKernels(name).preset, measuredOn: builtinGpu(name).preset };
}

export async function loadEngine(ref: string): Promise<LoadedEngine> {
  if (!isPath(ref)) return builtinEngine(ref);
  const { readEngineFile } = await import('./user-preset.js');
  return readEngineFile(ref, userLabel(ref));
}

export async function loadGpu(ref: string): Promise<LoadedGpu> {
  if (!isPath(ref)) return builtinGpu(ref);
  const { readGpuFile } = await import('./user-preset.js');
  return readGpuFile(ref, userLabel(ref), false, kernelTableFor);
}

/** A kernel table (presets/kernels/) by built-in name or by the path of the user's YAML file. */
export async function loadKernels(ref: string): Promise<LoadedKernels> {
  if (!isPath(ref)) return builtinKernels(ref);
  const { readKernelsFile } = await import('./user-preset.js');
  return readKernelsFile(ref, userLabel(ref));
}

/**
 * A cluster with its engine (--engine, else the cluster's default): what every
 * estimate runs on. The engine's constants are those for the cluster's GPU
 * generation, with the cluster's calibration when it was fitted with this engine.
 */
export async function loadDeployment(clusterRef: string, engineRef?: string): Promise<{ cluster: LoadedCluster; engine: LoadedEngine; spec: ClusterSpec }> {
  const cluster = await loadCluster(clusterRef);
  // A user's cluster file has its engine: path made relative to the file already (readClusterFile).
  const engine = await loadEngine(engineRef ?? cluster.spec.defaultEngine);
  await assertCalibrationEngine(cluster, engine.preset.name);
  return { cluster, engine, spec: deploy(cluster.spec, engine.preset, engineRef === undefined ? 'default' : 'chosen') };
}

/**
 * A calibration applies only when the engine it names runs, so a name cp-plan cannot find (a typo such as
 * meta_cp) would drop it without a word: refuse it. Known are the built-in engines, the engine in use and
 * the engine file the cluster names as its default.
 */
async function assertCalibrationEngine(cluster: LoadedCluster, inUse: string): Promise<void> {
  const named = cluster.spec.calibration?.engine;
  if (named === undefined || named === inUse) return;
  const builtins = builtinNames('engine');
  if (builtins.includes(named)) return;
  const byDefault = cluster.spec.defaultEngine;
  if (isPath(byDefault)) {
    try {
      if ((await loadEngine(byDefault)).preset.name === named) return;
    } catch {
      // An unreadable default engine file is reported when it is used; here it just names no engine.
    }
  }
  throw new InputError(
    `${cluster.file}: calibration.engine '${printable(named)}' is not a known engine, so the calibration would never apply; ` +
      `known engines: ${builtins.join(', ')} (or the name: of your own engine file, given with --engine)`,
  );
}

/** Where a preset's file is: a built-in's path inside the package, or the user's path as given. */
export function presetFile(kind: PresetKind, ref: string): string {
  if (isPath(ref)) return ref;
  assertBuiltin(kind, ref);
  return join(PRESETS_DIR, FOLDER[kind], `${ref}.yaml`);
}

/** The file of a built-in preset as messages name it. */
export function builtinLabel(kind: PresetKind, name: string): string {
  return `presets/${FOLDER[kind]}/${name}.yaml`;
}
