import { z } from 'zod';
import { InputError } from '../errors.js';
import { checkFileSchema } from '../schema/check-file.js';
import { clusterPresetSchema } from '../schema/cluster-preset.js';
import { measurementsFileSchema } from '../schema/measurements.js';
import { modelPresetSchema } from '../schema/model-preset.js';
import type { CommandResult } from './result.js';

/** The JSON Schema of each file cp-plan reads, generated from its zod schema (what the user writes: input types). */
export const SCHEMAS = {
  model: modelPresetSchema,
  cluster: clusterPresetSchema,
  measurements: measurementsFileSchema,
  check: checkFileSchema,
} as const;

export function jsonSchemaOf(kind: keyof typeof SCHEMAS): string {
  return JSON.stringify(z.toJSONSchema(SCHEMAS[kind], { io: 'input', unrepresentable: 'any' }), null, 2) + '\n';
}

export function runSchema(kind: string): CommandResult {
  if (!(kind in SCHEMAS)) throw new InputError(`schema: unknown file kind '${kind}'; choose ${Object.keys(SCHEMAS).join(', ')}`);
  return { stdout: jsonSchemaOf(kind as keyof typeof SCHEMAS), stderr: [], exitCode: 0 };
}
