import { z } from 'zod';

/** Weight precision recipes a deployment can choose (`--weights`). */
export const weightRecipes = ['bf16', 'fp8', 'fp8-ffn'] as const;
/** KV-cache element types (`--kv-dtype`). */
export const kvDtypes = ['bf16', 'fp8'] as const;

const positiveInt = z.number().int().positive();

/**
 * A model preset as written in YAML. Shapes are read from the model's config,
 * never derived: head_dim in particular is not hidden/heads for many models.
 */
export const modelPresetSchema = z.strictObject({
  name: z.string().min(1),
  displayName: z.string().min(1),
  source: z.string().min(1),
  layers: positiveInt,
  hiddenSize: positiveInt,
  attentionHeads: positiveInt,
  kvHeads: positiveInt,
  headDim: positiveInt,
  ffnSize: positiveInt,
  /** swiglu: gate, up and down matrices (3); gelu: up and down (2). */
  ffnActivation: z.enum(['swiglu', 'gelu']),
  vocabSize: positiveInt,
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
});

export type ModelPreset = z.infer<typeof modelPresetSchema>;
