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

/** The head of a serving or fleet JSON document: schema version, generator, model, cluster and engine. */
export function documentHead(version: string, schemaVersion: number, model: LoadedModel, cluster: DeployedCluster) {
  return {
    schemaVersion,
    generator: { name: 'cp-plan', version },
    model: { name: model.spec.name, file: model.file },
    cluster: { name: cluster.spec.name, file: cluster.file },
    engine: cluster.spec.engine.name,
  };
}
