/**
 * CLI fuzzing (issue 6, scope item 3): random argv drawn from the real commands, flags and a pool
 * of valid and invalid values, run in-process (thousands of runs, time-bounded) and as
 * subprocesses (a bounded number). The contract checked on every run:
 *
 * - main() never throws and returns 0, 1 or 2 (3 means an internal error: a bug);
 * - exit 2: nothing on stdout, exactly one stderr line `cp-plan: ...`, no stack frames;
 * - exit 0 (or 1) with --json: stdout is one JSON document with no NaN/Infinity and no null where
 *   a number belongs;
 * - exit 0 or 1: no NaN, Infinity, undefined or [object Object] in any output, nor in a file written;
 * - never a stack trace on stderr.
 *
 * Argv that break the contract in a known, unfixed way are listed in KNOWN_BAD (the skip list);
 * argv the fuzz found once are pinned in FOUND.
 *
 * The fuzz is deterministic (seeded PRNG; set CP_PLAN_FUZZ_SEED to explore other seeds). Commands
 * that write files (calibrate -o, sweep --chart-file) are only ever given paths inside a temp dir,
 * and the in-process fuzz runs with that temp dir as its working directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main, type Io } from '../../src/program.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG (mulberry32): fast-check is not a dependency, and this is all we need.
// ---------------------------------------------------------------------------------------------

const SEED = Number(process.env.CP_PLAN_FUZZ_SEED ?? 0xc0ffee) >>> 0;

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// The temp dir: the only place the fuzz may write, plus a few odd files to read.
// ---------------------------------------------------------------------------------------------

const TMP = mkdtempSync(join(tmpdir(), 'cp-plan-fuzz-'));
const T = (name: string) => join(TMP, name);
const R = (path: string) => join(REPO_ROOT, path);

/** Write targets: all inside TMP (a directory target is a subdirectory, so writeWhole's temp file stays in TMP too). */
const WRITE_PATHS = [T('out.yaml'), T('chart.svg'), T('a-dir'), T('missing-dir/x.svg'), T('out2.yaml'), T('report.html')];
const isWritePath = (p: string) => p.startsWith(TMP + '/') || p.startsWith(TMP + '\\');

/** Files to read: real inputs, other kinds of real files, and broken ones in TMP. */
const READ_FILES = [
  R('validation/paper-measurements.yaml'),
  R('examples/sizing.yaml'),
  R('presets/models/llama3-8b.yaml'),
  R('presets/clusters/h100-ib.yaml'),
  R('package.json'),
  R('does-not-exist.yaml'),
  T('empty.yaml'),
  T('binary.yaml'),
  T('bad-syntax.yaml'),
  T('scalar.yaml'),
  T('a-dir'),
  T('out.yaml'), // a calibrated preset once the fuzz has written one
  T('chart.svg'),
  TMP,
  // Special files (issue 17): never a hang, never unbounded memory, one line each.
  '/dev/zero',
  '/dev/null',
  '/proc/self/mem',
  T('fifo.yaml'),
];

// ---------------------------------------------------------------------------------------------
// Values.
// ---------------------------------------------------------------------------------------------

const VALID = {
  tokens: ['128K', '1M', '4', '8', '8K', '32K', '1.5M', '128Ki', '1Mi', '131072', '512K', '2M', '1G', '100', '1'],
  count: ['1', '2', '4', '8', '16', '3', '32', '64', '6'],
  rate: ['5%', '10%', '0.1', '2.5%', '100%', '50%', '0', '1', '0.025', '0%', '99.9%'],
  duration: ['90s', '60s', '80ms', '1.5min', '2h', '500us', '10s', '5m', '1ms'],
  number: ['100', '1000', '5.5', '20', '1'],
  model: ['llama3-70b', 'llama3-405b', 'llama3-8b', 'mistral-large-2', 'qwen2.5-14b-1m', R('presets/models/llama3-8b.yaml')],
  cluster: [
    'gtt',
    'gti',
    'h100-ib',
    'a100-ib',
    'b200-ib',
    'h200-ib',
    'mi300x-roce',
    'gb200-nvl72',
    'gh200-nvl32',
    R('presets/clusters/h100-ib.yaml'),
    T('out.yaml'),
  ],
  weights: ['bf16', 'fp8', 'fp8-ffn', 'nvfp4', 'mxfp4', 'int4'],
  engine: ['meta-cp', 'vllm', 'sglang', 'trtllm', R('presets/engines/vllm.yaml')],
  attentionDtype: ['bf16', 'fp8'],
  presetKind: ['model', 'cluster', 'gpu', 'engine'],
  kv: ['bf16', 'fp8'],
  variant: ['auto', 'pass-kv', 'pass-q'],
  objective: ['ttft', 'ttit', 'gpus'],
  format: ['table', 'csv', 'json', 'markdown'],
  chartMetric: ['ttft', 'ttit', 'memory'],
  params: [
    'gemm',
    'attention',
    'serial',
    'decode-layer',
    'cp-decode',
    'attention-kernel',
    'all-to-all',
    'network',
    'network-latency',
    'ring-step',
    'gemm,attention,serial',
    ' gemm , network ',
    'gemm,gemm',
  ],
  schemaKind: ['model', 'cluster', 'gpu', 'engine', 'kernels', 'collectives', 'measurements', 'collective-measurements', 'external-measurements', 'check'],
  collectiveOp: ['all-reduce', 'all-gather', 'reduce-scatter', 'all-to-all', 'sendrecv', 'all_reduce_perf', 'alltoall'],
  bytes: ['8', '256MiB', '1GB', '32K', '8..1GiB', '1K,1M', '8..1GiB:4', '64Ki'],
  algorithm: ['ring', 'tree', 'nvls', 'nvls-tree', 'hierarchical', 'ring,tree', 'hierarchical-sharp'],
  presetName: [
    'gtt',
    'llama3-405b',
    'llama3-70b',
    'h100-ib',
    'mi300x-roce',
    'qwen2.5-14b-1m',
    'vllm',
    'engine/sglang',
    'gpu/h100-sxm',
    'b200-sxm',
    R('presets/models/llama3-8b.yaml'),
    R('presets/clusters/h100-ib.yaml'),
    R('presets/gpus/h800.yaml'),
  ],
  file: [R('validation/paper-measurements.yaml'), R('examples/sizing.yaml'), R('validation/collectives-h100.yaml')],
  sweepTokens: ['128K', '1M', '8K,128K,1M', '128K..1M:128K', '128K,512K', '1K..4K:1K', '8K..64K:8K', '4,8', '4', '1..16'],
  sweepCount: ['1', '4', '1..32', '1,2,4', '1..8:2', '2..16:2', '8,16', '1..4', '16'],
  sweepRate: ['5%', '1%,5%', '1%..50%', '1%..10%:1%', '0.1..0.5:0.1', '100%', '2.5%', '10%,100%'],
} as const satisfies Record<string, readonly string[]>;

/** Invalid or odd values (wrong units, near-miss names, files of the wrong kind), offered to every flag. */
const ODD = [
  '1Mb',
  '-5',
  '0',
  'NaN',
  '1e400',
  '0x10',
  '',
  ' ',
  'abc',
  '1..0',
  '200%',
  '12 K',
  '-1',
  '1e3',
  'Infinity',
  '-0',
  '00',
  '0.5',
  '1.',
  '.5',
  '%',
  '..',
  '1..',
  '..5',
  '1,,2',
  '1%%',
  '9007199254740993',
  '99999999999999999999',
  '1M:1',
  '--',
  '-',
  '∞',
  '１',
  '\t',
  '1_000',
  'null',
  'true',
  '[]',
  '{}',
  '1M,1M',
  '4..1:1',
  '1..4:0',
  '1..4:-1',
  '1..2..3',
  '1..4:1:1',
  '0.0',
  '1e-400',
  '-1%',
  '1.5',
  '1Ki5',
  '1m',
  '1KB',
  '0%',
  '100.0001%',
  'ttft',
  '1M..128K',
  '0%..10%',
  'llama3-7b',
  'LLAMA3-70B',
  'h100',
  'gt',
  'llama',
  'gtx',
  'fp4',
  'int8',
  'passq',
  'cost',
  'md',
  'models',
  'foo',
  'gemm,,',
  ',',
  ...READ_FILES,
  // Control characters (issue 17): shown as \n, \x1b, \r, never obeyed.
  '8\nK',
  'llama3\n70b',
  '\x1b[2J8K',
  '\x1b]0;title\x07',
  'h100\r',
  '\x9b2J',
  '128K\x7f',
  '\u0085gtt',
  './x\n.yaml',
];

type ValueKind = keyof typeof VALID;

// ---------------------------------------------------------------------------------------------
// Commands and flags, as src/program.ts declares them.
// ---------------------------------------------------------------------------------------------

type Flag = { name: string; kind: ValueKind | 'bool' | 'write' };

const WORKLOAD: Flag[] = [
  { name: '--ctx', kind: 'tokens' },
  { name: '--model', kind: 'model' },
  { name: '--cluster', kind: 'cluster' },
  { name: '--cached', kind: 'tokens' },
  { name: '--miss-rate', kind: 'rate' },
  { name: '--hit-rate', kind: 'rate' },
  { name: '--batch', kind: 'count' },
  { name: '--weights', kind: 'weights' },
  { name: '--kv-dtype', kind: 'kv' },
  { name: '--engine', kind: 'engine' },
  { name: '--attention-dtype', kind: 'attentionDtype' },
];
const COLOR: Flag = { name: '--no-color', kind: 'bool' };
const JSON_FLAG: Flag = { name: '--json', kind: 'bool' };

interface CommandSpec {
  path: string[];
  flags: Flag[];
  /** A positional argument's kind, when the command takes one. */
  positional?: ValueKind;
  /** A required flag the generator usually supplies, so that runs get past parsing. */
  required?: string;
  weight: number;
}

const COMMANDS: CommandSpec[] = [
  {
    path: ['estimate'],
    required: '--ctx',
    weight: 22,
    flags: [
      ...WORKLOAD,
      { name: '--nodes', kind: 'count' },
      { name: '--gpus', kind: 'count' },
      { name: '--tp', kind: 'count' },
      { name: '--cp', kind: 'count' },
      { name: '--dcp', kind: 'count' },
      { name: '--variant', kind: 'variant' },
      { name: '--report', kind: 'write' },
      JSON_FLAG,
      { name: '--explain', kind: 'bool' },
      COLOR,
    ],
  },
  {
    path: ['plan'],
    required: '--ctx',
    weight: 14,
    flags: [
      ...WORKLOAD,
      { name: '--max-ttft', kind: 'duration' },
      { name: '--max-ttit', kind: 'duration' },
      { name: '--min-throughput', kind: 'number' },
      { name: '--max-nodes', kind: 'count' },
      { name: '--max-gpus', kind: 'count' },
      { name: '--objective', kind: 'objective' },
      { name: '--variant', kind: 'variant' },
      { name: '--no-dcp', kind: 'bool' },
      { name: '--top', kind: 'count' },
      { name: '--report', kind: 'write' },
      JSON_FLAG,
      COLOR,
    ],
  },
  {
    path: ['sweep'],
    required: '--ctx',
    weight: 16,
    flags: [
      { name: '--ctx', kind: 'sweepTokens' },
      { name: '--nodes', kind: 'sweepCount' },
      { name: '--gpus', kind: 'sweepCount' },
      { name: '--miss-rate', kind: 'sweepRate' },
      { name: '--batch', kind: 'sweepCount' },
      { name: '--tp', kind: 'sweepCount' },
      { name: '--model', kind: 'model' },
      { name: '--cluster', kind: 'cluster' },
      { name: '--weights', kind: 'weights' },
      { name: '--kv-dtype', kind: 'kv' },
      { name: '--engine', kind: 'engine' },
      { name: '--attention-dtype', kind: 'attentionDtype' },
      { name: '--variant', kind: 'variant' },
      { name: '--format', kind: 'format' },
      JSON_FLAG,
      { name: '--chart', kind: 'bool' },
      { name: '--chart-metric', kind: 'chartMetric' },
      { name: '--chart-file', kind: 'write' },
      { name: '--report', kind: 'write' },
      COLOR,
    ],
  },
  {
    path: ['validate'],
    weight: 7,
    flags: [
      { name: '--data', kind: 'file' },
      { name: '--cluster', kind: 'cluster' },
      { name: '--engine', kind: 'engine' },
      { name: '--max-mape', kind: 'rate' },
      { name: '--max-error', kind: 'rate' },
      JSON_FLAG,
      COLOR,
    ],
  },
  {
    path: ['calibrate'],
    positional: 'file',
    weight: 8,
    flags: [
      { name: '--cluster', kind: 'cluster' },
      { name: '--engine', kind: 'engine' },
      { name: '--params', kind: 'params' },
      { name: '--nccl-tests', kind: 'file' },
      { name: '-o', kind: 'write' },
      { name: '--output', kind: 'write' },
      JSON_FLAG,
      COLOR,
    ],
  },
  {
    path: ['collective'],
    positional: 'collectiveOp',
    required: '--bytes',
    weight: 8,
    flags: [
      { name: '--bytes', kind: 'bytes' },
      { name: '--cluster', kind: 'cluster' },
      { name: '--gpus', kind: 'count' },
      { name: '--nodes', kind: 'count' },
      { name: '--ranks-per-node', kind: 'count' },
      { name: '--algorithm', kind: 'algorithm' },
      { name: '--format', kind: 'format' },
      JSON_FLAG,
      COLOR,
    ],
  },
  {
    path: ['check'],
    positional: 'file',
    weight: 7,
    flags: [{ name: '--format', kind: 'format' }, JSON_FLAG, { name: '--report', kind: 'write' }, COLOR],
  },
  { path: ['schema'], positional: 'schemaKind', weight: 4, flags: [] },
  { path: ['presets', 'list'], weight: 4, flags: [{ name: '--kind', kind: 'presetKind' }, JSON_FLAG, COLOR] },
  { path: ['presets', 'show'], positional: 'presetName', weight: 5, flags: [JSON_FLAG, COLOR] },
];

const ALL_FLAGS = COMMANDS.flatMap((c) => c.flags);
const WRITE_FLAGS = new Set(['-o', '--output', '--chart-file', '--report']);
const UNKNOWN_FLAGS = ['--ctxx', '--foo', '-x', '-O', '--json=1', '--no-json', '--JSON', '---ctx', '--nodes=', '--model=', '-', '--', '--help=1'];
const GLOBAL_FLAGS = ['-h', '--help', '-V', '--version', '--debug'];
/** Command lines that are not one of the commands above: none, unknown, help. */
const OTHER_PATHS: string[][] = [
  [],
  ['help'],
  ['help', 'estimate'],
  ['help', 'sweep'],
  ['help', 'presets'],
  ['help', 'frobnicate'],
  ['help', 'help'],
  ['presets', 'help', 'foo'],
  ['frobnicate'],
  ['estimat'],
  ['ESTIMATE'],
  ['presets'],
  ['presets', 'foo'],
  ['presets', 'help'],
  ['presets', 'help', 'list'],
  ['list'],
  ['-V'],
  ['--version'],
  ['--help'],
  ['-h'],
  ['--debug'],
];

// ---------------------------------------------------------------------------------------------
// The generator.
// ---------------------------------------------------------------------------------------------

/**
 * A value for a flag of this kind: from its valid pool with probability `validShare`, else an odd
 * value or another kind's valid one. Some runs are "mostly valid" (0.95, and only the command's own
 * flags) so that the fuzz gets deep into the models, not only into the parsers.
 */
function oddValue(rng: Rng, kind: ValueKind, validShare = 0.68): string {
  if (rng.chance(validShare)) return rng.pick(VALID[kind]);
  if (rng.chance(0.75)) return rng.pick(ODD);
  return rng.pick(VALID[rng.pick(Object.keys(VALID) as ValueKind[])]);
}

/** Tokens for one flag occurrence, given with a value, as --flag=value, or (rarely) without one. */
function flagTokens(rng: Rng, flag: Flag, validShare = 0.68): string[] {
  if (flag.kind === 'bool') return rng.chance(0.04) ? [`${flag.name}=${rng.pick(['1', 'true', ''])}`] : [flag.name];
  if (flag.kind === 'write') {
    // Write flags always carry a temp-dir path (so that no other token is ever taken as their value).
    const path = rng.pick(WRITE_PATHS);
    if (flag.name === '-o' && rng.chance(0.2)) return [`-o${path}`];
    if (flag.name !== '-o' && rng.chance(0.15)) return [`${flag.name}=${path}`];
    return [flag.name, path];
  }
  if (rng.chance(validShare > 0.9 ? 0.005 : 0.05)) return [flag.name]; // no value: takes the next token, or is missing
  const value = oddValue(rng, flag.kind, validShare);
  return rng.chance(0.12) ? [`${flag.name}=${value}`] : [flag.name, value];
}

function generateArgs(rng: Rng): string[] {
  if (rng.chance(0.04)) {
    const path = [...rng.pick(OTHER_PATHS)];
    if (rng.chance(0.4)) path.push(rng.pick([...GLOBAL_FLAGS, ...UNKNOWN_FLAGS, ...ODD]));
    return path;
  }
  const mostlyValid = rng.chance(0.35);
  const share = mostlyValid ? 0.95 : 0.68;
  let r = rng.next() * COMMANDS.reduce((s, c) => s + c.weight, 0);
  const spec = COMMANDS.find((c) => (r -= c.weight) < 0) ?? COMMANDS[0]!;
  const items: string[][] = [];
  if (spec.required && (mostlyValid || rng.chance(0.85))) {
    const flag = spec.flags.find((f) => f.name === spec.required)!;
    items.push(rng.chance(0.9) ? [flag.name, oddValue(rng, flag.kind as ValueKind, share)] : flagTokens(rng, flag, share));
  }
  if (spec.positional && (mostlyValid || rng.chance(0.88))) items.push([oddValue(rng, spec.positional, share)]);
  const extra = rng.int(0, 6);
  let dangling: string | undefined;
  for (let i = 0; i < extra; i++) {
    const roll = mostlyValid ? rng.next() * 0.74 : rng.next();
    if (spec.flags.length && roll < 0.74) items.push(flagTokens(rng, rng.pick(spec.flags), share));
    else if (roll < 0.8)
      items.push(flagTokens(rng, rng.pick(ALL_FLAGS))); // another command's flag
    else if (roll < 0.87) items.push([rng.pick(UNKNOWN_FLAGS)]);
    else if (roll < 0.93)
      items.push([oddValue(rng, rng.pick(Object.keys(VALID) as ValueKind[]))]); // extra positional
    else if (roll < 0.97 && spec.flags.length) {
      // a flag repeated
      const flag = rng.pick(spec.flags);
      items.push(flagTokens(rng, flag), flagTokens(rng, flag));
    } else if (roll < 0.985) items.push([rng.pick(GLOBAL_FLAGS)]);
    else dangling = rng.pick(spec.flags.length ? spec.flags : ALL_FLAGS).name; // a flag at the very end, without a value
  }
  // Shuffle the items (each keeps its flag-value pairing); sometimes put a flag before the command.
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  const args = [...spec.path, ...items.flat()];
  if (dangling) args.push(dangling);
  if (rng.chance(0.02)) args.unshift(rng.pick(['--debug', '--no-color', '--json']));
  return args;
}

/**
 * The generator's safety promise, checked before every run: a write flag is followed by a temp-dir
 * path or ends the line, and its attached forms name a temp-dir path. So whatever Commander takes
 * as the value of -o/--output/--chart-file, it is inside TMP.
 */
function assertWritesConfined(args: string[]): void {
  args.forEach((arg, i) => {
    if (WRITE_FLAGS.has(arg) && i + 1 < args.length) assert.ok(isWritePath(args[i + 1]!), `unsafe write target in ${JSON.stringify(args)}`);
    for (const prefix of ['--output=', '--chart-file=', '--report=']) {
      if (arg.startsWith(prefix)) assert.ok(isWritePath(arg.slice(prefix.length)), `unsafe write target in ${JSON.stringify(args)}`);
    }
    if (/^-[^-]*o/.test(arg) && !WRITE_FLAGS.has(arg)) {
      // -oPATH (or a short-flag cluster that ends in o...): the rest must be a temp path.
      assert.ok(arg.startsWith('-o') && isWritePath(arg.slice(2)), `unsafe short -o form in ${JSON.stringify(args)}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Known exceptions and known bugs.
// ---------------------------------------------------------------------------------------------

/**
 * BY DESIGN (README "Exit codes", test/cli/help.test.ts): a bare `cp-plan` or `cp-plan presets`
 * prints the usage on stderr and exits 2, so stderr is the help text rather than one line.
 */
function isBareGroup(args: string[]): boolean {
  const rest = args.filter((a) => a !== '--debug' && a !== '--'); // `--` ends the options: still bare
  return rest.length === 0 || (rest.length === 1 && rest[0] === 'presets');
}

/**
 * KNOWN BUGS found by this fuzz and NOT fixed here (fixes belong in src/). Runs whose argv match
 * an entry are still checked for "never exit 3, never throws, no stack trace", but not for the
 * property the bug breaks. Delete an entry once its bug is fixed.
 */
const KNOWN_BAD: { bug: string; examples: string[][]; matches: (args: string[]) => boolean }[] = [];

/**
 * Argv the fuzz found breaking the contract at some point, run on every test run (regressions).
 * - sweep with a --chart over a grid where some points are invalid (CP > new tokens): asciichart got
 *   NaN and threw RangeError "Invalid array length" -> exit 3 at commit 357c905. src/render/sweep-chart.ts
 *   now leaves such x points out of the terminal chart.
 */
const FOUND: string[][] = [
  ['sweep', '--ctx', '4,8', '--nodes', '1..32', '--chart'],
  ['sweep', '--ctx', '4,8', '--nodes', '200%', '--no-color', '--chart', '--nodes', '4', '--nodes', '1..32', '--no-color'],
  ['sweep', '--ctx', '4,8', '--nodes', '1..32', '--chart', '--chart-metric', 'ttit', '--chart-file', T('chart.svg')],
  ['sweep', '--ctx', '4', '--nodes', '1..32', '--chart'],
];

// ---------------------------------------------------------------------------------------------
// Running and checking.
// ---------------------------------------------------------------------------------------------

interface Run {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
  threw?: unknown;
  /** Files the run wrote (the write targets in its argv that exist afterwards), by path. */
  written?: Record<string, string>;
}

/** The temp-dir write targets an argv names (in any of its forms). */
function writeTargets(args: string[]): string[] {
  return WRITE_PATHS.filter((p) => args.some((a) => a.endsWith(p)));
}

/** Runs argv in-process; write targets are removed first and read afterwards, so `written` is this run's. */
async function runInProcess(args: string[]): Promise<Run> {
  const targets = writeTargets(args).filter((p) => p !== T('a-dir'));
  for (const p of targets) rmSync(p, { force: true });
  const run = await runMain(args);
  const written: Record<string, string> = {};
  for (const p of targets) if (existsSync(p)) written[p] = readFileSync(p, 'utf8');
  return { ...run, written };
}

async function runMain(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    isTTY: false,
    env: { NO_COLOR: '1' },
  };
  try {
    const code = await main(['node', 'cp-plan', ...args], io);
    return { args, code, stdout, stderr };
  } catch (threw) {
    return { args, code: null, stdout, stderr, threw };
  }
}

const HELP_OR_VERSION = new Set(['-h', '--help', '-V', '--version', 'help']);

/**
 * Whether stdout must be one JSON document: --json was given and the command ran to a result
 * (exit 0, or exit 1 where estimate, plan, check and validate still print their document).
 */
function expectsJson(run: Run): boolean {
  return (run.code === 0 || run.code === 1) && givesJsonFlag(run.args) && !run.args.some((a) => HELP_OR_VERSION.has(a));
}

const VALUE_FLAGS = new Set(ALL_FLAGS.filter((f) => f.kind !== 'bool').map((f) => f.name));

/** Whether --json is an option on this line, not the value of the flag before it (`--params --json`). */
function givesJsonFlag(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return false;
    if (args[i] === '--json') return true;
    if (VALUE_FLAGS.has(args[i]!)) i++; // the next token is this flag's value, whatever it looks like
  }
  return false;
}

/**
 * Keys that are null on purpose (src/render/*, src/commands/*): a link that is not used (TP or CP of
 * 1), no pass-KV/pass-Q crossover, an SLO not given, no best or closest layout, no -o file, a fit
 * parameter without a standard error, a check scenario without a layout (or without a reason because
 * it has one), a model without sliding windows, chunks or experts, a layout without a ring or TP
 * (sendRecv, protocol), a validate run without nccl-tests data (collectives) or external data, a GPU
 * without FP8 or FP4 tensor cores. JSON.stringify writes NaN and Infinity as null, so a null anywhere else is taken to be
 * a number gone wrong.
 */
const NULLABLE_KEYS = new Set<string>([
  'tpLink',
  'cpRingLink',
  'crossoverMissRate',
  'maxTtftMs',
  'maxTtitMs',
  'minTokensPerSecond',
  'best',
  'closest',
  'output',
  'stdError',
  'reason',
  'layout',
  'cpStyle',
  'withoutEngineLimits',
  'predictedNodes',
  'variant',
  'ttftMs',
  'memoryPerGpuBytes',
  'fits',
  'problem',
  // No ring (CP1): no SendRecv; no collective (TP1): no protocol; validate --data of TTFT/TTIT only: no collectives group.
  'sendRecv',
  'protocol',
  'collectives',
  // A model without windows or experts.
  'slidingWindowTokens',
  'chunkTokens',
  'experts',
  'topK',
  'sharedExperts',
  // A GPU without FP8 or FP4 tensor cores; validate without an external set.
  'fp8DenseTflops',
  'fp4DenseTflops',
  'external',
  // Whole prompts (no prefill chunk); no running-sequence limit; serve: no price, no SLO, open loop, no saturation run.
  'prefillChunkTokens',
  'value',
  'maxRunningSequences',
  'cost',
  'closedLoopConcurrency',
  'saturationRequestsPerSecond',
  // validate: no serving group (another --data kind); a source that printed no TPOT or TTFT.
  'seed',
  'serving',
  'measuredMeanTpotMs',
  'measuredMeanTtftMs',
  'predictedMeanTpotMs',
  'predictedMeanTtftMs',
  'concurrency',
]);

/** JSONPath-like paths of the nulls in a parsed JSON value. */
function nullPaths(value: unknown, path = '$', out: string[] = []): string[] {
  if (value === null) out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => nullPaths(v, `${path}[${i}]`, out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) nullPaths(v, `${path}.${k}`, out);
  return out;
}

/** C0 and C1 control characters and DEL, but for the newline. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** What is wrong with a run, or undefined if it keeps the contract. */
function violation(run: Run, checkOneLine = true): string | undefined {
  if (run.threw !== undefined) return `main() threw: ${run.threw instanceof Error ? run.threw.stack : String(run.threw)}`;
  if (run.code === 3) return 'exit 3 (internal error)';
  if (run.code !== 0 && run.code !== 1 && run.code !== 2) return `exit code ${run.code}`;
  if (/^\s+at /m.test(run.stderr)) return 'stack trace on stderr';
  // A user's control characters are shown (\n, \x1b), never obeyed: none raw in any output (NO_COLOR: no colour either).
  if (RAW_CONTROL.test(run.stderr)) return 'a raw control character on stderr';
  if (RAW_CONTROL.test(run.stdout)) return 'a raw control character on stdout';
  if (/^cp-plan: internal error/m.test(run.stderr)) return 'internal error on stderr';
  if (run.code === 2 && checkOneLine && !isBareGroup(run.args)) {
    if (run.stdout !== '') return 'exit 2 with output on stdout';
    if (!run.stderr.endsWith('\n')) return 'exit 2: stderr does not end with a newline';
    const lines = run.stderr.slice(0, -1).split('\n');
    if (lines.length !== 1) return `exit 2: ${lines.length} stderr lines`;
    if (!lines[0]!.startsWith('cp-plan: ')) return "exit 2: stderr line does not start with 'cp-plan: '";
  }
  if (run.code === 0 || run.code === 1) {
    // Whatever the format (tables, CSV, markdown, charts, YAML), a result never shows a broken number.
    const text = run.stdout.replaceAll('Infinity Fabric', '');
    if (/\bNaN\b|Infinity|undefined|\[object Object\]/.test(text)) return 'NaN, Infinity, undefined or [object Object] on stdout';
    if (/\bNaN\b|undefined|\[object Object\]/.test(run.stderr)) return 'NaN, undefined or [object Object] on stderr';
  }
  if (run.code === 0) {
    for (const [path, text] of Object.entries(run.written ?? {})) {
      // YAML spells NaN and Infinity .nan and .inf; 'Infinity Fabric' and 'infinity-fabric' are AMD's interconnect.
      if (/\bNaN\b|Infinity(?! Fabric)|\.(nan|NaN|NAN|inf|Inf|INF)\b|\bundefined\b/.test(text)) return `a broken number in the file written to ${path}`;
    }
  }
  if (expectsJson(run)) {
    let doc: unknown;
    try {
      doc = JSON.parse(run.stdout);
    } catch (error) {
      return `--json: stdout is not JSON (${(error as Error).message})`;
    }
    // 'Infinity Fabric' is AMD's GPU interconnect (a link name in the mi300x-roce preset), not a number.
    if (/NaN|Infinity/.test(run.stdout.replaceAll('Infinity Fabric', ''))) return '--json: NaN or Infinity in the JSON';
    const nulls = nullPaths(doc).filter(
      (p) =>
        !NULLABLE_KEYS.has(
          p
            .replace(/\[\d+\]/g, '[]')
            .split('.')
            .pop()!,
        ),
    );
    if (nulls.length) return `--json: null at ${nulls.slice(0, 5).join(', ')}`;
  }
  return undefined;
}

function describeRun(run: Run, problem: string): string {
  return [
    `argv: ${JSON.stringify(run.args)}`,
    `  problem: ${problem}`,
    `  exit: ${run.code}`,
    `  stdout: ${JSON.stringify(run.stdout.slice(0, 300))}`,
    `  stderr: ${JSON.stringify(run.stderr.slice(0, 600))}`,
  ].join('\n');
}

function check(run: Run): string | undefined {
  const known = KNOWN_BAD.find((k) => k.matches(run.args));
  const problem = violation(run, !known);
  return problem && describeRun(run, problem);
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

// Longer explorations: CP_PLAN_FUZZ_RUNS=50000 CP_PLAN_FUZZ_SECONDS=300 CP_PLAN_FUZZ_SEED=7 node --import tsx --test test/cli/fuzz.test.ts
const TARGET_RUNS = Number(process.env.CP_PLAN_FUZZ_RUNS ?? 3_000);
const TIME_BUDGET_MS = Number(process.env.CP_PLAN_FUZZ_SECONDS ?? 20) * 1000;
// A floor on coverage, not a speed test: a loaded 2-core machine (other jobs, CI neighbours) still reaches it.
const MIN_RUNS = 400;

// Mutated YAML (issue 17): files of every kind a user gives, with control characters put into their
// string slots (names, references, preset names, units), run through the commands that read them.
const YAML_RUNS = Number(process.env.CP_PLAN_FUZZ_YAML_RUNS ?? 400);
const YAML_BUDGET_MS = Number(process.env.CP_PLAN_FUZZ_SECONDS ?? 20) * 1000;
const CONTROL = ['\n', '\r', '\r\n', '\x1b[31m', '\x1b[2J', '\x1b]0;title\x07', '\x9b2J', '\x7f', '\t', '\x00', '\x85', '\x08', '\x1bc'];
const SHIPPED_MODEL = readFileSync(R('presets/models/llama3-8b.yaml'), 'utf8');

/** A string slot's value: often left valid, else with a control character or two put in. */
function mutate(rng: Rng, text: string): string {
  let out = text;
  if (rng.chance(0.3)) return out;
  for (let i = rng.int(1, 2); i > 0; i--) {
    const at = rng.int(0, out.length);
    out = out.slice(0, at) + rng.pick(CONTROL) + out.slice(at);
  }
  return out;
}

/** A YAML double-quoted string: JSON's escapes, and \xNN for DEL and C1 (which JSON leaves raw). */
const yq = (text: string) => JSON.stringify(text).replace(/[\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);

function mutatedYamlRun(rng: Rng, i: number): { file: string; args: string[] } {
  const kind = rng.pick(['check', 'measurements', 'model'] as const);
  const file = T(`mutated-${i}.yaml`);
  if (kind === 'check') {
    const scenarios = Array.from({ length: rng.int(1, 3) }, (_, k) =>
      [
        `  - name: ${yq(mutate(rng, `scenario ${k}`))}`,
        `    model: ${yq(mutate(rng, rng.pick(['llama3-8b', 'llama3-70b'])))}`,
        `    cluster: ${yq(mutate(rng, rng.pick(['h100-ib', 'gtt'])))}`,
        ...(rng.chance(0.3) ? [`    engine: ${yq(mutate(rng, 'vllm'))}`] : []),
        '    layout: { nodes: 1 }',
        `    workload: { ctx: ${yq(mutate(rng, rng.pick(['8K', '32K'])))} }`,
        `    slo: { maxTtft: ${yq(mutate(rng, rng.pick(['10s', '50ms'])))} }`,
      ].join('\n'),
    );
    writeFileSync(file, `scenarios:\n${scenarios.join('\n')}\n`);
    return { file, args: ['check', file, ...(rng.chance(0.7) ? ['--format', rng.pick(['table', 'markdown', 'json'])] : [])] };
  }
  if (kind === 'measurements') {
    const rows = Array.from(
      { length: rng.int(2, 4) },
      (_, k) =>
        `  - { name: ${yq(mutate(rng, `run ${k}`))}, ref: ${yq(mutate(rng, 'ref'))}, nodes: ${(k % 2) + 1}, contextTokens: ${64000 * (k + 1)}, ttftMs: ${20000 * (k + 1)}${k === 3 ? ', role: held-out' : ''} }`,
    );
    writeFileSync(file, `model: ${yq(mutate(rng, 'llama3-70b'))}\ncluster: ${yq(mutate(rng, 'h100-ib'))}\nmeasurements:\n${rows.join('\n')}\n`);
    const json = rng.chance(0.3) ? ['--json'] : [];
    return { file, args: rng.chance(0.5) ? ['validate', '--data', file, ...json] : ['calibrate', file, '--params', 'gemm,serial', ...json] };
  }
  const model = SHIPPED_MODEL.replace(/^name: .*$/m, `name: ${yq(mutate(rng, 'llama3-8b'))}`).replace(
    /^displayName: .*$/m,
    `displayName: ${yq(mutate(rng, 'Llama 3 8B'))}`,
  );
  writeFileSync(file, model);
  return {
    file,
    args: rng.chance(0.7)
      ? ['estimate', '--ctx', '8K', '--model', file, '--cluster', 'h100-ib', ...(rng.chance(0.3) ? ['--json'] : rng.chance(0.3) ? ['--explain'] : [])]
      : rng.chance(0.5)
        ? ['plan', '--ctx', '32K', '--model', file, '--cluster', 'h100-ib', '--max-ttft', '10s']
        : ['presets', 'show', file],
  };
}

before(() => {
  mkdirSync(T('a-dir'), { recursive: true });
  writeFileSync(T('empty.yaml'), '');
  writeFileSync(T('binary.yaml'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47, 0, 0, 10]));
  writeFileSync(T('bad-syntax.yaml'), 'name: [unclosed\n  key: : value\n\t- tab\n');
  writeFileSync(T('scalar.yaml'), '42\n');
  execFileSync('mkfifo', [T('fifo.yaml')]);
});

after(() => {
  rmSync(TMP, { recursive: true, force: true });
});

describe('CLI fuzz', () => {
  test(`in-process: ${TARGET_RUNS} random argv (seed ${SEED}), never exit 3, never a throw, clean errors, clean JSON`, async (t) => {
    const rng = new Rng(SEED);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const codes = { 0: 0, 1: 0, 2: 0, other: 0 };
    let jsonChecked = 0;
    const started = performance.now();
    const cwd = process.cwd();
    process.chdir(TMP); // any relative path a command might write lands in the temp dir
    let runs = 0;
    try {
      for (; runs < TARGET_RUNS && performance.now() - started < TIME_BUDGET_MS; runs++) {
        const args = generateArgs(rng);
        assertWritesConfined(args);
        const run = await runInProcess(args);
        let problem = check(run);
        // For an internal error, run the same argv again with --debug to put the stack in the report.
        if (run.code === 3 && problem) problem += `\n  with --debug: ${JSON.stringify((await runInProcess([...args, '--debug'])).stderr.slice(0, 1500))}`;
        if (problem) {
          // Report at most 3 runs per kind of problem, 30 in all.
          const kind = problem.split('\n')[1]!;
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          if (kinds.get(kind)! <= 3 && failures.length < 30) failures.push(problem);
        }
        if (run.code === 0 || run.code === 1 || run.code === 2) codes[run.code]++;
        else codes.other++;
        if (expectsJson(run)) jsonChecked++;
      }
    } finally {
      process.chdir(cwd);
    }
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `${runs} runs in ${seconds.toFixed(1)} s; exit 0: ${codes[0]}, 1: ${codes[1]}, 2: ${codes[2]}, other: ${codes.other}; JSON documents checked: ${jsonChecked}`,
    );
    assert.deepEqual(failures, [], `${failures.length} contract violation(s):\n${failures.join('\n')}`);
    assert.ok(runs >= MIN_RUNS, `only ${runs} runs in ${seconds.toFixed(1)} s (want at least ${MIN_RUNS})`);
    // The fuzz must reach real work, not only parse errors.
    assert.ok(codes[0] >= runs / 20, `too few successful runs: ${codes[0]} of ${runs}`);
    assert.ok(jsonChecked >= 20, `too few JSON documents checked: ${jsonChecked}`);
  });

  test('argv the fuzz has found, pinned: they keep the contract', async () => {
    const failures: string[] = [];
    for (const args of FOUND) {
      const problem = check(await runInProcess(args));
      if (problem) failures.push(problem);
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  test(`mutated YAML: ${YAML_RUNS} files with control characters in their string slots (seed ${SEED}) keep the contract`, async (t) => {
    const rng = new Rng(SEED ^ 0x7a11);
    const failures: string[] = [];
    const codes = { 0: 0, 1: 0, 2: 0, other: 0 };
    const started = performance.now();
    const cwd = process.cwd();
    process.chdir(TMP);
    let runs = 0;
    try {
      for (; runs < YAML_RUNS && performance.now() - started < YAML_BUDGET_MS; runs++) {
        const { file, args } = mutatedYamlRun(rng, runs);
        const run = await runInProcess(args);
        const problem = check(run);
        if (problem && failures.length < 20) failures.push(`${problem}\n  file: ${JSON.stringify(readFileSync(file, 'utf8').slice(0, 600))}`);
        if (run.code === 0 || run.code === 1 || run.code === 2) codes[run.code]++;
        else codes.other++;
      }
    } finally {
      process.chdir(cwd);
    }
    t.diagnostic(
      `${runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s; exit 0: ${codes[0]}, 1: ${codes[1]}, 2: ${codes[2]}, other: ${codes.other}`,
    );
    assert.deepEqual(failures, [], `${failures.length} contract violation(s):\n${failures.join('\n')}`);
    assert.ok(runs >= Math.min(YAML_RUNS, 50), `only ${runs} runs`);
    assert.ok(codes[0] + codes[1] >= runs / 10, `too few runs got past the files: ${codes[0] + codes[1]} of ${runs}`);
  });

  test('KNOWN_BAD examples: still never exit 3 nor a trace (a diagnostic says when one is fixed)', async (t) => {
    for (const known of KNOWN_BAD) {
      for (const example of known.examples) {
        assert.ok(known.matches(example), `${known.bug}: its example must match its own matcher`);
        const run = await runInProcess(example);
        assert.equal(violation(run, false), undefined, `${known.bug}: must still never exit 3 or show a trace`);
        if (violation(run) === undefined)
          t.diagnostic(`FIXED? ${JSON.stringify(example)} now keeps the contract: narrow or delete '${known.bug}' in KNOWN_BAD`);
      }
    }
  });

  test('subprocess: 30 random argv through bin/cp-plan.cjs, exit 0/1/2, no stack trace', () => {
    const rng = new Rng(SEED ^ 0x5eed);
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const args = generateArgs(rng);
      assertWritesConfined(args);
      const r = runCli(args, { cwd: TMP });
      const problem = check({ args, code: r.status, stdout: r.stdout, stderr: r.stderr });
      if (problem) failures.push(problem);
    }
    assert.deepEqual(failures, [], `${failures.length} contract violation(s):\n${failures.join('\n')}`);
  });
});

describe('internal errors', () => {
  /** An io whose stdout throws the first time it is written to: an unexpected exception inside a command. */
  function throwingIo(env: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    let calls = 0;
    const io: Io = {
      stdout: (text) => {
        if (calls++ === 0) throw new Error('simulated stdout failure');
        stdout += text;
      },
      stderr: (text) => void (stderr += text),
      isTTY: false,
      env: { NO_COLOR: '1', ...env },
    };
    return { io, out: () => ({ stdout, stderr }) };
  }

  test('an unexpected exception is exit 3, one line with "please report", no stack trace', async () => {
    const { io, out } = throwingIo();
    const code = await main(['node', 'cp-plan', 'presets', 'list'], io);
    const { stdout, stderr } = out();
    assert.equal(code, 3);
    assert.equal(stdout, '');
    assert.ok(stderr.endsWith('\n'), JSON.stringify(stderr));
    const lines = stderr.slice(0, -1).split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^cp-plan: internal error: simulated stdout failure/);
    assert.match(lines[0]!, /please report/);
    assert.match(lines[0]!, /--debug/);
    assert.doesNotMatch(stderr, /^\s+at /m);
  });

  for (const [how, args, env] of [
    ['--debug at the end', ['presets', 'list', '--debug'], {}],
    ['--debug before the command', ['--debug', 'presets', 'list'], {}],
    ['CP_PLAN_DEBUG=1', ['presets', 'list'], { CP_PLAN_DEBUG: '1' }],
  ] as const) {
    test(`with ${how}: exit 3, "please report" and the stack trace`, async () => {
      const { io, out } = throwingIo(env);
      const code = await main(['node', 'cp-plan', ...args], io);
      const { stdout, stderr } = out();
      assert.equal(code, 3);
      assert.equal(stdout, '');
      assert.match(stderr.split('\n')[0]!, /^cp-plan: internal error: simulated stdout failure.*please report/);
      assert.match(stderr, /^Error: simulated stdout failure$/m);
      assert.match(stderr, /^\s+at /m, 'the stack frames are shown');
    });
  }

  test('the same command with a working io: exit 0 (the failure above was the io, not presets list)', async () => {
    const run = await runInProcess(['presets', 'list']);
    assert.equal(run.code, 0, run.stderr);
    assert.notEqual(run.stdout, '');
  });
});
