import { z } from 'zod';
import { InputError } from '../errors.js';
import { checkFileSchema } from '../schema/check-file.js';
import { clusterPresetSchema } from '../schema/cluster-preset.js';
import { collectivesPresetSchema } from '../schema/collectives-preset.js';
import { measurementsFileSchema } from '../schema/measurements.js';
import { collectiveMeasurementsFileSchema } from '../schema/collective-measurements.js';
import { modelPresetSchema } from '../schema/model-preset.js';
import { enginePresetSchema } from '../schema/engine-preset.js';
import { externalFileSchema } from '../schema/external-measurements.js';
import { gpuPresetSchema } from '../schema/gpu-preset.js';
import { kernelsPresetSchema } from '../schema/kernels-preset.js';
import { servingFileSchema } from '../schema/serving-measurements.js';
import { workloadFileSchema } from '../schema/workload.js';
import { SCHEMA_KINDS, type SchemaKind } from '../schema/kinds.js';
import type { CommandResult } from './result.js';

/** The JSON Schema of each file cp-plan reads, generated from its zod schema (what the user writes: input types). */
export const SCHEMAS: Record<SchemaKind, z.ZodType> = {
  model: modelPresetSchema,
  cluster: clusterPresetSchema,
  gpu: gpuPresetSchema,
  engine: enginePresetSchema,
  kernels: kernelsPresetSchema,
  collectives: collectivesPresetSchema,
  measurements: measurementsFileSchema,
  'collective-measurements': collectiveMeasurementsFileSchema,
  'external-measurements': externalFileSchema,
  'serving-measurements': servingFileSchema,
  workload: workloadFileSchema,
  check: checkFileSchema,
};

export function jsonSchemaOf(kind: SchemaKind): string {
  return JSON.stringify(z.toJSONSchema(SCHEMAS[kind], { io: 'input', unrepresentable: 'any' }), null, 2) + '\n';
}

export function runSchema(kind: string): CommandResult {
  if (!(SCHEMA_KINDS as readonly string[]).includes(kind)) throw new InputError(`schema: unknown file kind '${kind}'; choose ${SCHEMA_KINDS.join(', ')}`);
  return { stdout: jsonSchemaOf(kind as SchemaKind), stderr: [], exitCode: 0 };
}
