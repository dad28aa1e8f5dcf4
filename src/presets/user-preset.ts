import { clusterPresetSchema } from '../schema/cluster-preset.js';
import { modelPresetSchema } from '../schema/model-preset.js';
import type { LoadedCluster, LoadedModel } from './catalog.js';
import { clusterSpecFromPreset, modelSpecFromPreset } from './convert.js';
import { readYamlFile } from './read-yaml.js';

/**
 * Reading a preset YAML file: parse, validate against the strict schema, convert
 * to SI units. The build runs this on every built-in preset (dist/presets/);
 * at run time it is loaded only when a user names a file, because yaml and zod
 * are the most expensive modules cp-plan has to load.
 */
export function readModelFile(file: string, label: string, builtin = false): LoadedModel {
  const { data } = readYamlFile(file, label, modelPresetSchema, (raw) =>
    'gpu' in raw && !('layers' in raw) ? 'this is a cluster file (it has a gpu block), not a model; pass it as --cluster' : undefined,
  );
  return { spec: modelSpecFromPreset(data), preset: data, file: label, builtin };
}

export function readClusterFile(file: string, label: string, builtin = false): LoadedCluster {
  const { data } = readYamlFile(file, label, clusterPresetSchema, (raw) =>
    'layers' in raw && !('gpu' in raw) ? 'this is a model file (it has layers), not a cluster; pass it as --model' : undefined,
  );
  return { spec: clusterSpecFromPreset(data), preset: data, file: label, builtin };
}
