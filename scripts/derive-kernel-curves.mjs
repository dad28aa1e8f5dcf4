#!/usr/bin/env node
// Derives the per-GPU kernel efficiency tables presets/kernels/<name>.yaml (schema:
// src/schema/kernels-preset.ts) from the measured kernel benchmark tables of NVIDIA's
// ai-dynamo/aiconfigurator ("AIC", Apache-2.0):
//   aic-core/src/aiconfigurator_core/systems/data/<gpu>/{gemm,attention}/<framework>/<version>/*.parquet
//   aic-core/src/aiconfigurator_core/systems/<gpu>.yaml   (peaks, HBM bandwidth, empirical factors)
//
// Run:  node scripts/derive-kernel-curves.mjs --aic <aiconfigurator checkout> [--commit <sha>] [--out <dir>]
// --aic is a normal git checkout (work tree) of AIC; only aic-core/src/aiconfigurator_core/systems is read
// (a sparse checkout of that directory is enough). The AIC commit recorded in every output file is
// `git rev-parse HEAD` of the checkout, or --commit when the directory is not a git work tree.
// The output is deterministic: the same AIC tree gives byte-identical files.
//
// Semantics of the AIC tables (from AIC's collector/{trtllm,vllm,sglang}/collect_{gemm,attn}.py and
// aic-core/rust/aiconfigurator-core/src/perf_database/{gemm,attention}.rs):
// - latency is milliseconds per call (CUDA-event time / runs).
// - gemm_perf: one Linear layer y[m,n] = x[m,k] W[n,k]^T; m is the tokens. For quantized dtypes the
//   latency includes the framework's activation quantization (dynamic per-tensor for fp8, per-token
//   1x128 groups for fp8_block, NVFP4 for nvfp4). Small weights are replicated past the L2 size.
// - context_attention_perf: a prefill of `isl` new tokens per sequence, no cached prefix (step = 0),
//   causal, `batch_size` sequences; attn_dtype is the FMHA compute dtype, kv_cache_dtype the cache's.
// - generation_attention_perf: one decode step (isl = 1 new token per sequence) over a KV cache holding
//   `step` earlier tokens; the kernel attends isl + step tokens (AIC's table key is isl + step; its
//   speed-of-light formula counts isl + step - 1 cached tokens).
//
// Plausibility: a table whose curve beats the dense peak (GEMM, prefill) or the HBM bandwidth at KV reads
// of 1 GiB and more (decode; far above any L2) is broken, is reported and the next table is used
// (AIC's l40s/sglang/0.5.12 attention and a100_sxm/trtllm/1.0.0 generation tables). Smaller decode reads
// can beat HBM out of L2 (the KV cache was just written): those bins are capped at 1 and reported.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parse as parseYaml } from 'yaml';

const SYSTEMS = 'aic-core/src/aiconfigurator_core/systems';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * GPUs produced: AIC system name -> preset name, the device name(s) the benchmark printed (rows of
 * any other device are dropped: e.g. AIC's b300_sxm/sglang/0.5.14 tables were measured on a GB300),
 * and NVIDIA datasheet dense figures (per GPU, no sparsity) to cross-check AIC's systems yaml.
 */
const GPUS = [
  { aic: 'h100_sxm', name: 'h100-sxm', device: /^NVIDIA H100 80GB HBM3$/, datasheet: { bf16: 989e12, fp8: 1979e12, memBw: 3.35e12 } },
  { aic: 'h200_sxm', name: 'h200-sxm', device: /^NVIDIA H200$/, datasheet: { bf16: 989e12, fp8: 1979e12, memBw: 4.8e12 } },
  { aic: 'b200_sxm', name: 'b200-sxm', device: /^NVIDIA B200$/, datasheet: { bf16: 2.25e15, fp8: 4.5e15, fp4: 9e15, memBw: 8e12 } },
  { aic: 'gb200', name: 'gb200', device: /^NVIDIA GB200$/, datasheet: { bf16: 2.5e15, fp8: 5e15, fp4: 10e15, memBw: 8e12 } },
  { aic: 'b300_sxm', name: 'b300-sxm', device: /^NVIDIA B300 SXM6/, datasheet: { bf16: 2.25e15, fp8: 4.5e15, fp4: 13.5e15, memBw: 8e12 } },
  { aic: 'gb300', name: 'gb300', device: /^NVIDIA GB300$/, datasheet: { bf16: 2.5e15, fp8: 5e15, fp4: 15e15, memBw: 8e12 } },
  { aic: 'a100_sxm', name: 'a100-sxm', device: /^NVIDIA A100-SXM4-80GB$/, datasheet: { bf16: 312e12, memBw: 2.039e12 } },
  { aic: 'l40s', name: 'l40s', device: /^NVIDIA L40S$/, datasheet: { bf16: 362e12, fp8: 733e12, memBw: 864e9 } },
];

/** Framework preference (first wins) for every curve. */
const FRAMEWORKS = ['trtllm', 'vllm', 'sglang'];

/** Peak keys of AIC's systems/<gpu>.yaml `gpu:` block per compute dtype. */
const PEAK_KEY = { bf16: 'bfloat16_tc_flops', fp8: 'fp8_tc_flops', fp4: 'fp4_tc_flops' };

/** Attention kernel families of the schema, in output order. */
const FAMILIES = ['fa2', 'fa3', 'flashinfer', 'trtllm', 'cudnn', 'flashmla', 'triton', 'aiter', 'ck'];

/**
 * AIC kernel_source value -> kernel family (by the kernel code that runs, per AIC's collectors), or
 * null for values cp-plan has no family for. `sm` is the GPU's SM version.
 */
function kernelFamily(kernelSource, sm) {
  switch (kernelSource) {
    // TRT-LLM's own attention op (fmha_v2 / XQA / MMHA; trtllm-gen cubins on Blackwell).
    case 'torch_flow':
      return 'trtllm';
    // TRT-LLM's FlashInferAttention backend, pinned by the collector to the trtllm-gen sub-backend.
    case 'torch_flow_flashinfer':
      return 'trtllm';
    // SGLang's trtllm_mha backend: FlashInfer's trtllm-gen (TRT-LLM) kernels.
    case 'trtllm_mha':
      return 'trtllm';
    // SGLang's FlashAttentionBackend (`--attention-backend fa3`, sgl-kernel's FA3 build), logged as
    // flash_attention up to 0.5.12 and as fa3 from 0.5.14. Below SM90 the build has no Hopper path (no
    // WGMMA/TMA): what ran there is FlashAttention-2's algorithm.
    case 'flash_attention':
    case 'fa3':
      return sm >= 90 ? 'fa3' : 'fa2';
    case 'flashinfer':
      return 'flashinfer';
    case 'triton':
    case 'vllm_triton_attn':
      return 'triton';
    // vLLM <= 0.22 did not log the FlashAttention version: vLLM runs FA3 on SM90, FA2 elsewhere
    // (0.24's explicit labels confirm: fa3 on H100/H200, fa2 on L40S).
    case 'vllm_flash_attn':
      return sm === 90 ? 'fa3' : 'fa2';
    case 'vllm_flash_attn_fa2':
      return 'fa2';
    case 'vllm_flash_attn_fa3':
      return 'fa3';
    // vLLM <= 0.22 FlashInfer backend: on Blackwell it dispatches to the trtllm-gen kernels (0.24
    // logs these rows as ..._trtllmprefill/_trtllmdecode); elsewhere FlashInfer's own kernels.
    case 'vllm_flashinfer':
      return sm >= 100 ? 'trtllm' : 'flashinfer';
    case 'vllm_flashinfer_trtllmprefill':
    case 'vllm_flashinfer_trtllmdecode':
      return 'trtllm';
    case 'vllm_flashinfer_fiprefill':
    case 'vllm_flashinfer_fidecode':
      return 'flashinfer';
    default:
      return null; // e.g. vllm_flash_attn_fa4 (no fa4 family; AIC has it only at head_dim 512)
  }
}

/** GEMM dtype -> AIC gemm_dtype per GPU generation, and how it is described. */
function gemmVariant(dtype, _sm) {
  if (dtype === 'bf16') return { aic: 'bfloat16', what: 'BF16' };
  if (dtype === 'fp8') {
    // cp-plan's fp8 recipe is per-tensor (or per-row) scaled FP8, as Llama FP8 checkpoints, vLLM's dynamic FP8
    // and the paper's FBGEMM row-wise GEMMs run; block-scaled FP8 (DeepSeek-style) is slower at small M.
    return { aic: 'fp8', what: 'FP8 per-tensor scaled (gemm_dtype fp8, dynamic activation scale)' };
  }
  return { aic: 'nvfp4', what: 'NVFP4 (gemm_dtype nvfp4: 16-element FP8 block scales + per-tensor scale)' };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function die(message) {
  process.stderr.write(`derive-kernel-curves: ${message}\n`);
  process.exit(1);
}

const notes = new Set(); // surprises, printed at the end
function note(message) {
  notes.add(message);
}

/** Numbers to 3 significant figures as YAML/JSON-safe text. */
function sig3(x) {
  return Number(x.toPrecision(3));
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Orders AIC version directory names: 1.3.0rc20 > 1.3.0rc10 > 1.2.0rc5; 0.5.6.post2 > 0.5.6. */
function parseVersion(v) {
  const m = /^(\d+(?:\.\d+)*)(?:(rc|\.post|\.dev)(\d+))?$/.exec(v);
  if (!m) return { nums: [], tag: 0, tagNum: 0 };
  const tag = m[2] === 'rc' || m[2] === '.dev' ? -1 : m[2] === '.post' ? 1 : 0;
  return { nums: m[1].split('.').map(Number), tag, tagNum: m[3] ? Number(m[3]) : 0 };
}
function compareVersions(a, b) {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < Math.max(pa.nums.length, pb.nums.length); i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d) return d;
  }
  return pa.tag - pb.tag || pa.tagNum - pb.tagNum || (a < b ? -1 : a > b ? 1 : 0);
}

function fmtFlops(f) {
  return f >= 1e15 ? `${sig3(f / 1e15)} PFLOP/s` : `${sig3(f / 1e12)} TFLOP/s`;
}
function fmtBw(b) {
  return b >= 1e12 ? `${sig3(b / 1e12)} TB/s` : `${sig3(b / 1e9)} GB/s`;
}

// ---------------------------------------------------------------------------------------------
// AIC tree access

let aicRoot;
const parquetCache = new Map();

/** Rows of one parquet table (only `columns`), numbers as Number. */
async function readTable(relPath, columns) {
  const key = `${relPath}|${columns.join(',')}`;
  if (parquetCache.has(key)) return parquetCache.get(key);
  const buf = readFileSync(join(aicRoot, SYSTEMS, relPath));
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const present = new Set(parquetMetadata(file).schema.map((s) => s.name));
  const rows = await parquetReadObjects({ file, columns: columns.filter((c) => present.has(c)), compressors });
  for (const r of rows) for (const k of Object.keys(r)) if (typeof r[k] === 'bigint') r[k] = Number(r[k]);
  parquetCache.set(key, rows);
  return rows;
}

/**
 * Native tables `<table>.parquet` of one GPU and op, as [{framework, version, relPath}], frameworks in
 * preference order and versions newest first. Versions whose directory only holds reuse.yaml (a pointer
 * to another version's data) have no table of their own and are skipped: the pointed-to version is
 * listed in its own right. Tables that collection_meta.yaml marks other than complete are skipped.
 */
function listTables(gpu, op, table) {
  const out = [];
  for (const framework of FRAMEWORKS) {
    const dir = join(aicRoot, SYSTEMS, 'data', gpu, op, framework);
    if (!existsSync(dir)) continue;
    const versions = readdirSync(dir).sort(compareVersions).reverse();
    for (const version of versions) {
      const rel = join('data', gpu, op, framework, version, `${table}.parquet`);
      if (!existsSync(join(aicRoot, SYSTEMS, rel))) continue;
      const metaPath = join(aicRoot, SYSTEMS, 'data', gpu, op, framework, version, 'collection_meta.yaml');
      if (existsSync(metaPath)) {
        const status = parseYaml(readFileSync(metaPath, 'utf8'))?.tables?.[table]?.status;
        if (status && status !== 'complete') {
          note(`${gpu}: skipped ${rel} (collection_meta.yaml status: ${status})`);
          continue;
        }
      }
      out.push({ framework, version, relPath: rel });
    }
  }
  return out;
}

/** Drops rows of another device than the GPU's; notes tables that were (partly) measured elsewhere. */
function ownDeviceRows(rows, gpu, relPath) {
  const kept = rows.filter((r) => gpu.device.test(r.device));
  if (kept.length < rows.length) {
    const others = [...new Set(rows.filter((r) => !gpu.device.test(r.device)).map((r) => r.device))].sort();
    note(`${gpu.aic}: ${relPath}: ${rows.length - kept.length} of ${rows.length} rows measured on ${others.join(', ')}: dropped`);
  }
  return kept;
}

function aicCommit(dir, override) {
  if (override) return override;
  try {
    const sha = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--', SYSTEMS], { encoding: 'utf8' }).trim();
    if (dirty) die(`${dir} has local changes under ${SYSTEMS}: commit or stash them, or pass --commit`);
    return sha;
  } catch {
    die(`${dir} is not a git work tree: pass --commit <sha> of the AIC tree it holds`);
  }
}

// ---------------------------------------------------------------------------------------------
// Curves

const GEMM_M = Array.from({ length: 16 }, (_, i) => 2 ** i); // 1 .. 32768
// Layer-sized weights only: with N or K below 4096 a GEMM at small M is a few microseconds of launch and
// activation quantization, which the engines' per-layer fixed costs carry, not the bandwidth-bound read.
const MIN_NK = 4096;

/** Bytes per weight of each GEMM dtype as AIC stores it (NVFP4: 4 bits and one FP8 scale per 16). */
const WEIGHT_BYTES = { bf16: 2, fp8: 1, fp4: 0.5625 };

/**
 * Least squares of t = a + b x on relative error (weights 1/t): the fixed cost and the time per byte of a
 * bandwidth-bound kernel. a is kept non-negative.
 */
function fixedPlusLinear(points) {
  let s11 = 0,
    s12 = 0,
    s22 = 0,
    r1 = 0,
    r2 = 0;
  for (const [x, t] of points) {
    const p = 1 / t,
      q = x / t;
    s11 += p * p;
    s12 += p * q;
    s22 += q * q;
    r1 += p;
    r2 += q;
  }
  const det = s11 * s22 - s12 * s12;
  let a = (r1 * s22 - r2 * s12) / det;
  let b = (s11 * r2 - s12 * r1) / det;
  if (a < 0) {
    a = 0;
    b = r2 / s22;
  }
  return { a, b };
}

/**
 * A GEMM table as a fixed cost per call, a fraction of HBM bandwidth for reading the weights, and a
 * fraction of the dense peak where the GEMM is compute-bound (by M, and by weight size):
 *   time = fixed + max(2 max(M, 64) N K / (peak x compute(M)), N K bytes / (bandwidth x fraction)).
 * fixed and fraction are fitted on the rows with M <= 16 (bandwidth-bound); compute(M) is the median over
 * the rows whose time beyond the fixed cost is at least 1.5x their weight read (compute-bound).
 */
async function gemmCurve(gpu, spec, dtype) {
  const variant = gemmVariant(dtype, spec.sm);
  const peakKey = PEAK_KEY[dtype];
  const peak = spec.gpu[peakKey];
  const bw = spec.gpu.mem_bw;
  if (!peak) return { skip: `no ${peakKey} in systems/${gpu.aic}.yaml` };
  for (const t of listTables(gpu.aic, 'gemm', 'gemm_perf')) {
    const all = await readTable(t.relPath, ['device', 'kernel_source', 'gemm_dtype', 'm', 'n', 'k', 'latency']);
    const rows = ownDeviceRows(
      all.filter((r) => r.gemm_dtype === variant.aic),
      gpu,
      t.relPath,
    ).filter((r) => Math.min(r.n, r.k) >= MIN_NK && r.latency > 0);
    if (!rows.length) continue;
    const sec = (r) => r.latency * 1e-3;
    const bytes = (r) => r.n * r.k * WEIGHT_BYTES[dtype];
    const small = rows.filter((r) => r.m <= 16);
    if (small.length < 4) continue;
    const { a: fixed, b: perByte } = fixedPlusLinear(small.map((r) => [bytes(r), sec(r)]));
    const bandwidthFraction = 1 / (perByte * bw);
    if (!(bandwidthFraction > 0) || bandwidthFraction > 1.05) {
      note(`${gpu.aic} gemm.${dtype}: ${t.relPath} rejected as implausible (weight reads at ${sig3(bandwidthFraction)} of mem_bw): next table used`);
      continue;
    }
    const computeOf = (subset) => {
      const points = [];
      for (const m of GEMM_M) {
        const at = subset.filter((r) => {
          if (r.m !== m) return false;
          const beyond = sec(r) - fixed;
          return beyond > 1.5 * (bytes(r) / (bw * bandwidthFraction));
        });
        if (at.length) points.push([m, sig3(Math.min(1, median(at.map((r) => (2 * r.m * r.n * r.k) / ((sec(r) - fixed) * peak)))))]);
      }
      return points;
    };
    const points = computeOf(rows);
    if (!points.length) continue;
    const bySize = [];
    for (const [lo, hi] of [
      [2 ** 24, 2 ** 26],
      [2 ** 26, 2 ** 28],
      [2 ** 28, Infinity],
    ]) {
      const inClass = rows.filter((r) => r.n * r.k >= lo && r.n * r.k < hi);
      const sizes = new Set(inClass.map((r) => r.n * r.k));
      if (sizes.size < 2) continue;
      const cpoints = computeOf(inClass);
      if (!cpoints.length) continue;
      const weights = Math.round(Math.exp(median([...sizes].map((v) => Math.log(v)))));
      bySize.push({ weights, shapes: sizes.size, points: cpoints });
    }
    const sources = [...new Set(rows.map((r) => r.kernel_source))].sort();
    const ns = [...new Set(rows.map((r) => r.n))].sort((x, y) => x - y);
    const ds = gpu.datasheet[dtype];
    const source =
      `AIC ${SYSTEMS}/${t.relPath} (${t.framework} ${t.version}), ${variant.what}, kernel_source ${sources.join(', ')}, ` +
      `shapes with min(N, K) >= ${MIN_NK} (N and K each in ${ns.join(', ')}). fixedUs and bandwidthFraction: least squares ` +
      `of latency = fixed + N*K*${WEIGHT_BYTES[dtype]} B / (mem_bw ${fmtBw(bw)} x fraction) over the ${small.length} rows with M <= 16. ` +
      `points: x = M, fraction of ${peakKey} ${fmtFlops(peak)} (dense; NVIDIA datasheet dense ${ds ? fmtFlops(ds) : 'n/a'}) = ` +
      `2*M*N*K / (latency - fixed) / peak, median over the rows at that M whose latency beyond the fixed cost is at least ` +
      `1.5x their weight read (compute-bound); bySize: the same within classes of N*K ([2^24, 2^26), [2^26, 2^28), 2^28 and ` +
      `more elements), each at the class's median size. Latency includes the engine's activation quantization.`;
    return {
      curve: { source, fixedUs: sig3(fixed * 1e6), bandwidthFraction: sig3(Math.min(1, bandwidthFraction)), points, bySize },
      table: t,
      devices: new Set(rows.map((r) => r.device)),
    };
  }
  return { skip: `no ${variant.aic} rows in any ${gpu.aic} gemm table` };
}

const ATTN_COLUMNS = [
  'device',
  'kernel_source',
  'batch_size',
  'isl',
  'num_heads',
  'num_key_value_heads',
  'head_dim',
  'window_size',
  'attn_dtype',
  'kv_cache_dtype',
  'step',
  'latency',
];
const HEAD_DIM = 128;
const MIN_PARALLEL = 16; // batch * num_heads
const MIN_ROWS = 3;

/** Rows of a context/generation table after the common filters, each tagged with its family. */
async function attentionRows(gpu, spec, t) {
  const all = await readTable(t.relPath, ATTN_COLUMNS);
  return ownDeviceRows(all, gpu, t.relPath)
    .filter((r) => r.head_dim === HEAD_DIM && (r.window_size ?? 0) === 0 && r.latency > 0)
    .map((r) => ({ ...r, family: kernelFamily(r.kernel_source, spec.sm) }));
}

/**
 * Curves of every (family, dtype): from the first framework (trtllm, vllm, sglang) and newest version
 * whose table has rows of that family and dtype and gives a plausible curve (`build` returns
 * {implausible} otherwise, and the next table is tried). Returns {family: {dtype: built}}.
 */
async function pickAttentionCurves(gpu, spec, table, dtypeOf, build, seen) {
  const picked = {};
  for (const t of listTables(gpu.aic, 'attention', table)) {
    const all = await readTable(t.relPath, ATTN_COLUMNS);
    for (const ks of new Set(all.map((r) => r.kernel_source))) {
      const key = `${t.framework} ${t.version}`;
      seen.set(`${ks}|${key}`, { ks, fw: key, family: kernelFamily(ks, spec.sm) });
    }
    const rows = await attentionRows(gpu, spec, t);
    const groups = new Map();
    for (const r of rows) {
      const dtype = dtypeOf(r);
      if (!r.family || !dtype) continue;
      const k = `${r.family}|${dtype}`;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(r);
    }
    for (const k of [...groups.keys()].sort()) {
      const [family, dtype] = k.split('|');
      if (picked[family]?.[dtype]) continue;
      const built = build(gpu, spec, family, dtype, { table: t, rows: groups.get(k) });
      if (!built) continue;
      if (built.implausible) {
        note(`${gpu.aic} ${table} ${family}.${dtype}: ${t.relPath} rejected as implausible (${built.implausible}): next table used`);
        continue;
      }
      (picked[family] ??= {})[dtype] = built;
    }
  }
  return picked;
}

/** Prefill attention: compute dtype bf16 (bf16 KV) or fp8 (fp8 FMHA). */
function contextDtype(r) {
  if (r.attn_dtype === 'bfloat16' && r.kv_cache_dtype === 'bfloat16') return 'bf16';
  if (r.attn_dtype === 'fp8') return 'fp8';
  return null;
}

function contextCurve(gpu, spec, family, dtype, { table: t, rows }) {
  const peakKey = PEAK_KEY[dtype];
  const peak = spec.gpu[peakKey];
  if (!peak) return null;
  const use = rows.filter((r) => r.batch_size * r.num_heads >= MIN_PARALLEL);
  const byIsl = new Map();
  for (const r of use) {
    const flops = 4 * r.batch_size * r.num_heads * r.head_dim * ((r.isl * (r.isl + 1)) / 2);
    if (!byIsl.has(r.isl)) byIsl.set(r.isl, []);
    byIsl.get(r.isl).push(flops / (r.latency * 1e-3) / peak);
  }
  const points = [];
  for (const isl of [...byIsl.keys()].sort((a, b) => a - b)) {
    const fs = byIsl.get(isl);
    if (fs.length >= MIN_ROWS) points.push([isl, median(fs)]);
  }
  if (!points.length) return null;
  const worst = Math.max(...points.map((p) => p[1]));
  if (worst > 1) return { implausible: `median up to ${sig3(worst)} of the dense peak` };
  for (const p of points) p[1] = sig3(p[1]);
  const sources = [...new Set(use.map((r) => r.kernel_source))].sort();
  const ds = gpu.datasheet[dtype];
  const dtypeText = dtype === 'bf16' ? 'attn_dtype bfloat16, kv_cache_dtype bfloat16' : 'attn_dtype fp8 (FP8 FMHA), kv_cache_dtype fp8';
  return {
    curve: {
      source:
        `AIC ${SYSTEMS}/${t.relPath} (${t.framework} ${t.version}), kernel_source ${sources.join(', ')} (${family} family), ${dtypeText}; ` +
        `prefill with no cached prefix (step 0), causal. Rows with head_dim ${HEAD_DIM}, window_size 0, ` +
        `batch_size*num_heads >= ${MIN_PARALLEL} (any num_key_value_heads); x = isl (tokens per sequence); ` +
        `fraction = 4*batch*num_heads*head_dim*isl*(isl+1)/2 / latency / ${peakKey} ${fmtFlops(peak)} ` +
        `(dense; NVIDIA datasheet dense ${ds ? fmtFlops(ds) : 'n/a'}), median over the rows at each isl ` +
        `(isl with >= ${MIN_ROWS} rows). Latency is the framework's attention layer call (with its KV-cache write; TRT-LLM's also fuses RoPE).`,
      points,
    },
    table: t,
    devices: new Set(use.map((r) => r.device)),
  };
}

function decodeDtype(r) {
  if (r.kv_cache_dtype === 'bfloat16' || r.kv_cache_dtype === 'float16') return 'bf16';
  if (r.kv_cache_dtype === 'fp8') return 'fp8';
  return null;
}
const KV_BYTES = { bf16: 2, fp8: 1 };
// Decode KV reads span ~2^10..2^33 bytes in AIC's sweeps: one bin per octave gives ~23 points (two per
// octave would give ~46). Below ~1 MB the latency is the launch floor and the fraction grows linearly.
const BINS_PER_OCTAVE = 1;

function decodeCurve(gpu, spec, family, dtype, { table: t, rows }) {
  const bw = spec.gpu.mem_bw;
  const bins = new Map();
  for (const r of rows) {
    const bytes = r.batch_size * (r.isl + r.step) * r.num_key_value_heads * r.head_dim * 2 * KV_BYTES[dtype];
    const bin = Math.floor(Math.log2(bytes) * BINS_PER_OCTAVE);
    if (!bins.has(bin)) bins.set(bin, []);
    bins.get(bin).push(bytes / (r.latency * 1e-3) / bw);
  }
  const points = [];
  let capped = 0;
  let maxRaw = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    const fs = bins.get(bin);
    if (fs.length < MIN_ROWS) continue;
    const centre = 2 ** ((bin + 0.5) / BINS_PER_OCTAVE);
    let f = median(fs);
    // Above any L2 size a read cannot beat the HBM bandwidth: such a table is broken, not cached.
    if (f > 1 && centre >= 2 ** 30) return { implausible: `median ${sig3(f)} of mem_bw at ${sig3(centre)} bytes` };
    maxRaw = Math.max(maxRaw, f);
    if (f > 1) {
      capped++;
      f = 1;
    }
    points.push([sig3(centre), sig3(f)]);
  }
  if (!points.length) return null;
  if (capped) note(`${gpu.aic} decodeAttention.${family}.${dtype}: ${capped} bin(s) above 1 (max ${sig3(maxRaw)}) capped at 1`);
  const sources = [...new Set(rows.map((r) => r.kernel_source))].sort();
  const ds = gpu.datasheet.memBw;
  return {
    curve: {
      source:
        `AIC ${SYSTEMS}/${t.relPath} (${t.framework} ${t.version}), kernel_source ${sources.join(', ')} (${family} family), ` +
        `kv_cache_dtype ${dtype === 'bf16' ? 'bfloat16' : 'fp8'}; one decode step (isl 1) over step cached tokens. ` +
        `Rows with head_dim ${HEAD_DIM}, window_size 0 (any batch, num_heads, num_key_value_heads); ` +
        `x = KV bytes read = batch*(isl+step)*num_key_value_heads*head_dim*2*${KV_BYTES[dtype]}; ` +
        `fraction = x / latency / mem_bw ${fmtBw(bw)} (AIC gpu.mem_bw; NVIDIA datasheet ${fmtBw(ds)}); ` +
        `median per ${BINS_PER_OCTAVE === 1 ? 'octave' : `1/${BINS_PER_OCTAVE} octave`} bin of x ` +
        `(bins with >= ${MIN_ROWS} rows), x = the bin's geometric centre.` +
        (capped ? ` ${capped} bin(s) above 1 (up to ${sig3(maxRaw)}, cache effects) capped at 1.` : ''),
      points,
    },
    table: t,
    devices: new Set(rows.map((r) => r.device)),
  };
}

// ---------------------------------------------------------------------------------------------
// YAML output (hand-written for a stable, diff-friendly layout; strings JSON-quoted)

function emitCurve(lines, indent, curve) {
  const pad = ' '.repeat(indent);
  lines.push(`${pad}source: ${JSON.stringify(curve.source)}`);
  if (curve.fixedUs !== undefined) lines.push(`${pad}fixedUs: ${curve.fixedUs}`);
  if (curve.bandwidthFraction !== undefined) lines.push(`${pad}bandwidthFraction: ${curve.bandwidthFraction}`);
  lines.push(`${pad}points:`);
  for (const [x, f] of curve.points) lines.push(`${pad}  - [${x}, ${f}]`);
  if (curve.bySize?.length) {
    lines.push(`${pad}bySize:`);
    for (const c of curve.bySize) {
      lines.push(`${pad}  - weights: ${c.weights}    # ${c.shapes} (N, K) shapes`);
      lines.push(`${pad}    points:`);
      for (const [x, f] of c.points) lines.push(`${pad}      - [${x}, ${f}]`);
    }
  }
}

function emitPreset(p, commit) {
  const lines = [
    `# Generated by scripts/derive-kernel-curves.mjs from ai-dynamo/aiconfigurator (Apache-2.0) @ ${commit}.`,
    '# Do not edit by hand: regenerate with `node scripts/derive-kernel-curves.mjs --aic <aiconfigurator checkout>`.',
    `name: ${JSON.stringify(p.name)}`,
    `measuredOn: ${JSON.stringify(p.measuredOn)}`,
    `source: ${JSON.stringify(p.source)}`,
    'hbmFractionOfPeak:',
    `  value: ${p.hbmFractionOfPeak.value}`,
    `  source: ${JSON.stringify(p.hbmFractionOfPeak.source)}`,
  ];
  lines.push(Object.keys(p.gemm).length ? 'gemm:' : 'gemm: {}');
  for (const [dtype, curve] of Object.entries(p.gemm)) {
    lines.push(`  ${dtype}:`);
    emitCurve(lines, 4, curve);
  }
  for (const section of ['attention', 'decodeAttention']) {
    lines.push(Object.keys(p[section]).length ? `${section}:` : `${section}: {}`);
    for (const [family, byDtype] of Object.entries(p[section])) {
      lines.push(`  ${family}:`);
      for (const [dtype, curve] of Object.entries(byDtype)) {
        lines.push(`    ${dtype}:`);
        emitCurve(lines, 6, curve);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

async function deriveGpu(gpu, commit) {
  const specPath = join(aicRoot, SYSTEMS, `${gpu.aic}.yaml`);
  if (!existsSync(specPath)) {
    note(`${gpu.aic}: no systems/${gpu.aic}.yaml: GPU skipped`);
    return null;
  }
  const spec = parseYaml(readFileSync(specPath, 'utf8'));
  spec.sm = Number(spec.gpu.sm_version);
  for (const [k, ds] of Object.entries(gpu.datasheet)) {
    const aic = k === 'memBw' ? spec.gpu.mem_bw : spec.gpu[PEAK_KEY[k]];
    if (aic && Math.abs(aic / ds - 1) > 0.05) note(`${gpu.aic}: AIC ${k} ${aic} differs from the datasheet ${ds} by more than 5%`);
  }
  const devices = new Set();
  const used = [];
  const preset = { name: gpu.name, gemm: {}, attention: {}, decodeAttention: {} };

  for (const dtype of ['bf16', 'fp8', 'fp4']) {
    if (dtype === 'fp4' && spec.sm < 100) continue;
    const r = await gemmCurve(gpu, spec, dtype);
    if (r.skip) {
      note(`${gpu.aic}: no gemm.${dtype}: ${r.skip}`);
      continue;
    }
    preset.gemm[dtype] = r.curve;
    for (const d of r.devices) devices.add(d);
    used.push(r.table.relPath);
  }

  const seenCtx = new Map();
  const seenGen = new Map();
  const ctx = await pickAttentionCurves(gpu, spec, 'context_attention_perf', contextDtype, contextCurve, seenCtx);
  const gen = await pickAttentionCurves(gpu, spec, 'generation_attention_perf', decodeDtype, decodeCurve, seenGen);
  for (const [section, picked] of [
    ['attention', ctx],
    ['decodeAttention', gen],
  ]) {
    for (const family of FAMILIES) {
      for (const dtype of ['bf16', 'fp8']) {
        const r = picked[family]?.[dtype];
        if (!r) continue;
        (preset[section][family] ??= {})[dtype] = r.curve;
        for (const d of r.devices) devices.add(d);
        used.push(r.table.relPath);
      }
    }
  }
  // FlashAttention-2 on Hopper: AIC measures none (vLLM and SGLang run FA3 there). FA2 does not use Hopper's
  // WGMMA/TMA, and the FA3 paper's abstract puts it at 35% utilisation on H100 (arXiv:2407.08608 v2, abstract).
  // The curve is FA3's shape scaled to that plateau: a published figure, not a measured curve (said in `source`).
  const fa3 = preset.attention.fa3?.bf16;
  if (spec.sm >= 90 && spec.sm < 100 && fa3 && !preset.attention.fa2) {
    const top = Math.max(...fa3.points.map((p) => p[1]));
    preset.attention.fa2 = {
      bf16: {
        source:
          `FA3's bf16 curve above scaled so that its plateau is 0.35: "FlashAttention-2 achieving only 35% utilization on ` +
          `H100 GPUs" (Shah et al., FlashAttention-3, arXiv:2407.08608 v2, abstract). Not measured by AIC; a published plateau on FA3's shape.`,
        points: fa3.points.map(([x, y]) => [x, sig3((y * 0.35) / top)]),
      },
    };
  }
  if (!Object.keys(preset.attention).length) note(`${gpu.aic}: no prefill attention curve`);
  if (!Object.keys(preset.decodeAttention).length) note(`${gpu.aic}: no decode attention curve`);

  const factor = spec.gpu.mem_bw_empirical_scaling_factor;
  const plateau = Object.entries(preset.decodeAttention)
    .flatMap(([fam, byDtype]) => Object.entries(byDtype).map(([dt, c]) => [`${fam}.${dt}`, Math.max(...c.points.map((p) => p[1]))]))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const plateauText = plateau.length ? ` For comparison, the decode-attention curves here peak at ${plateau.map(([k, v]) => `${v} (${k})`).join(', ')}.` : '';
  if (factor > 0 && factor <= 1) {
    preset.hbmFractionOfPeak = {
      value: sig3(factor),
      source:
        `AIC ${SYSTEMS}/${gpu.aic}.yaml gpu.mem_bw_empirical_scaling_factor (AIC: an unofficial correction ` +
        `from observations), of gpu.mem_bw ${fmtBw(spec.gpu.mem_bw)}.${plateauText}`,
    };
  } else if (plateau.length) {
    const v = Math.max(...plateau.map((p) => p[1]));
    preset.hbmFractionOfPeak = { value: v, source: `Plateau (highest bin) of the decode-attention curves.${plateauText}` };
  } else {
    note(`${gpu.aic}: no HBM fraction (no scaling factor, no decode curve): GPU skipped`);
    return null;
  }
  if (!used.length) {
    note(`${gpu.aic}: no usable tables: GPU skipped`);
    return null;
  }

  preset.measuredOn = [...devices].sort().join(', ');
  preset.source =
    `ai-dynamo/aiconfigurator @ ${commit} (Apache-2.0), ${SYSTEMS}/${gpu.aic}.yaml and the tables ` +
    `${[...new Set(used)]
      .sort()
      .map((p) => p.replace(`data/${gpu.aic}/`, ''))
      .join(', ')} under ${SYSTEMS}/data/${gpu.aic}/; ` +
    'derived by scripts/derive-kernel-curves.mjs (framework preference trtllm, vllm, sglang; newest version with the data).';

  const seen = [...new Map([...seenCtx, ...seenGen]).values()].sort((a, b) => (`${a.fw}|${a.ks}` < `${b.fw}|${b.ks}` ? -1 : 1));
  return { preset, seen };
}

async function main() {
  const { values } = parseArgs({
    options: {
      aic: { type: 'string' },
      commit: { type: 'string' },
      out: { type: 'string', default: join(REPO_ROOT, 'presets', 'kernels') },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (!values.aic) die('usage: node scripts/derive-kernel-curves.mjs --aic <aiconfigurator checkout> [--commit <sha>] [--out <dir>]');
  aicRoot = resolve(values.aic);
  if (!existsSync(join(aicRoot, SYSTEMS))) die(`${aicRoot} has no ${SYSTEMS}: pass a checkout of ai-dynamo/aiconfigurator`);
  const commit = aicCommit(aicRoot, values.commit);
  mkdirSync(values.out, { recursive: true });

  for (const gpu of GPUS) {
    if (!existsSync(join(aicRoot, SYSTEMS, 'data', gpu.aic))) {
      note(`${gpu.aic}: no data directory: GPU skipped`);
      continue;
    }
    const r = await deriveGpu(gpu, commit);
    parquetCache.clear();
    if (!r) continue;
    const path = join(values.out, `${gpu.name}.yaml`);
    writeFileSync(path, emitPreset(r.preset, commit));
    process.stdout.write(`wrote ${path}\n`);
    if (values.verbose) {
      for (const s of r.seen) process.stdout.write(`  kernel_source ${s.ks} (${s.fw}) -> ${s.family ?? '(no family)'}\n`);
    }
  }
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
}

await main();
