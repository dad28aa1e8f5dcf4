import { fileURLToPath } from 'node:url';
import { isAbsolute, relative } from 'node:path';
import { measurementsFileSchema, type MeasurementsFile } from '../schema/measurements.js';
import { readYamlFile } from './read-yaml.js';

/** The paper's measurements, shipped with the package beside presets/. */
export const PAPER_MEASUREMENTS = fileURLToPath(new URL('../../validation/paper-measurements.yaml', import.meta.url));

export interface LoadedMeasurements {
  data: MeasurementsFile;
  /** How messages and reports name the file. */
  label: string;
}

/** Reads and validates a measurements file (the shipped paper data when `file` is undefined). */
export function loadMeasurements(file?: string): LoadedMeasurements {
  const path = file ?? PAPER_MEASUREMENTS;
  const label = file === undefined ? 'validation/paper-measurements.yaml' : isAbsolute(file) ? file : relative(process.cwd(), file) || file;
  return { data: readYamlFile(path, label, measurementsFileSchema).data, label };
}
