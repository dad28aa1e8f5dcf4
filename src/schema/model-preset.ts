import { z } from 'zod';

/** Weight precision recipes a deployment can choose (`--weights`). */
export const weightRecipes = ['bf16', 'fp8', 'fp8-ffn'] as const;
/** KV-cache element types (`--kv-dtype`). */
export const kvDtypes = ['bf16', 'fp8'] as const;

const positiveInt = z.number().int().positive();
/** A positive integer with a sanity ceiling: beyond it the file is wrong, not the model big. */
const bounded = (max: number) => positiveInt.max(max, `is implausibly large (over ${max}); check the value`);

/**
 * A model preset as written in YAML. Shapes are read from the model's config,
 * never derived: head_dim in particular is not hidden/heads for many models.
 */
export const modelPresetSchema = z.strictObject({
  name: z.string().min(1),
  displayName: z.string().min(1),
  source: z.string().min(1),
  layers: bounded(10_000),
  hiddenSize: bounded(1_000_000),
  attentionHeads: bounded(10_000),
  kvHeads: bounded(10_000),
  headDim: bounded(10_000),
  ffnSize: bounded(10_000_000),
  /** swiglu: gate, up and down matrices (3); gelu: up and down (2). */
  ffnActivation: z.enum(['swiglu', 'gelu']),
  vocabSize: bounded(100_000_000),
  tiedEmbeddings: z.boolean(),
  /** The longest context the model was trained or configured for. */
  maxContextTokens: positiveInt,
  /** Deployment defaults used when --weights / --kv-dtype are not given. */
  defaults: z
    .strictObject({
      weights: z.enum(weightRecipes),
      kvDtype: z.enum(kvDtypes),
    })
    .optional(),
}).refine((m) => m.attentionHeads % m.kvHeads === 0, {
  path: ['kvHeads'],
  message: 'must divide attentionHeads (each KV head serves a whole group of query heads)',
}).refine((m) => m.attentionHeads * m.headDim <= 4 * m.hiddenSize && m.attentionHeads * m.headDim * 4 >= m.hiddenSize, {
  // Real models have heads x head_dim within a factor of 2 of hiddenSize (Qwen3: 2x, Gemma 3: 0.76x).
  path: ['headDim'],
  message: 'x attentionHeads is more than 4x away from hiddenSize; the attention projections would be implausible (check headDim and attentionHeads)',
});

export type ModelPreset = z.infer<typeof modelPresetSchema>;
