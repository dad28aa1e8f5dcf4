import type { LoadedCluster, LoadedModel } from '../presets/catalog.js';

/** Which presets a result came from, and where their figures come from. */
export function presetsLine(model: LoadedModel, cluster: LoadedCluster): string {
  return `Presets: ${model.spec.name} (${model.file}; ${model.spec.source}), ${cluster.spec.name} (${cluster.file}; ${cluster.spec.source})`;
}

export function presetsJson(model: LoadedModel, cluster: LoadedCluster) {
  return {
    model: { name: model.spec.name, source: model.spec.source, file: model.file },
    cluster: { name: cluster.spec.name, source: cluster.spec.source, file: cluster.file },
  };
}
