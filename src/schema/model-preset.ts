import { z } from 'zod';

/** Weight precision recipes a deployment can choose (`--weights`). */
export const weightRecipes = ['bf16', 'fp8', 'fp8-ffn', 'nvfp4', 'mxfp4', 'int4'] as const;
/** KV-cache element types (`--kv-dtype`). */
export const kvDtypes = ['bf16', 'fp8'] as const;

const positiveInt = z.number().int().positive();
/** A positive integer with a sanity ceiling: beyond it the file is wrong, not the model big. */
const bounded = (max: number) => positiveInt.max(max, `is implausibly large (over ${max}); check the value`);

/** Attention kinds a layer can have; `full` layers use MLA when the preset has an `mla` block. */
export const attentionKinds = ['full', 'sliding', 'chunked', 'linear'] as const;

/**
 * How the layers attend, when not every layer is full causal GQA. The pattern
 * is repeated over the layers from layer 0: Gemma 3's [sliding x5, full] makes
 * layers 5, 11, ... full. Sinks and QK-norm cost nothing the model counts; they
 * are recorded so a preset says everything its config says.
 */
const attentionSchema = z
  .strictObject({
    pattern: z.array(z.enum(attentionKinds)).min(1).max(1000),
    /** Sliding-window layers attend to the last W tokens (the token itself included). */
    slidingWindowTokens: bounded(100_000_000).optional(),
    /** Chunked layers attend within their C-aligned chunk of the sequence (Llama 4's iRoPE). */
    chunkTokens: bounded(100_000_000).optional(),
    /** Multi-head latent attention (DeepSeek-V3): the cache is one latent of kvLoraRank + qkRopeHeadDim per token, shared by all heads. */
    mla: z
      .strictObject({
        kvLoraRank: bounded(100_000),
        qkRopeHeadDim: bounded(100_000),
        qkNopeHeadDim: bounded(100_000),
        vHeadDim: bounded(100_000),
        /** Rank of the compressed Q projection; absent: Q is projected directly. */
        qLoraRank: bounded(100_000).optional(),
      })
      .optional(),
    /** Linear (lightning) attention: a fixed state of heads x keyDim x valueDim per layer and sequence. */
    linear: z
      .strictObject({
        heads: bounded(10_000),
        keyDim: bounded(100_000),
        valueDim: bounded(100_000),
        /** An output gate projection (MiniMax's lightning attention has one). */
        outputGate: z.boolean().optional(),
        /** Tokens per block of the tiled computation: attention is quadratic inside a block, linear across blocks. */
        blockTokens: bounded(1_000_000),
      })
      .optional(),
    /** Learned attention sinks (GPT-OSS): recorded, no cost. */
    sinks: z.boolean().optional(),
    /** QK normalisation (Qwen3, Gemma 3, Llama 4): recorded, no cost. */
    qkNorm: z.boolean().optional(),
  })
  .refine((a) => !a.pattern.includes('sliding') || a.slidingWindowTokens !== undefined, {
    path: ['slidingWindowTokens'],
    message: 'is required when the pattern has sliding layers',
  })
  .refine((a) => !a.pattern.includes('chunked') || a.chunkTokens !== undefined, {
    path: ['chunkTokens'],
    message: 'is required when the pattern has chunked layers',
  })
  .refine((a) => !a.pattern.includes('linear') || a.linear !== undefined, { path: ['linear'], message: 'is required when the pattern has linear layers' })
  .refine((a) => a.pattern.includes('full'), {
    path: ['pattern'],
    message:
      'needs at least one full layer: cp-plan models the context-parallel ring on full-attention layers (all-windowed or all-linear models are not supported yet)',
  })
  .refine((a) => a.mla === undefined || a.pattern.every((k) => k === 'full'), {
    path: ['mla'],
    message: 'MLA applies to every layer: with an mla block the pattern must be [full] (no sliding, chunked or linear layers)',
  });

/**
 * Mixture-of-experts FFNs: each token runs topK of `experts` routed experts
 * plus the shared ones. Layers before firstDenseLayers, and layers off the
 * interval, keep the dense FFN of ffnSize.
 */
const moeSchema = z
  .strictObject({
    experts: bounded(100_000),
    topK: bounded(1_000),
    sharedExperts: z.number().int().min(0).max(1_000),
    expertFfnSize: bounded(10_000_000),
    /** FFN width of a shared expert; default expertFfnSize. */
    sharedFfnSize: bounded(10_000_000).optional(),
    /** Leading layers with a dense FFN (DeepSeek-V3: 3); default 0. */
    firstDenseLayers: z.number().int().min(0).max(10_000).optional(),
    /** Every n-th layer is MoE, counting from 1 (Llama 4 Maverick: 2, i.e. layers 1, 3, 5, ...); default 1. */
    layerInterval: bounded(1_000).optional(),
  })
  .refine((m) => m.topK <= m.experts, { path: ['topK'], message: 'cannot exceed experts' });

/**
 * A model preset as written in YAML. Shapes are read from the model's config,
 * never derived: head_dim in particular is not hidden/heads for many models.
 */
export const modelPresetSchema = z
  .strictObject({
    name: z.string().min(1),
    displayName: z.string().min(1),
    source: z.string().min(1),
    /** The Hugging Face repository engines load (what `--emit` puts in the launch command). */
    huggingFace: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'is a Hugging Face repository id: org/name')
      .optional(),
    layers: bounded(10_000),
    hiddenSize: bounded(1_000_000),
    attentionHeads: bounded(10_000),
    kvHeads: bounded(10_000),
    headDim: bounded(10_000),
    /** The dense FFN's width; may be left out when every layer is MoE. */
    ffnSize: bounded(10_000_000).optional(),
    /** swiglu/geglu: gate, up and down matrices (3); gelu: up and down (2). */
    ffnActivation: z.enum(['swiglu', 'geglu', 'gelu']),
    vocabSize: bounded(100_000_000),
    tiedEmbeddings: z.boolean(),
    /** The longest context the model was trained or configured for. */
    maxContextTokens: positiveInt,
    /** Per-layer attention kinds; absent: every layer is full causal GQA. */
    attention: attentionSchema.optional(),
    /** Mixture-of-experts FFNs; absent: every FFN is dense. */
    moe: moeSchema.optional(),
    /** Deployment defaults used when --weights / --kv-dtype are not given. */
    defaults: z
      .strictObject({
        weights: z.enum(weightRecipes),
        kvDtype: z.enum(kvDtypes),
      })
      .optional(),
  })
  .refine((m) => m.ffnSize !== undefined || (m.moe !== undefined && (m.moe.firstDenseLayers ?? 0) === 0 && (m.moe.layerInterval ?? 1) === 1), {
    path: ['ffnSize'],
    message: 'is required unless every layer is MoE (the dense FFN width)',
  })
  .refine((m) => m.moe === undefined || (m.moe.firstDenseLayers ?? 0) < m.layers, {
    path: ['moe', 'firstDenseLayers'],
    message: 'must be smaller than layers (otherwise no layer is MoE; leave the moe block out)',
  })
  .refine((m) => m.attention === undefined || m.attention.pattern.length <= m.layers, {
    path: ['attention', 'pattern'],
    message: 'is longer than the model has layers',
  })
  .refine((m) => m.attentionHeads % m.kvHeads === 0, {
    path: ['kvHeads'],
    message: 'must divide attentionHeads (each KV head serves a whole group of query heads)',
  })
  .refine((m) => m.attentionHeads * m.headDim <= 4 * m.hiddenSize && m.attentionHeads * m.headDim * 4 >= m.hiddenSize, {
    // Real models have heads x head_dim within a factor of 2 of hiddenSize (Qwen3: 2x, Gemma 3: 0.76x).
    path: ['headDim'],
    message: 'x attentionHeads is more than 4x away from hiddenSize; the attention projections would be implausible (check headDim and attentionHeads)',
  });

export type ModelPreset = z.infer<typeof modelPresetSchema>;
