/** The files cp-plan reads that have a JSON Schema (`cp-plan schema KIND`, schema/KIND.json). */
export const SCHEMA_KINDS = [
  'model',
  'cluster',
  'gpu',
  'engine',
  'kernels',
  'collectives',
  'measurements',
  'collective-measurements',
  'external-measurements',
  'serving-measurements',
  'workload',
  'check',
] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];
