import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { CollectiveLibrary, GpuSpec } from '../model/types.js';
import { clusterPresetSchema } from '../schema/cluster-preset.js';
import { collectivesPresetSchema } from '../schema/collectives-preset.js';
import { enginePresetSchema } from '../schema/engine-preset.js';
import { gpuPresetSchema, type GpuPreset } from '../schema/gpu-preset.js';
import { kernelsPresetSchema, type KernelsPreset } from '../schema/kernels-preset.js';
import { modelPresetSchema } from '../schema/model-preset.js';
import type { LoadedCluster, LoadedCollectives, LoadedEngine, LoadedGpu, LoadedKernels, LoadedModel } from './catalog.js';
import { clusterSpecFromPreset, collectivesFromPreset, gpuSpecFromPreset, modelSpecFromPreset } from './convert.js';
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

/** Cluster files written before the topology-aware collectives (cp-plan 0.1) have keys that no longer exist: say what replaced them. */
function oldClusterKeys(raw: Record<string, unknown>): string | undefined {
  const up = raw.scaleUp as Record<string, unknown> | undefined;
  const out = raw.scaleOut as Record<string, unknown> | undefined;
  const overhead = raw.overhead as Record<string, unknown> | undefined;
  if ((up && ('latencyUs' in up || 'hopLatencyUs' in up)) || (out && ('latencyUs' in out || 'hopLatencyUs' in out))) {
    return "scaleUp/scaleOut latencyUs and hopLatencyUs were replaced: NCCL's latencies now come from presets/collectives/nccl.yaml and extraLatencyUs holds what was measured beyond them; see 'cp-plan presets show h100-ib'";
  }
  if (out && 'bandwidthPerDirectionGBps' in out)
    return "scaleOut.bandwidthPerDirectionGBps is now bandwidthPerNicGBps (per NIC; topology.nicsPerNode says how many); see 'cp-plan presets show h100-ib'";
  if (overhead && 'ringStepUs' in overhead)
    return "overhead.ringStepUs was replaced by attentionKernelUs, cpDecodeLayerUs and allToAllSetupUs; see 'cp-plan presets show gtt'";
  if (typeof raw.gpu === 'object' && raw.gpu !== null) {
    return "gpu: now names a GPU preset (cp-plan presets list --kind gpu) or a GPU file; move the figures into a GPU file (see 'cp-plan presets show gpu/h100-sxm')";
  }
  const efficiency = raw.efficiency as Record<string, unknown> | undefined;
  if (efficiency && ('gemmFractionOfPeak' in efficiency || 'attentionFractionOfPeak' in efficiency || 'hbmFractionOfPeak' in efficiency)) {
    return "efficiency.gemm/attention/hbmFractionOfPeak were replaced: kernel efficiency comes from the GPU's measured tables (presets/kernels/) and a fit of your own goes in calibration.gemmEfficiencyScale/attentionEfficiencyScale; see 'cp-plan presets show gtt'";
  }
  if (overhead || 'memory' in raw) {
    return "overhead and memory moved to the engine presets (presets/engines/, --engine); a fit of your own goes in calibration.overhead; see 'cp-plan presets show gtt'";
  }
  return undefined;
}

export function readCollectivesFile(file: string, label: string, builtin = false): LoadedCollectives {
  const { data } = readYamlFile(file, label, collectivesPresetSchema);
  return { spec: collectivesFromPreset(data), preset: data, file: label, builtin };
}

/**
 * A cluster file. `gpuOf` resolves its `gpu:` reference: a built-in GPU preset
 * by name, or a GPU file by path (relative to the cluster file's directory).
 * An `engine:` path is likewise made relative to the cluster file's directory.
 */
export function readClusterFile(
  file: string,
  label: string,
  builtin: boolean,
  library: (name: string) => CollectiveLibrary,
  gpuOf: (ref: string, baseDir: string) => GpuSpec,
): LoadedCluster {
  const { data } = readYamlFile(file, label, clusterPresetSchema, (raw) =>
    'layers' in raw && !('gpu' in raw) ? 'this is a model file (it has layers), not a cluster; pass it as --model' : oldClusterKeys(raw),
  );
  const baseDir = dirname(resolve(file));
  const spec = clusterSpecFromPreset(data, library(data.topology.collectives), gpuOf(data.gpu, baseDir));
  if (isEnginePath(spec.defaultEngine) && !isAbsolute(spec.defaultEngine)) spec.defaultEngine = join(baseDir, spec.defaultEngine);
  return { spec, preset: data, file: label, builtin };
}

/** As catalog's isPath (not imported: catalog loads this module lazily). */
function isEnginePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.ya?ml$/i.test(ref);
}

/** A kernel table (presets/kernels/), validated. */
export function readKernelsFile(file: string, label: string, builtin = false): LoadedKernels {
  const { data } = readYamlFile(file, label, kernelsPresetSchema);
  return { preset: data, file: label, builtin };
}

/** A GPU file: its kernel table (and the GPU preset the table was measured on) are resolved by `tableOf`. */
export function readGpuFile(
  file: string,
  label: string,
  builtin: boolean,
  tableOf: (name: string) => { table: KernelsPreset; measuredOn: GpuPreset },
): LoadedGpu {
  const { data } = readYamlFile(file, label, gpuPresetSchema, (raw) =>
    'gpusPerNode' in raw ? 'this is a cluster file (it has gpusPerNode), not a GPU; pass it as --cluster' : undefined,
  );
  let resolved: { table: KernelsPreset; measuredOn: GpuPreset };
  try {
    resolved = tableOf(data.kernels.table);
  } catch (error) {
    // "unknown kernel table 'x'" alone does not say which file names it.
    throw error instanceof InputError ? new InputError(`${label}: kernels.table: ${error.message}`) : error;
  }
  const { table, measuredOn } = resolved;
  return { spec: gpuSpecFromPreset(data, table, measuredOn), preset: data, file: label, builtin };
}

/** An engine file (presets/engines/). */
export function readEngineFile(file: string, label: string, builtin = false): LoadedEngine {
  const { data } = readYamlFile(file, label, enginePresetSchema);
  return { preset: data, file: label, builtin };
}
