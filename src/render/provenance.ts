import type { ClusterSpec } from '../model/types.js';
import type { DeployedCluster, LoadedModel } from '../presets/catalog.js';

/** Which presets a result came from, and where their figures come from. */
export function presetsLine(model: LoadedModel, cluster: DeployedCluster): string {
  const gpu = cluster.spec.gpu;
  return (
    `Presets: ${model.spec.name} (${model.file}; ${model.spec.source}), ${cluster.spec.name} (${cluster.file}; ${cluster.spec.source}), ` +
    `GPU ${gpu.preset} (kernel table ${gpu.kernels.name}, ${gpu.kernels.provenance}), engine ${cluster.engine.preset.name} (${cluster.engine.file})`
  );
}

export function presetsJson(model: LoadedModel, cluster: DeployedCluster) {
  return {
    model: { name: model.spec.name, source: model.spec.source, file: model.file },
    cluster: { name: cluster.spec.name, source: cluster.spec.source, file: cluster.file },
    gpu: { name: cluster.spec.gpu.preset, kernelTable: cluster.spec.gpu.kernels.name, kernelProvenance: cluster.spec.gpu.kernels.provenance },
    engine: { name: cluster.engine.preset.name, source: cluster.engine.preset.source, file: cluster.engine.file },
  };
}

/** Who wrote a JSON document: the same object in every command's output. */
export function generatorOf(version: string) {
  return { name: 'cp-plan', version };
}

/** The model as every JSON document names it (estimate adds its sizes and architecture). */
export function modelRef(model: { name: string; displayName: string; source: string }, file: string) {
  return { name: model.name, displayName: model.displayName, source: model.source, file };
}

/** The cluster as every JSON document names it. */
export function clusterRef(cluster: ClusterSpec, file: string) {
  return {
    name: cluster.name,
    displayName: cluster.displayName,
    source: cluster.source,
    file,
    gpu: cluster.gpu.name,
    gpuPreset: cluster.gpu.preset,
    kernelTable: cluster.gpu.kernels.name,
    gpusPerNode: cluster.gpusPerNode,
  };
}

/** The head of a JSON document: schema version, generator, model, cluster and engine, the same shape everywhere. */
export function documentHead(version: string, schemaVersion: number, model: LoadedModel, cluster: DeployedCluster) {
  return {
    schemaVersion,
    generator: generatorOf(version),
    model: modelRef(model.spec, model.file),
    cluster: clusterRef(cluster.spec, cluster.file),
    engine: cluster.spec.engine.name,
  };
}
