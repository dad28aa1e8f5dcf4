import { dirname, isAbsolute, join, relative } from 'node:path';
import { servingFileSchema, type ServingRun } from '../schema/serving-measurements.js';
import { PACKAGE_ROOT } from '../root.js';
import { measurementsFileSchema, type MeasurementsFile } from '../schema/measurements.js';
import { existsSync, readdirSync } from 'node:fs';
import { externalFileSchema, type ExternalRow } from '../schema/external-measurements.js';
import { collectiveMeasurementsFileSchema, type CollectiveMeasurementsFile } from '../schema/collective-measurements.js';
import { isPath } from './catalog.js';
import { readYamlFile } from './read-yaml.js';

/** The paper's measurements, shipped with the package beside presets/. */
export const PAPER_MEASUREMENTS = join(PACKAGE_ROOT, 'validation', 'paper-measurements.yaml');

export interface LoadedMeasurements {
  data: MeasurementsFile;
  /** How messages and reports name the file. */
  label: string;
  /** Its path on disk. */
  file: string;
}

/** Reads and validates a measurements file (the shipped paper data when `file` is undefined). */
export function loadMeasurements(file?: string): LoadedMeasurements {
  const path = file ?? PAPER_MEASUREMENTS;
  const label = file === undefined ? 'validation/paper-measurements.yaml' : isAbsolute(file) ? file : relative(process.cwd(), file) || file;
  const { data } = readYamlFile(path, label, measurementsFileSchema);
  // A relative preset path in the file means relative to the file, not to the working directory.
  const near = (ref: string | undefined) => (ref !== undefined && isPath(ref) && !isAbsolute(ref) ? join(dirname(path), ref) : ref);
  return { data: { ...data, model: near(data.model)!, cluster: near(data.cluster), engine: near(data.engine) }, label, file: path };
}

/** The shipped nccl-tests results, one file per GPU family (validation/collectives-*.yaml). */
export function shippedCollectiveFiles(): string[] {
  const dir = join(PACKAGE_ROOT, 'validation');
  return readdirSync(dir)
    .filter((f) => /^collectives-.*\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export interface LoadedCollectiveMeasurements {
  data: CollectiveMeasurementsFile;
  label: string;
  file: string;
}

/** Reads a collective measurements file; a series' relative cluster path is relative to the file. */
export function loadCollectiveMeasurements(path: string, label: string): LoadedCollectiveMeasurements {
  const { data } = readYamlFile(path, label, collectiveMeasurementsFileSchema);
  const near = (ref: string) => (isPath(ref) && !isAbsolute(ref) ? join(dirname(path), ref) : ref);
  return { data: { ...data, series: data.series.map((s) => ({ ...s, cluster: near(s.cluster) })) }, label, file: path };
}

/** How a shipped file is named in reports. */
export function shippedLabel(path: string): string {
  return relative(PACKAGE_ROOT, path);
}

/** The shipped external validation set (validation/external.yaml), if the package has one. */
export const EXTERNAL_MEASUREMENTS = join(PACKAGE_ROOT, 'validation', 'external.yaml');

export interface LoadedExternalMeasurements {
  data: { source: string; rows: ExternalRow[] };
  label: string;
  file: string;
}

export function loadExternalMeasurements(path: string, label: string): LoadedExternalMeasurements {
  const { data } = readYamlFile(path, label, externalFileSchema);
  return { data, label, file: path };
}

export const SERVING_MEASUREMENTS = join(PACKAGE_ROOT, 'validation', 'serving.yaml');

export interface LoadedServingMeasurements {
  data: { servingRuns: ServingRun[] };
  label: string;
}

export function loadServingMeasurements(path: string, label: string): LoadedServingMeasurements {
  const { data } = readYamlFile(path, label, servingFileSchema);
  return { data, label };
}

export function shippedServing(): LoadedServingMeasurements | null {
  return existsSync(SERVING_MEASUREMENTS) ? loadServingMeasurements(SERVING_MEASUREMENTS, shippedLabel(SERVING_MEASUREMENTS)) : null;
}

export function shippedExternal(): LoadedExternalMeasurements | null {
  return existsSync(EXTERNAL_MEASUREMENTS) ? loadExternalMeasurements(EXTERNAL_MEASUREMENTS, shippedLabel(EXTERNAL_MEASUREMENTS)) : null;
}
