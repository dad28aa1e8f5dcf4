import type { CollectiveLibrary } from '../model/types.js';
import { clusterPresetSchema } from '../schema/cluster-preset.js';
import { collectivesPresetSchema } from '../schema/collectives-preset.js';
import { modelPresetSchema } from '../schema/model-preset.js';
import type { LoadedCluster, LoadedCollectives, LoadedModel } from './catalog.js';
import { clusterSpecFromPreset, collectivesFromPreset, modelSpecFromPreset } from './convert.js';
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
  if (out && 'bandwidthPerDirectionGBps' in out) return "scaleOut.bandwidthPerDirectionGBps is now bandwidthPerNicGBps (per NIC; topology.nicsPerNode says how many); see 'cp-plan presets show h100-ib'";
  if (overhead && 'ringStepUs' in overhead) return "overhead.ringStepUs was replaced by attentionKernelUs, cpDecodeLayerUs and allToAllSetupUs; see 'cp-plan presets show gtt'";
  return undefined;
}

export function readCollectivesFile(file: string, label: string, builtin = false): LoadedCollectives {
  const { data } = readYamlFile(file, label, collectivesPresetSchema);
  return { spec: collectivesFromPreset(data), preset: data, file: label, builtin };
}

export function readClusterFile(file: string, label: string, builtin: boolean, library: (name: string) => CollectiveLibrary): LoadedCluster {
  const { data } = readYamlFile(file, label, clusterPresetSchema, (raw) =>
    'layers' in raw && !('gpu' in raw) ? 'this is a model file (it has layers), not a cluster; pass it as --model' : oldClusterKeys(raw),
  );
  return { spec: clusterSpecFromPreset(data, library(data.topology.collectives)), preset: data, file: label, builtin };
}
