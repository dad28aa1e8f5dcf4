import { readdirSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import type { ClusterSpec, ModelSpec } from '../model/types.js';
import { clusterPresetSchema, type ClusterPreset } from '../schema/cluster-preset.js';
import { modelPresetSchema, type ModelPreset } from '../schema/model-preset.js';
import { closestNames } from './closest.js';
import { clusterSpecFromPreset, modelSpecFromPreset } from './convert.js';
import { readYamlFile } from './read-yaml.js';

export type PresetKind = 'model' | 'cluster';

/** Built-in presets ship with the package, beside dist/: found from this file, never the cwd. */
const PRESETS_DIR = fileURLToPath(new URL('../../presets/', import.meta.url));
const FOLDER: Record<PresetKind, string> = { model: 'models', cluster: 'clusters' };

/** Whether a path points into the package's own presets (which must never be overwritten). */
export function isInsideBuiltinPresets(path: string): boolean {
  const rel = relative(PRESETS_DIR, resolve(path));
  return !rel.startsWith('..') && !isAbsolute(rel);
}

export function builtinNames(kind: PresetKind): string[] {
  return readdirSync(PRESETS_DIR + FOLDER[kind])
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** A name with a slash or a .yaml/.yml ending is a path to the user's own file. */
export function isPath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.ya?ml$/i.test(ref);
}

interface Located {
  file: string;
  /** How error messages name the file. */
  label: string;
  builtin: boolean;
}

function locate(kind: PresetKind, ref: string): Located {
  if (isPath(ref)) {
    const label = isAbsolute(ref) ? ref : relative(process.cwd(), ref) || ref;
    return { file: ref, label, builtin: false };
  }
  const names = builtinNames(kind);
  if (!names.includes(ref)) {
    const other: PresetKind = kind === 'model' ? 'cluster' : 'model';
    if (builtinNames(other).includes(ref)) {
      throw new InputError(`'${ref}' is a ${other} preset, not a ${kind}; pass it as --${other} ${ref}`);
    }
    const near = closestNames(ref, names);
    throw new InputError(
      `unknown ${kind} '${ref}'; did you mean ${near.map((n) => `'${n}'`).join(', ')}? ('cp-plan presets list' shows all; a path to a .yaml file also works)`,
    );
  }
  const file = `${PRESETS_DIR}${FOLDER[kind]}/${ref}.yaml`;
  return { file, label: `presets/${FOLDER[kind]}/${ref}.yaml`, builtin: true };
}

export interface LoadedModel {
  spec: ModelSpec;
  preset: ModelPreset;
  file: string;
  builtin: boolean;
}

export interface LoadedCluster {
  spec: ClusterSpec;
  preset: ClusterPreset;
  file: string;
  builtin: boolean;
}

export function loadModel(ref: string): LoadedModel {
  const where = locate('model', ref);
  const { data } = readYamlFile(where.file, where.label, modelPresetSchema, (raw) =>
    'gpu' in raw && !('layers' in raw) ? 'this is a cluster file (it has a gpu block), not a model; pass it as --cluster' : undefined,
  );
  return { spec: modelSpecFromPreset(data), preset: data, file: where.label, builtin: where.builtin };
}

export function loadCluster(ref: string): LoadedCluster {
  const where = locate('cluster', ref);
  const { data } = readYamlFile(where.file, where.label, clusterPresetSchema, (raw) =>
    'layers' in raw && !('gpu' in raw) ? 'this is a model file (it has layers), not a cluster; pass it as --model' : undefined,
  );
  return { spec: clusterSpecFromPreset(data), preset: data, file: where.label, builtin: where.builtin };
}

/** Where a preset's file is: a built-in's path inside the package, or the user's path as given. */
export function presetFile(kind: PresetKind, ref: string): string {
  return locate(kind, ref).file;
}
