// The bad-input corpus (issue 6, scope 1): every case must exit 2 with nothing on stdout and exactly
// one stderr line `cp-plan: ...` that names the offending flag, file or value, and no stack trace.
// A case that reveals a bug in src/ is kept with `todo: reason` until the bug is fixed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT, assertOneLineError, runCli } from '../helpers/run-cli.js';

interface Case {
  name: string;
  args: string[];
  /** Written into the case's own temporary directory (the cwd of the run); a name with a slash creates folders. */
  files?: Record<string, string | Buffer>;
  /** Named pipes made in the case's directory. */
  fifos?: string[];
  /** Symbolic links made in the case's directory: link name -> target (relative to the link, or absolute). */
  symlinks?: Record<string, string>;
  /** Hard links made in the case's directory: link name -> existing file. */
  hardlinks?: Record<string, string>;
  stderrMatch?: RegExp;
  /** A known bug: what is wrong today. */
  todo?: string;
}

const COMMANDS = ['estimate', 'plan', 'sweep', 'check', 'validate', 'calibrate', 'schema', 'presets'];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const read = (p: string) => readFileSync(join(REPO_ROOT, 'presets', p), 'utf8');
const MODEL = read('models/llama3-70b.yaml');
const CLUSTER = read('clusters/h100-ib.yaml');
/** A shipped preset with one line replaced; throws if the line is gone (the fixture would silently be valid). */
function edit(text: string, from: RegExp, to: string): string {
  if (!from.test(text)) throw new Error(`fixture edit ${from} matches nothing`);
  return text.replace(from, to);
}
const model = (key: string, value: string) => edit(MODEL, new RegExp(`^${key}:.*$`, 'm'), `${key}: ${value}`);
const cluster = (from: RegExp, to: string) => edit(CLUSTER, from, to);
const GPU = read('gpus/h100-sxm.yaml');
const gpu = (from: RegExp, to: string) => edit(GPU, from, to);
/** h100-ib with its GPU in ./g.yaml. */
const withGpu = cluster(/^gpu: .*$/m, 'gpu: ./g.yaml');
/** A check file with one scenario; keys given as undefined are left out. */
const scen = (o: Record<string, string | undefined> = {}) =>
  'scenarios:\n  - name: s1\n' +
  Object.entries({ layout: '{ nodes: 1 }', workload: '{ ctx: 8K }', slo: '{}', ...o })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `    ${k}: ${v}\n`)
    .join('');
/** A measurements file. */
const runs = (rows: string[], head = 'model: llama3-70b\ncluster: h100-ib\n') => `${head}measurements:\n${rows.map((r) => `  - { ${r} }\n`).join('')}`;
const GOOD_RUNS = runs(['nodes: 1, contextTokens: 128000, ttftMs: 40000', 'nodes: 2, contextTokens: 128000, ttftMs: 21000']);
const BOMB =
  ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdef'[i]}`).join(',')}]`)].join(
    '\n',
  ) + '\n';
const HUGE = '# ' + 'x'.repeat(16 * 1024 * 1024) + '\n';
const BINARY = Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0x00, 0x01, 0x02, 0xff]);
const SHIPPED_GTT = join(REPO_ROOT, 'presets', 'clusters', 'gtt.yaml');
const SHIPPED_SERVING = join(REPO_ROOT, 'validation', 'serving.yaml');
/** An external-measurements file of model rows (e2e, llama3-8b, TP1): each [name, gpu, cluster]. */
const external = (rows: [string, string, string][]) =>
  'source: test\nrows:\n' +
  rows
    .map(
      ([name, g, c]) =>
        `  - { name: ${name}, kind: e2e, gpu: ${g}, engine: vllm, role: held-out, cluster: ${c}, model: llama3-8b, gpus: 1, tp: 1, weights: bf16, kvDtype: bf16, inputTokens: 32, outputTokens: 128, batch: 8, measuredMs: 834, ref: test }\n`,
    )
    .join('');

// Bad units: every value is refused by every numeric flag (the error names the flag and quotes the value).
const BAD_NUMBERS = ['1Mb', '12 K', '-5', '0', '1e400', 'NaN', '0x10', '1.5', '', ' ', '1,000'];
const unitCases: Case[] = [
  ...BAD_NUMBERS.map((v) => ({ name: `estimate --ctx '${v}'`, args: ['estimate', '--ctx', v] })),
  ...['--nodes', '--tp', '--cp', '--dcp'].flatMap((f) => BAD_NUMBERS.map((v) => ({ name: `estimate ${f} '${v}'`, args: ['estimate', '--ctx', '128K', f, v] }))),
  ...BAD_NUMBERS.map((v) => ({ name: `plan --batch '${v}'`, args: ['plan', '--ctx', '128K', '--batch', v] })),
  ...BAD_NUMBERS.filter((v) => v !== '0').map((v) => ({ name: `estimate --cached '${v}'`, args: ['estimate', '--ctx', '128K', '--cached', v] })),
  ...['1Mb', '0', 'NaN', '1,000x'].map((v) => ({ name: `plan --ctx '${v}'`, args: ['plan', '--ctx', v] })),
  ...['1Mb', '-5', '0x10'].map((v) => ({ name: `sweep --nodes '${v}'`, args: ['sweep', '--ctx', '128K', '--nodes', v] })),
].map((c) => {
  const flag = c.args[c.args.length - 2]!;
  return { ...c, stderrMatch: new RegExp(`^cp-plan: ${esc(flag)}: .*'${esc(c.args[c.args.length - 1]!)}'`) };
});

const cases: Case[] = [
  // Unknown commands and flags (commander suggests the closest).
  { name: 'unknown command, misspelled', args: ['estimat', '--ctx', '1M'], stderrMatch: /unknown command 'estimat'.*Did you mean estimate\?/ },
  { name: 'unknown command, wrong case', args: ['Plan', '--ctx', '1M'], stderrMatch: /unknown command 'Plan'.*Did you mean plan\?/ },
  { name: 'unknown command, nothing close', args: ['frobnicate'], stderrMatch: /unknown command 'frobnicate'/ },
  { name: 'flag before any command', args: ['--ctx', '1M'], stderrMatch: /unknown option '--ctx'/ },
  { name: 'estimate --nodez', args: ['estimate', '--ctx', '1M', '--nodez', '4'], stderrMatch: /unknown option '--nodez'.*Did you mean --nodes\?/ },
  { name: 'estimate -x', args: ['estimate', '--ctx', '1M', '-x'], stderrMatch: /unknown option '-x'/ },
  { name: 'plan --max-tttf', args: ['plan', '--ctx', '1M', '--max-tttf', '9s'], stderrMatch: /'--max-tttf'.*Did you mean --max-ttft\?/ },
  {
    name: 'plan --ctx with --disaggregated (pools need a stream)',
    args: ['plan', '--ctx', '1M', '--max-ttft', '60s', '--max-ttit', '100ms', '--disaggregated'],
    stderrMatch: /--disaggregated sizes prefill and decode pools for a request stream: give --isl, --osl and --rate/,
  },
  { name: 'sweep --chrat', args: ['sweep', '--ctx', '1M', '--chrat'], stderrMatch: /'--chrat'.*Did you mean --chart\?/ },
  { name: 'validate --dat', args: ['validate', '--dat', 'x.yaml'], stderrMatch: /'--dat'.*Did you mean --data\?/ },
  { name: 'calibrate --param', args: ['calibrate', 'runs.yaml', '--param', 'gemm'], stderrMatch: /'--param'.*Did you mean --params\?/ },
  { name: 'check --formt', args: ['check', 'sizing.yaml', '--formt', 'json'], stderrMatch: /'--formt'.*Did you mean --format\?/ },
  { name: 'presets list --jsn', args: ['presets', 'list', '--jsn'], stderrMatch: /'--jsn'.*Did you mean --json\?/ },
  { name: 'schema --json (no such flag)', args: ['schema', '--json', 'model'], stderrMatch: /unknown option '--json'/ },
  // Missing option values, required options and arguments; extra positional arguments.
  { name: 'estimate --ctx without a value', args: ['estimate', '--ctx'], stderrMatch: /'--ctx <tokens>' argument missing/ },
  { name: 'estimate --model without a value', args: ['estimate', '--ctx', '1M', '--model'], stderrMatch: /'--model <name\|file>' argument missing/ },
  { name: 'plan --max-ttft without a value', args: ['plan', '--ctx', '1M', '--max-ttft'], stderrMatch: /'--max-ttft <duration>' argument missing/ },
  { name: 'sweep --nodes without a value', args: ['sweep', '--ctx', '1M', '--nodes'], stderrMatch: /'--nodes <values>' argument missing/ },
  { name: 'calibrate -o without a value', args: ['calibrate', 'runs.yaml', '-o'], stderrMatch: /'-o, --output <file>' argument missing/ },
  { name: 'estimate without --ctx', args: ['estimate'], stderrMatch: /required option '--ctx <tokens>' not specified/ },
  { name: 'plan without --ctx', args: ['plan', '--max-ttft', '90s'], stderrMatch: /plan needs --ctx TOKENS/ },
  { name: 'sweep without --ctx', args: ['sweep', '--nodes', '1..4'], stderrMatch: /required option '--ctx <values>'/ },
  { name: 'check without a file', args: ['check'], stderrMatch: /missing required argument 'file'/ },
  { name: 'calibrate without a file', args: ['calibrate'], stderrMatch: /calibrate: give a measurements file \(my-runs\.yaml\) or --nccl-tests FILE/ },
  { name: 'schema without a kind', args: ['schema'], stderrMatch: /missing required argument 'kind'/ },
  { name: 'presets show without a name', args: ['presets', 'show'], stderrMatch: /missing required argument 'name\|file'/ },
  { name: 'estimate with a positional', args: ['estimate', '--ctx', '1M', '16'], stderrMatch: /too many arguments for 'estimate'/ },
  { name: 'validate with a positional', args: ['validate', 'extra'], stderrMatch: /too many arguments for 'validate'/ },
  { name: 'check with two files', args: ['check', 'a.yaml', 'b.yaml'], stderrMatch: /too many arguments for 'check'/ },
  { name: 'schema with two kinds', args: ['schema', 'model', 'cluster'], stderrMatch: /too many arguments for 'schema'/ },
  { name: 'presets list with a positional', args: ['presets', 'list', 'all'], stderrMatch: /too many arguments for 'list'/ },
  { name: 'presets show with two names', args: ['presets', 'show', 'gtt', 'h100-ib'], stderrMatch: /too many arguments for 'show'/ },
  { name: 'presets lst', args: ['presets', 'lst'], stderrMatch: /unknown command 'lst'.*Did you mean list\?/ },
  { name: 'presets shw', args: ['presets', 'shw', 'gtt'], stderrMatch: /unknown command 'shw'.*Did you mean show\?/ },
  { name: 'bare presets', args: ['presets'], stderrMatch: /presets needs a subcommand: list or show/ },
  { name: 'no command at all', args: [], stderrMatch: /missing command: one of estimate, serve, plan/ },
  { name: 'help for an unknown command', args: ['help', 'estimat'], stderrMatch: /unknown command 'estimat'/ },
  // Choices.
  {
    name: 'estimate --weights fp4',
    args: ['estimate', '--ctx', '1M', '--weights', 'fp4'],
    stderrMatch: /'--weights <recipe>' argument 'fp4' is invalid.*bf16, fp8, fp8-ffn/,
  },
  { name: 'estimate --variant pass-x', args: ['estimate', '--ctx', '1M', '--variant', 'pass-x'], stderrMatch: /'--variant <variant>' argument 'pass-x'/ },
  { name: 'plan --objective speed', args: ['plan', '--ctx', '1M', '--objective', 'speed'], stderrMatch: /'--objective <what>' argument 'speed'/ },
  { name: 'sweep --format xml', args: ['sweep', '--ctx', '1M', '--format', 'xml'], stderrMatch: /'--format <format>' argument 'xml'/ },
  // Rates and durations.
  ...(['0', '101%', '-1%', 'abc'] as const).map((v) => ({
    name: `plan --miss-rate ${v}`,
    args: ['plan', '--ctx', '1M', '--miss-rate', v],
    stderrMatch: /^cp-plan: --miss-rate: /,
  })),
  {
    name: 'estimate --miss-rate 1.5 (150%)',
    args: ['estimate', '--ctx', '1M', '--miss-rate', '1.5'],
    stderrMatch: /--miss-rate: must be in \(0, 100%\], got 150/,
  },
  { name: 'estimate --hit-rate 100%', args: ['estimate', '--ctx', '1M', '--hit-rate', '100%'], stderrMatch: /--hit-rate: must be in \[0, 100%\)/ },
  ...(['90', '-1s', '0ms', '1e9999s', '80 ms'] as const).map((v) => ({
    name: `plan --max-ttft '${v}'`,
    args: ['plan', '--ctx', '1M', '--max-ttft', v],
    stderrMatch: new RegExp(`--max-ttft: '${esc(v)}' is not a duration`),
  })),
  { name: 'plan --min-throughput -3', args: ['plan', '--ctx', '1M', '--min-throughput', '-3'], stderrMatch: /--min-throughput: '-3'/ },
  { name: 'plan --top 0', args: ['plan', '--ctx', '1M', '--top', '0'], stderrMatch: /--top: must be at least 1, got '0'/ },
  { name: 'validate --max-mape lots', args: ['validate', '--max-mape', 'lots'], stderrMatch: /--max-mape: 'lots' is not a rate/ },
  { name: 'validate --max-error -5%', args: ['validate', '--max-error', '-5%'], stderrMatch: /--max-error: '-5%' is not a rate/ },
  // Contradictory flags.
  {
    name: '--cached with --miss-rate',
    args: ['estimate', '--ctx', '1M', '--cached', '5', '--miss-rate', '5%'],
    stderrMatch: /--cached, --miss-rate and --hit-rate .*give only one/,
  },
  { name: '--miss-rate with --hit-rate', args: ['plan', '--ctx', '1M', '--miss-rate', '5%', '--hit-rate', '95%'], stderrMatch: /give only one/ },
  {
    name: '--cached equal to --ctx',
    args: ['estimate', '--ctx', '128K', '--cached', '128K'],
    stderrMatch: /--cached 128000: must be smaller than --ctx 128000/,
  },
  { name: '--cached above --ctx', args: ['estimate', '--ctx', '128K', '--cached', '200K'], stderrMatch: /--cached 200000: must be smaller than --ctx 128000/ },
  {
    name: 'TP x CP is not the GPU count',
    args: ['estimate', '--ctx', '128K', '--nodes', '2', '--tp', '8', '--cp', '4'],
    stderrMatch: /TP 8 x CP 4 must equal the 16 GPUs/,
  },
  // Impossible layouts.
  { name: 'TP not dividing the GPUs', args: ['estimate', '--ctx', '128K', '--tp', '3'], stderrMatch: /--tp 3: does not divide the 8 GPUs/ },
  { name: 'CP not dividing the GPUs', args: ['estimate', '--ctx', '128K', '--nodes', '2', '--cp', '3'], stderrMatch: /--cp 3: does not divide the 16 GPUs/ },
  {
    name: 'TP not dividing 40 heads',
    args: ['estimate', '--ctx', '128K', '--model', 'qwen2.5-14b-1m', '--nodes', '2', '--tp', '16'],
    stderrMatch: /--tp 16: does not divide the 40 attention heads of qwen2.5-14b-1m; try --tp \d+/,
  },
  {
    name: 'TP not dividing 96 heads',
    args: ['estimate', '--ctx', '128K', '--model', 'mistral-large-2', '--nodes', '8', '--tp', '64'],
    stderrMatch: /--tp 64: does not divide the 96 attention heads/,
  },
  {
    name: 'default TP of a 7-GPU node',
    args: ['estimate', '--ctx', '8K', '--cluster', './g7.yaml'],
    files: { 'g7.yaml': edit(cluster(/^gpusPerNode:.*$/m, 'gpusPerNode: 7'), /nvlinkDomainGpus: \d+/, 'nvlinkDomainGpus: 7') },
    stderrMatch: /default TP 7 .*does not divide the 128 attention heads.*try --tp/,
  },
  {
    name: 'CP greater than the context',
    args: ['estimate', '--ctx', '16', '--nodes', '32'],
    stderrMatch: /CP32 needs at least one new token per rank, but only 16/,
  },
  { name: 'CP greater than the new tokens', args: ['estimate', '--ctx', '100', '--cached', '90', '--nodes', '16'], stderrMatch: /CP16 .* only 10 new token/ },
  { name: 'nodes beyond gtt maxNodes', args: ['estimate', '--ctx', '1M', '--nodes', '999'], stderrMatch: /--nodes 999: cluster 'gtt' has at most 32 nodes/ },
  {
    name: 'nodes beyond maxNodes, estimate',
    args: ['estimate', '--ctx', '8K', '--cluster', 'h100-ib', '--nodes', '65'],
    stderrMatch: /--nodes 65: cluster 'h100-ib' has at most 64/,
  },
  { name: 'DCP without duplicated KV', args: ['estimate', '--ctx', '1M', '--dcp', '2'], stderrMatch: /--dcp 2: not applicable/ },
  {
    name: 'DCP not dividing TP/KV',
    args: ['estimate', '--ctx', '128K', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--nodes', '2', '--tp', '16', '--dcp', '3'],
    stderrMatch: /--dcp 3: must divide TP \/ KV heads = 2/,
  },
  // Preset files by path.
  {
    name: 'missing model file',
    args: ['estimate', '--ctx', '8K', '--model', './nope.yaml'],
    stderrMatch: /nope\.yaml: cannot read file \(ENOENT\); check the path/,
  },
  {
    name: 'empty cluster file',
    args: ['estimate', '--ctx', '8K', '--cluster', './empty.yaml'],
    files: { 'empty.yaml': '  \n' },
    stderrMatch: /empty\.yaml: file is empty/,
  },
  {
    name: 'binary model file',
    args: ['estimate', '--ctx', '8K', '--model', './bin.yaml'],
    files: { 'bin.yaml': BINARY },
    stderrMatch: /bin\.yaml: is a binary file/,
  },
  {
    name: 'huge cluster file',
    args: ['plan', '--ctx', '8K', '--cluster', './huge.yaml'],
    files: { 'huge.yaml': HUGE },
    stderrMatch: /huge\.yaml: file is \d+ bytes; a file must be under 16 MiB/,
  },
  {
    name: 'directory as model',
    args: ['estimate', '--ctx', '8K', '--model', './dir.yaml'],
    files: { 'dir.yaml/keep': '' },
    stderrMatch: /dir\.yaml: is a directory/,
  },
  {
    name: 'YAML syntax error',
    args: ['estimate', '--ctx', '8K', '--model', './syntax.yaml'],
    files: { 'syntax.yaml': 'name: [a, b\nlayers: 3\n' },
    stderrMatch: /syntax\.yaml:\d+:\d+: invalid YAML/,
  },
  {
    name: 'duplicate keys',
    args: ['estimate', '--ctx', '8K', '--model', './dup.yaml'],
    files: { 'dup.yaml': MODEL + 'layers: 81\n' },
    stderrMatch: /dup\.yaml:\d+:\d+: invalid YAML: Map keys must be unique/,
  },
  {
    name: 'alias expansion bomb',
    args: ['sweep', '--ctx', '8K', '--cluster', './bomb.yaml'],
    files: { 'bomb.yaml': BOMB },
    stderrMatch: /bomb\.yaml: .*alias/i,
  },
  {
    name: 'YAML list instead of a mapping',
    args: ['estimate', '--ctx', '8K', '--model', './list.yaml'],
    files: { 'list.yaml': '- layers\n' },
    stderrMatch: /list\.yaml: expected a YAML mapping/,
  },
  {
    name: 'wrong type: layers: many',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': model('layers', 'many') },
    stderrMatch: /t\.yaml:\d+:\d+: layers: .*expected number/,
  },
  {
    name: 'NaN layers',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': model('layers', '.nan') },
    stderrMatch: /t\.yaml:\d+:\d+: layers: /,
  },
  {
    name: 'infinite hiddenSize',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': model('hiddenSize', '1e400') },
    stderrMatch: /t\.yaml:\d+:\d+: hiddenSize: /,
  },
  {
    name: 'unknown key (typo)',
    args: ['plan', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': edit(MODEL, /^layers:/m, 'layrs:') },
    stderrMatch: /t\.yaml:\d+:\d+: unknown key 'layrs' \(a typo\?/,
  },
  {
    name: 'negative hiddenSize',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': model('hiddenSize', '-8192') },
    stderrMatch: /t\.yaml:\d+:\d+: hiddenSize: /,
  },
  {
    name: 'zero layers',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': model('layers', '0') },
    stderrMatch: /t\.yaml:\d+:\d+: layers: /,
  },
  {
    name: 'kvHeads not dividing heads',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': model('kvHeads', '7') },
    stderrMatch: /t\.yaml:\d+:\d+: kvHeads: must divide attentionHeads/,
  },
  {
    name: 'zero scale-out bandwidth',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': cluster(/(scaleOut:[\s\S]*?bandwidthPerNicGBps:) [\d.]+/, '$1 0') },
    stderrMatch: /c\.yaml:\d+:\d+: scaleOut\.bandwidthPerNicGBps: /,
  },
  {
    name: 'cluster file of cp-plan 0.1 (old link keys)',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': cluster(/(scaleOut:[\s\S]*?)bandwidthPerNicGBps: ([\d.]+)/, '$1bandwidthPerNicGBps: $2\n  latencyUs: 55.3') },
    stderrMatch: /c\.yaml: scaleUp\/scaleOut latencyUs and hopLatencyUs were replaced: NCCL's latencies now come from presets\/collectives\/nccl\.yaml/,
  },
  {
    name: 'cluster file with the old ringStepUs',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': CLUSTER + 'overhead:\n  decodeLayerUs: 50\n  ringStepUs: 29\n' },
    stderrMatch: /c\.yaml: overhead\.ringStepUs was replaced/,
  },
  {
    name: 'unknown collective library',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': cluster(/collectives: nccl/, 'collectives: mpi') },
    stderrMatch: /unknown collective library 'mpi'; built in: nccl/,
  },
  {
    name: 'NVLink domain not whole nodes',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': cluster(/nvlinkDomainGpus: \d+/, 'nvlinkDomainGpus: 12') },
    stderrMatch: /c\.yaml:\d+:\d+: topology\.nvlinkDomainGpus: must be a multiple of gpusPerNode/,
  },
  {
    name: 'unknown GPU architecture',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': withGpu, 'g.yaml': gpu(/architecture: hopper/, 'architecture: kepler') },
    stderrMatch: /g\.yaml:\d+:\d+: architecture: /,
  },
  {
    name: 'negative HBM bandwidth',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': withGpu, 'g.yaml': gpu(/hbmBandwidthTBps: [\d.]+/, 'hbmBandwidthTBps: -3') },
    stderrMatch: /g\.yaml:\d+:\d+: hbmBandwidthTBps: /,
  },
  {
    name: 'zero maxNodes',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': cluster(/^maxNodes:.*$/m, 'maxNodes: 0') },
    stderrMatch: /c\.yaml:\d+:\d+: maxNodes: /,
  },
  {
    name: 'FP8 slower than BF16',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': withGpu, 'g.yaml': gpu(/fp8DenseTflops: \d+/, 'fp8DenseTflops: 100') },
    stderrMatch: /g\.yaml:\d+:\d+: fp8DenseTflops: is below bf16DenseTflops/,
  },
  {
    name: 'reserve above the HBM',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': withGpu, 'g.yaml': gpu(/hbmCapacityGB: \d+/, 'hbmCapacityGB: 0.5') },
    stderrMatch: /engine vllm keeps 3 GB .* 0\.46 GB it may use on H100/,
  },
  {
    name: 'HBM smaller than one layer',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml', '--engine', 'sglang'],
    files: { 'c.yaml': withGpu, 'g.yaml': gpu(/hbmCapacityGB: \d+/, 'hbmCapacityGB: 0.1') },
    stderrMatch: /smaller than one layer .*hbmCapacityGB/,
  },
  {
    name: 'headDim x heads inconsistent with hiddenSize',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml', '--cluster', 'h100-ib'],
    files: { 't.yaml': model('headDim', '4096') },
    stderrMatch: /t\.yaml:\d+:\d+: headDim: .*attentionHeads/,
  },
  {
    name: 'absurd layer count',
    args: ['estimate', '--ctx', '8K', '--model', './t.yaml'],
    files: { 't.yaml': model('layers', '1e15') },
    stderrMatch: /t\.yaml:\d+:\d+: layers: is implausibly large/,
  },
  {
    name: 'cluster file as --model',
    args: ['estimate', '--ctx', '8K', '--model', './c.yaml'],
    files: { 'c.yaml': CLUSTER },
    stderrMatch: /c\.yaml: this is a cluster file .*pass it as --cluster/,
  },
  {
    name: 'model file as --cluster',
    args: ['estimate', '--ctx', '8K', '--cluster', './m.yaml'],
    files: { 'm.yaml': MODEL },
    stderrMatch: /m\.yaml: this is a model file .*pass it as --model/,
  },
  {
    name: 'model file as validate --cluster',
    args: ['validate', '--cluster', './m.yaml'],
    files: { 'm.yaml': MODEL },
    stderrMatch: /m\.yaml: this is a model file/,
  },
  {
    name: 'presets show of a duplicate-key file',
    args: ['presets', 'show', './dup.yaml'],
    files: { 'dup.yaml': MODEL + 'layers: 81\n' },
    stderrMatch: /dup\.yaml:\d+:\d+: invalid YAML/,
  },
  { name: 'presets show of a missing file', args: ['presets', 'show', './nope.yaml'], stderrMatch: /nope\.yaml: cannot read file/ },
  // Names that used to mislead or be ignored (review 13, P3).
  {
    name: 'calibration.engine typo',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': edit(read('clusters/gtt.yaml'), /^  engine: meta-cp$/m, '  engine: meta_cp') },
    stderrMatch: /^cp-plan: c\.yaml: calibration\.engine 'meta_cp' is not a known engine.*known engines: meta-cp, sglang, trtllm, vllm/,
  },
  {
    name: 'unknown kernels.table names the GPU file',
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': withGpu, 'g.yaml': gpu(/^  table: .*$/m, '  table: nosuch') },
    stderrMatch: /g\.yaml: kernels\.table: unknown kernel table 'nosuch'; built in: .*h100-sxm/,
  },
  {
    name: "the cluster's default engine cannot run on its GPU",
    args: ['estimate', '--ctx', '8K', '--cluster', './c.yaml'],
    files: { 'c.yaml': edit(read('clusters/mi300x-roce.yaml'), /^engine: .*$/m, 'engine: trtllm') },
    stderrMatch: /^cp-plan: the cluster's default engine trtllm runs on .*, not on AMD .*\(cdna3\); pick one with --engine/,
  },
  { name: 'a GPU name as --engine', args: ['estimate', '--ctx', '8K', '--engine', 'h100-sxm'], stderrMatch: /'h100-sxm' is a gpu preset, not an engine/ },
  {
    name: 'validate: external file with --cluster and --engine',
    args: ['validate', '--data', 'x.yaml', '--cluster', 'nosuch', '--engine', 'sglang'],
    files: { 'x.yaml': external([['r0', 'h200-sxm', 'h200-ib']]) },
    stderrMatch:
      /^cp-plan: --cluster and --engine: x\.yaml is an external-measurements file, whose rows name their own cluster and engine; drop --cluster and --engine$/,
  },
  {
    name: 'validate: external file with --engine',
    args: ['validate', '--data', 'x.yaml', '--engine', 'vllm'],
    files: { 'x.yaml': external([['r0', 'h200-sxm', 'h200-ib']]) },
    stderrMatch: /^cp-plan: --engine: x\.yaml is an external-measurements file/,
  },
  {
    name: 'validate: serving file with --cluster',
    args: ['validate', '--data', SHIPPED_SERVING, '--cluster', 'h100-ib'],
    stderrMatch: /^cp-plan: --cluster: .*serving\.yaml is a serving-runs file, whose runs name their own cluster and engine; drop --cluster$/,
  },
  {
    name: "validate: external row whose GPU is not its cluster's",
    args: ['validate', '--data', 'x.yaml'],
    files: {
      'x.yaml': external([
        ['r0', 'h200-sxm', 'h200-ib'],
        ['r1', 'b200-sxm', 'h200-ib'],
      ]),
    },
    stderrMatch: /^cp-plan: x\.yaml: rows\.1 \('r1'\): gpu 'b200-sxm' but cluster h200-ib has h200-sxm GPUs/,
  },
  {
    name: 'presets show gpu/vllm (an engine)',
    args: ['presets', 'show', 'gpu/vllm'],
    stderrMatch: /^cp-plan: 'vllm' is an engine, not a GPU: presets show engine\/vllm$/,
  },
  {
    name: 'presets show engine/h100-sxm (a GPU)',
    args: ['presets', 'show', 'engine/h100-sxm'],
    stderrMatch: /^cp-plan: 'h100-sxm' is a GPU, not an engine: presets show gpu\/h100-sxm$/,
  },
  {
    name: 'presets show kernels/nosuch',
    args: ['presets', 'show', 'kernels/nosuch'],
    stderrMatch: /^cp-plan: unknown kernel table 'nosuch'; built in: .*h100-sxm/,
  },
  // GPU counts and NVLink domains.
  {
    name: '--gpus and --nodes disagree',
    args: ['estimate', '--ctx', '8K', '--gpus', '4', '--nodes', '2'],
    stderrMatch: /--gpus 4 and --nodes 2 disagree: 4 GPUs fill 1 node\(s\) of 8/,
  },
  { name: '--gpus beyond the cluster', args: ['estimate', '--ctx', '8K', '--gpus', '300'], stderrMatch: /--gpus 300: cluster 'gtt' has at most 256 GPUs/ },
  {
    name: 'TP6 on 12 GPUs straddles an 8-GPU node',
    args: ['estimate', '--ctx', '8K', '--model', 'llama3-8b', '--gpus', '12', '--tp', '6'],
    stderrMatch: /TP group 1 \(GPUs 6-11\) would straddle two NVLink domains of 8 GPUs; choose a TP that divides 8/,
  },
  {
    name: 'TP across partial NVL72 racks',
    args: ['estimate', '--ctx', '8K', '--cluster', 'gb200-nvl72', '--gpus', '96', '--tp', '32'],
    stderrMatch: /TP group 2 \(GPUs 64-95\) would straddle two NVLink domains of 72 GPUs/,
  },
  {
    name: 'sweep --nodes and --gpus',
    args: ['sweep', '--ctx', '8K', '--nodes', '1,2', '--gpus', '4'],
    stderrMatch: /--nodes and --gpus both say how many GPUs; give one of them/,
  },
  {
    name: 'check layout without nodes or gpus',
    args: ['check', 's.yaml'],
    files: { 's.yaml': 'scenarios:\n  - name: x\n    layout: { tp: 8 }\n    workload: { ctx: 8K }\n    slo: { maxTtft: 10s }\n' },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.layout: give nodes or gpus/,
  },
  // collective and calibrate --nccl-tests.
  {
    name: 'collective: unknown op',
    args: ['collective', 'broadcast', '--bytes', '1M'],
    stderrMatch: /collective: unknown operation; choose all-reduce, all-gather/,
  },
  { name: 'collective: bad size', args: ['collective', 'all-reduce', '--bytes', '1Mb/s'], stderrMatch: /--bytes: '1Mb\/s' is not a size in bytes/ },
  {
    name: 'collective: decreasing range',
    args: ['collective', 'all-reduce', '--bytes', '1G..8'],
    stderrMatch: /--bytes: '1G\.\.8' is not an increasing range/,
  },
  {
    name: 'collective: ranks per node beyond the cluster',
    args: ['collective', 'all-reduce', '--bytes', '1M', '--cluster', 'h100-ib', '--ranks-per-node', '1', '--gpus', '65'],
    stderrMatch: /--ranks-per-node 1: 65 nodes are needed and 'h100-ib' has at most 64/,
  },
  {
    name: 'calibrate --nccl-tests: nvls-bus without NVLS',
    args: ['calibrate', '--nccl-tests', 'all_reduce_perf.txt', '--cluster', 'a100-ib', '--params', 'nvls-bus'],
    files: {
      'all_reduce_perf.txt':
        '#  Rank  0 Group  0 Pid 1 on h device  0 [0000:18:00] GPU\n#  Rank  1 Group  0 Pid 1 on h device  1 [0000:19:00] GPU\n#  size count type redop root time algbw busbw #wrong time algbw busbw #wrong\n1024 256 float sum -1 20.0 0.05 0.09 0 20.0 0.05 0.09 0\n',
    },
    stderrMatch: /--params nvls-bus: 'a100-ib' has no NVLink SHARP/,
  },
  {
    name: 'collective: one GPU',
    args: ['collective', 'all-reduce', '--bytes', '1M', '--gpus', '1'],
    stderrMatch: /--gpus 1: a collective needs at least 2 GPUs/,
  },
  {
    name: 'collective: algorithm for all-to-all',
    args: ['collective', 'all-to-all', '--bytes', '1M', '--algorithm', 'ring'],
    stderrMatch: /all-to-all is point-to-point in NCCL/,
  },
  {
    name: 'collective: NVLS tree inside one node',
    args: ['collective', 'all-reduce', '--bytes', '1M', '--gpus', '8', '--algorithm', 'nvls-tree'],
    stderrMatch: /--algorithm nvls-tree: none of these applies to all-reduce on this group/,
  },
  {
    name: 'calibrate --nccl-tests without --cluster',
    args: ['calibrate', '--nccl-tests', 'run.txt'],
    files: { 'run.txt': 'x\n' },
    stderrMatch: /--nccl-tests: give the base cluster with --cluster/,
  },
  {
    name: 'calibrate --nccl-tests of junk',
    args: ['calibrate', '--nccl-tests', 'run.txt', '--cluster', 'h100-ib'],
    files: { 'run.txt': 'hello\n' },
    stderrMatch: /run\.txt: /,
  },
  {
    name: 'calibrate: a file and --nccl-tests',
    args: ['calibrate', 'runs.yaml', '--nccl-tests', 'run.txt'],
    files: { 'runs.yaml': GOOD_RUNS, 'run.txt': 'x\n' },
    stderrMatch: /give a measurements file or --nccl-tests files, not both/,
  },
  { name: 'calibrate with nothing', args: ['calibrate'], stderrMatch: /calibrate: give a measurements file/ },
  {
    name: 'validate --data of a broken collectives file',
    args: ['validate', '--data', 'c.yaml'],
    files: { 'c.yaml': 'series:\n  - { name: x, cluster: h100-ib, op: all-reduce, gpus: 8, role: fit, ref: r, points: [[8, null, null]] }\n' },
    stderrMatch: /c\.yaml:\d+:\d+: series\.0\.points\.0: needs a time in us or a bus bandwidth above 0/,
  },
  // Unknown preset names and kinds: the closest names are suggested.
  {
    name: 'unknown model name',
    args: ['estimate', '--ctx', '8K', '--model', 'lama3-70b'],
    stderrMatch: /unknown model 'lama3-70b'; did you mean 'llama3-70b'/,
  },
  { name: 'unknown cluster name', args: ['estimate', '--ctx', '8K', '--cluster', 'h100'], stderrMatch: /unknown cluster 'h100'; did you mean 'h100-ib'/ },
  {
    name: 'unknown cluster in plan',
    args: ['plan', '--ctx', '8K', '--cluster', 'h100-ibb'],
    stderrMatch: /unknown cluster 'h100-ibb'; did you mean 'h100-ib'/,
  },
  { name: 'unknown cluster in sweep', args: ['sweep', '--ctx', '8K', '--cluster', 'gtx'], stderrMatch: /unknown cluster 'gtx'; did you mean .*'gtt'/ },
  { name: 'unknown cluster in validate', args: ['validate', '--cluster', 'gttt'], stderrMatch: /unknown cluster 'gttt'; did you mean 'gtt'/ },
  {
    name: 'unknown cluster in calibrate',
    args: ['calibrate', 'runs.yaml', '--cluster', 'h10'],
    files: { 'runs.yaml': GOOD_RUNS },
    stderrMatch: /unknown cluster 'h10'; did you mean 'h100-ib'/,
  },
  {
    name: 'cluster name as --model',
    args: ['estimate', '--ctx', '8K', '--model', 'gtt'],
    stderrMatch: /'gtt' is a cluster preset, not a model; pass it as --cluster gtt/,
  },
  {
    name: 'model name as --cluster',
    args: ['estimate', '--ctx', '8K', '--cluster', 'llama3-70b'],
    stderrMatch: /'llama3-70b' is a model preset.*--model llama3-70b/,
  },
  { name: 'schema modle', args: ['schema', 'modle'], stderrMatch: /unknown file kind 'modle'; choose model, cluster/ },
  { name: 'schema yaml', args: ['schema', 'yaml'], stderrMatch: /unknown file kind 'yaml'/ },
  { name: 'presets show unknown name', args: ['presets', 'show', 'llama-405b'], stderrMatch: /unknown preset 'llama-405b'; did you mean 'llama3-405b'/ },
  // Sweep specs.
  { name: 'reversed range', args: ['sweep', '--ctx', '1M', '--nodes', '16..1'], stderrMatch: /--nodes: '16\.\.1' is not an increasing range/ },
  { name: 'range with two steps', args: ['sweep', '--ctx', '1M', '--nodes', '1..16:2:4'], stderrMatch: /--nodes: '1\.\.16:2:4' has more than one step/ },
  { name: 'range of one value', args: ['sweep', '--ctx', '1M', '--nodes', '4..4'], stderrMatch: /--nodes: '4\.\.4'/ },
  { name: 'step larger than the range', args: ['sweep', '--ctx', '128K..256K:1M'], stderrMatch: /--ctx: '128K\.\.256K:1M' holds a single value/ },
  {
    name: 'rate range, one value',
    args: ['sweep', '--ctx', '8K', '--miss-rate', '10%..20%:50%'],
    stderrMatch: /--miss-rate: '10%\.\.20%:50%' holds a single value/,
  },
  { name: 'open range', args: ['sweep', '--ctx', '1M', '--nodes', '1..'], stderrMatch: /--nodes: / },
  { name: 'repeated value', args: ['sweep', '--ctx', '1M', '--nodes', '1,1'], stderrMatch: /--nodes: '1,1' repeats a value/ },
  { name: 'too many values', args: ['sweep', '--ctx', '1M', '--nodes', '1..100000'], stderrMatch: /--nodes: '1\.\.100000' has 100000 values/ },
  { name: 'miss-rate range from 0%', args: ['sweep', '--ctx', '1M', '--miss-rate', '0%..50%'], stderrMatch: /--miss-rate: 0% is outside/ },
  {
    name: 'three swept quantities',
    args: ['sweep', '--ctx', '8K,128K', '--nodes', '1,2', '--batch', '1,2'],
    stderrMatch: /at most two quantities; --nodes, --ctx, --batch/,
  },
  { name: '--chart with nothing swept', args: ['sweep', '--ctx', '128K', '--chart'], stderrMatch: /--chart needs a swept quantity/ },
  { name: '--chart-file with nothing swept', args: ['sweep', '--ctx', '128K', '--chart-file', 'x.svg'], stderrMatch: /--chart/ },
  {
    name: '--chart-file in a missing folder',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', 'no/such/dir/x.svg'],
    stderrMatch: /--chart-file no\/such\/dir\/x\.svg: cannot write/,
  },
  {
    name: '--chart-file is a directory',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', 'out'],
    files: { 'out/keep': '' },
    stderrMatch: /--chart-file out: /,
  },
  {
    name: 'context too large to represent',
    args: ['estimate', '--ctx', '9007199254740991'],
    stderrMatch: /exceeds 9007199254740991 bytes; reduce --ctx or --batch/,
  },
  { name: 'sweep nodes beyond maxNodes', args: ['sweep', '--ctx', '1M', '--nodes', '64'], stderrMatch: /--nodes 64: cluster 'gtt' has at most 32/ },
  { name: 'sweep TP not dividing GPUs', args: ['sweep', '--ctx', '1M', '--tp', '3'], stderrMatch: /--tp 3: does not divide/ },
  // Check files.
  { name: 'check: missing file', args: ['check', 'nope.yaml'], stderrMatch: /nope\.yaml: cannot read file/ },
  { name: 'check: directory', args: ['check', 'd'], files: { 'd/x.yaml': '' }, stderrMatch: /d: is a directory/ },
  { name: 'check: binary file', args: ['check', 's.yaml'], files: { 's.yaml': BINARY }, stderrMatch: /s\.yaml: is a binary file/ },
  {
    name: 'check: neither layout nor plan',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ layout: undefined }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0: give either layout or plan/,
  },
  {
    name: 'check: both layout and plan',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ plan: '{ maxNodes: 2 }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0: give either layout or plan/,
  },
  {
    name: "check: ctx '1Mb'",
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ workload: '{ ctx: 1Mb }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.workload\.ctx: '1Mb' is not a token count/,
  },
  {
    name: 'check: unknown slo key',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ slo: '{ maxTtf: 90s }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.slo: unknown key 'maxTtf'/,
  },
  {
    name: 'check: maxTtft 0s',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ slo: '{ maxTtft: 0s }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.slo\.maxTtft: '0s'/,
  },
  {
    name: 'check: cached and missRate',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ workload: '{ ctx: 8K, cached: 4K, missRate: 5% }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.workload: give cached or missRate/,
  },
  { name: 'check: empty scenarios list', args: ['check', 's.yaml'], files: { 's.yaml': 'scenarios: []\n' }, stderrMatch: /s\.yaml:\d+:\d+: scenarios: / },
  {
    name: 'check: top-level typo',
    args: ['check', 's.yaml'],
    files: { 's.yaml': 'scenario:\n  - name: a\n' },
    stderrMatch: /s\.yaml:\d+:\d+: unknown key 'scenario'/,
  },
  {
    name: 'check: unknown model in a scenario',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ model: 'lama3-70b' }) },
    stderrMatch: /s\.yaml: scenarios\.0: unknown model 'lama3-70b'; did you mean 'llama3-70b'/,
  },
  {
    name: 'check: missRate 150%',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ workload: '{ ctx: 8K, missRate: 150% }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.workload\.missRate: must be in \(0, 100%\]/,
  },
  {
    name: 'check: missRate 0%',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ workload: '{ ctx: 8K, missRate: 0% }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.workload\.missRate: must be in \(0, 100%\]/,
  },
  {
    name: 'check: cached equal to ctx',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ workload: '{ ctx: 8K, cached: 8K }' }) },
    stderrMatch: /s\.yaml:\d+:\d+: scenarios\.0\.workload\.cached: must be smaller than ctx/,
  },
  {
    name: 'check: TP not dividing GPUs',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ layout: '{ nodes: 1, tp: 3 }' }) },
    stderrMatch: /s\.yaml: scenarios\.0: .*tp 3: does not divide the 8 GPUs/,
  },
  // Validate and calibrate (measurements files).
  { name: 'validate: missing --data file', args: ['validate', '--data', 'nope.yaml'], stderrMatch: /nope\.yaml: cannot read file/ },
  { name: 'validate: empty --data file', args: ['validate', '--data', 'r.yaml'], files: { 'r.yaml': '' }, stderrMatch: /r\.yaml: file is empty/ },
  {
    name: 'validate: model preset as --data',
    args: ['validate', '--data', 'm.yaml'],
    files: { 'm.yaml': MODEL },
    stderrMatch: /m\.yaml:\d+:\d+: unknown keys 'name'/,
  },
  {
    name: 'validate: bad layout in a row',
    args: ['validate', '--data', 'r.yaml'],
    files: { 'r.yaml': runs(['nodes: 1, tp: 3, contextTokens: 8000, ttftMs: 900']) },
    stderrMatch: /r\.yaml: measurements\.0: --tp 3/,
  },
  {
    name: 'calibrate: measurements without times',
    args: ['calibrate', 'r.yaml'],
    files: { 'r.yaml': runs(['nodes: 1, contextTokens: 8000']) },
    stderrMatch: /r\.yaml:\d+:\d+: measurements\.0: needs ttftMs, ttitMs or both/,
  },
  {
    name: 'calibrate: one distinct time',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial'],
    files: { 'r.yaml': runs(Array(2).fill('nodes: 1, contextTokens: 128000, ttftMs: 40000')) },
    stderrMatch: /1 distinct measured time\(s\) cannot determine 2 parameters.*try --params/,
  },
  {
    name: 'calibrate: no measurements',
    args: ['calibrate', 'r.yaml'],
    files: { 'r.yaml': 'model: llama3-70b\ncluster: h100-ib\nmeasurements: []\n' },
    stderrMatch: /r\.yaml:\d+:\d+: measurements: /,
  },
  {
    name: 'calibrate: every row held-out',
    args: ['calibrate', 'r.yaml'],
    files: { 'r.yaml': runs(['nodes: 1, contextTokens: 8000, ttftMs: 900, role: held-out']) },
    stderrMatch: /r\.yaml: every measurement is held-out/,
  },
  {
    name: 'calibrate: cached >= context',
    args: ['calibrate', 'r.yaml'],
    files: { 'r.yaml': runs(['nodes: 1, contextTokens: 8000, cachedTokens: 9000, ttftMs: 900']) },
    stderrMatch: /r\.yaml:\d+:\d+: measurements\.0\.cachedTokens: must be smaller/,
  },
  {
    name: 'calibrate: no cluster anywhere',
    args: ['calibrate', 'r.yaml'],
    files: { 'r.yaml': runs(['nodes: 1, contextTokens: 8000, ttftMs: 900'], 'model: llama3-70b\n') },
    stderrMatch: /r\.yaml: names no cluster; give the base cluster with --cluster/,
  },
  {
    name: 'calibrate: cluster preset as measurements',
    args: ['calibrate', 'c.yaml'],
    files: { 'c.yaml': CLUSTER },
    stderrMatch: /c\.yaml:\d+:\d+: unknown keys 'name'/,
  },
  {
    name: 'calibrate: YAML syntax error',
    args: ['calibrate', 'r.yaml'],
    files: { 'r.yaml': 'model: [llama3-70b\n' },
    stderrMatch: /r\.yaml:\d+:\d+: invalid YAML/,
  },
  { name: 'calibrate: huge file', args: ['calibrate', 'r.yaml'], files: { 'r.yaml': HUGE }, stderrMatch: /r\.yaml: file is \d+ bytes/ },
  {
    name: 'calibrate: -o a shipped preset',
    args: ['calibrate', 'r.yaml', '-o', SHIPPED_GTT],
    files: { 'r.yaml': GOOD_RUNS },
    stderrMatch: /-o .*presets\/clusters\/gtt\.yaml: is one of cp-plan's shipped presets/,
  },
  {
    name: 'calibrate: -o the measurements file',
    args: ['calibrate', 'r.yaml', '-o', './r.yaml'],
    files: { 'r.yaml': GOOD_RUNS },
    stderrMatch: /-o \.\/r\.yaml: is one of the input files; choose another file name/,
  },
  {
    name: 'calibrate: -o a directory',
    args: ['calibrate', 'r.yaml', '-o', 'out'],
    files: { 'r.yaml': GOOD_RUNS, 'out/keep': '' },
    stderrMatch: /-o out: is a directory/,
  },
  {
    name: 'calibrate: --params unknown',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,speed'],
    files: { 'r.yaml': GOOD_RUNS },
    stderrMatch: /--params: unknown 'speed'; choose from gemm/,
  },
  {
    name: 'calibrate: --params empty',
    args: ['calibrate', 'r.yaml', '--params', ','],
    files: { 'r.yaml': GOOD_RUNS },
    stderrMatch: /--params: unknown empty list/,
  },
  // Issue 17: hostile files and text.
  // Special files: never hang, never grow without bound, every read error one line.
  {
    name: 'model /dev/zero (a device that never ends)',
    args: ['estimate', '--ctx', '8K', '--model', '/dev/zero'],
    stderrMatch: /^cp-plan: \/dev\/zero: is a character device, not a regular file/,
  },
  {
    name: 'check of a FIFO',
    args: ['check', './fifo.yaml'],
    fifos: ['fifo.yaml'],
    stderrMatch: /^cp-plan: fifo\.yaml: is a FIFO \(named pipe\), not a regular file/,
  },
  { name: 'validate --data of a FIFO', args: ['validate', '--data', './fifo.yaml'], fifos: ['fifo.yaml'], stderrMatch: /^cp-plan: fifo\.yaml: is a FIFO/ },
  { name: 'presets show of a FIFO', args: ['presets', 'show', './fifo.yaml'], fifos: ['fifo.yaml'], stderrMatch: /^cp-plan: fifo\.yaml: is a FIFO/ },
  {
    name: 'calibrate --nccl-tests of a FIFO',
    args: ['calibrate', '--nccl-tests', 'fifo.txt', '--cluster', 'h100-ib'],
    fifos: ['fifo.txt'],
    stderrMatch: /^cp-plan: fifo\.txt: is a FIFO/,
  },
  {
    name: 'model /proc/self/mem (EIO)',
    args: ['estimate', '--ctx', '8K', '--model', '/proc/self/mem'],
    stderrMatch: /^cp-plan: \/proc\/self\/mem: cannot read file \(EIO\)/,
  },
  {
    name: 'cluster /proc/self/clear_refs (EINVAL, or EACCES when not root)',
    args: ['estimate', '--ctx', '8K', '--cluster', '/proc/self/clear_refs'],
    stderrMatch: /^cp-plan: \/proc\/self\/clear_refs: cannot read file \(E(INVAL|ACCES)/,
  },
  {
    name: 'check file through a broken symlink',
    args: ['check', 'link.yaml'],
    symlinks: { 'link.yaml': 'nowhere.yaml' },
    stderrMatch: /^cp-plan: link\.yaml: cannot read file \(ENOENT\)/,
  },
  {
    name: 'model path through a file (ENOTDIR)',
    args: ['estimate', '--ctx', '8K', '--model', './afile/m.yaml'],
    files: { afile: 'x' },
    stderrMatch: /^cp-plan: afile\/m\.yaml: cannot read file \(ENOTDIR/,
  },
  // Writing: empty names, devices, paths that cannot be, inputs and shipped files are refused.
  {
    name: "--chart-file ''",
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', ''],
    stderrMatch: /^cp-plan: --chart-file: the file name is empty; give one such as chart\.svg$/,
  },
  { name: "calibrate -o ''", args: ['calibrate', 'r.yaml', '-o', ''], files: { 'r.yaml': GOOD_RUNS }, stderrMatch: /^cp-plan: -o: the file name is empty/ },
  {
    name: '--chart-file /dev/null (through a link named .svg)',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', 'null.svg'],
    symlinks: { 'null.svg': '/dev/null' },
    stderrMatch: /^cp-plan: --chart-file null\.svg: is a character device, not a regular file/,
  },
  {
    name: '--chart-file /dev/null (not .svg)',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', '/dev/null'],
    stderrMatch: /^cp-plan: --chart-file \/dev\/null: the chart is an SVG image; give a file name ending in \.svg$/,
  },
  {
    name: '--chart-file out.png',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', 'out.png'],
    stderrMatch: /^cp-plan: --chart-file out\.png: the chart is an SVG image; give a file name ending in \.svg$/,
  },
  {
    name: 'calibrate -o /dev/null',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', '/dev/null'],
    files: { 'r.yaml': GOOD_RUNS },
    stderrMatch: /^cp-plan: -o \/dev\/null: is a character device/,
  },
  {
    name: 'calibrate -o a FIFO',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', 'out.yaml'],
    files: { 'r.yaml': GOOD_RUNS },
    fifos: ['out.yaml'],
    stderrMatch: /^cp-plan: -o out\.yaml: is a FIFO/,
  },
  {
    name: 'calibrate -o under a file (ENOTDIR)',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', 'afile/x.yaml'],
    files: { 'r.yaml': GOOD_RUNS, afile: 'x' },
    stderrMatch: /^cp-plan: -o afile\/x\.yaml: cannot write \(ENOTDIR\)/,
  },
  {
    name: '--chart-file name too long (ENAMETOOLONG)',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', `${'x'.repeat(300)}.svg`],
    stderrMatch: /^cp-plan: --chart-file x+\.\.\.: cannot write \(ENAMETOOLONG\)/,
  },
  {
    name: 'calibrate -o the cluster file it read',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '--cluster', './c.yaml', '-o', 'c.yaml'],
    files: { 'r.yaml': GOOD_RUNS, 'c.yaml': CLUSTER },
    stderrMatch: /^cp-plan: -o c\.yaml: is one of the input files; choose another file name$/,
  },
  {
    name: 'calibrate -o the model file named in the measurements',
    args: ['calibrate', 'sub/r.yaml', '--params', 'gemm,serial', '-o', 'sub/m.yaml'],
    files: {
      'sub/r.yaml': runs(
        ['nodes: 1, contextTokens: 128000, ttftMs: 40000', 'nodes: 2, contextTokens: 128000, ttftMs: 21000'],
        'model: ./m.yaml\ncluster: h100-ib\n',
      ),
      'sub/m.yaml': MODEL,
    },
    stderrMatch: /^cp-plan: -o sub\/m\.yaml: is one of the input files/,
  },
  {
    name: 'calibrate -o the measurements through a symlink',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', 'link.yaml'],
    files: { 'r.yaml': GOOD_RUNS },
    symlinks: { 'link.yaml': 'r.yaml' },
    stderrMatch: /^cp-plan: -o link\.yaml: is one of the input files/,
  },
  {
    name: 'calibrate -o a hard link of the measurements',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', 'hard.yaml'],
    files: { 'r.yaml': GOOD_RUNS },
    hardlinks: { 'hard.yaml': 'r.yaml' },
    stderrMatch: /^cp-plan: -o hard\.yaml: is one of the input files/,
  },
  {
    name: 'calibrate -o into the shipped presets through a symlinked folder',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', 'p/gtt.yaml'],
    files: { 'r.yaml': GOOD_RUNS },
    symlinks: { p: join(REPO_ROOT, 'presets', 'clusters') },
    stderrMatch: /^cp-plan: -o p\/gtt\.yaml: is one of cp-plan's shipped presets/,
  },
  {
    name: 'calibrate -o a new file in the shipped presets through a symlinked folder',
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', 'p/new.yaml'],
    files: { 'r.yaml': GOOD_RUNS },
    symlinks: { p: join(REPO_ROOT, 'presets', 'clusters') },
    stderrMatch: /^cp-plan: -o p\/new\.yaml: is one of cp-plan's shipped presets/,
  },
  {
    name: "calibrate -o one of the package's own files",
    args: ['calibrate', 'r.yaml', '--params', 'gemm,serial', '-o', join(REPO_ROOT, 'schema', 'check.json')],
    files: { 'r.yaml': GOOD_RUNS },
    stderrMatch: /^cp-plan: -o .*schema\/check\.json: is one of cp-plan's own files/,
  },
  {
    name: 'sweep --chart-file onto the model file it read',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--model', './m.svg', '--chart-file', 'm.svg'],
    files: { 'm.svg': MODEL },
    stderrMatch: /^cp-plan: --chart-file m\.svg: is one of the input files/,
  },
  {
    name: 'sweep --chart-file into the shipped presets',
    args: ['sweep', '--ctx', '8K', '--nodes', '1..2', '--chart-file', join(REPO_ROOT, 'presets', 'models', 'new.svg')],
    stderrMatch: /^cp-plan: --chart-file .*presets\/models\/new\.svg: is one of cp-plan's shipped presets/,
  },
  // User text with control characters: quoted (\n, \x1b, \r), never obeyed.
  { name: '--ctx with a newline', args: ['estimate', '--ctx', '8\nK'], stderrMatch: /^cp-plan: --ctx: '8\\nK' is not a token count/ },
  { name: '--model with a newline', args: ['estimate', '--ctx', '8K', '--model', 'llama3\n70b'], stderrMatch: /^cp-plan: unknown model 'llama3\\n70b'/ },
  { name: '--ctx with an escape sequence', args: ['estimate', '--ctx', '\x1b[2J8K'], stderrMatch: /^cp-plan: --ctx: '\\x1b\[2J8K' is not a token count/ },
  {
    name: '--cluster with a lone CR and a C1 CSI',
    args: ['plan', '--ctx', '8K', '--cluster', 'h100\r\x9b2J'],
    stderrMatch: /^cp-plan: unknown cluster 'h100\\r\\x9b2J'/,
  },
  { name: 'unknown command with a newline', args: ['est\nimate'], stderrMatch: /^cp-plan: unknown command 'est\\nimate'/ },
  {
    name: 'unknown flag with an escape',
    args: ['estimate', '--ctx', '8K', '--\x1b]0;title\x07'],
    stderrMatch: /^cp-plan: unknown option '--\\x1b\]0;title\\x07'/,
  },
  {
    name: 'check: a scenario model name with an escape sequence',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ model: '"llama\\e[31m\\nx"' }) },
    stderrMatch: /^cp-plan: s\.yaml: scenarios\.0: unknown model 'llama\\x1b\[31m\\nx'/,
  },
  {
    name: 'a file name with a newline',
    args: ['estimate', '--ctx', '8K', '--model', './no\nsuch.yaml'],
    stderrMatch: /^cp-plan: no\\nsuch\.yaml: cannot read file \(ENOENT\)/,
  },
  // Limits too small to compare with: never Infinity.
  {
    name: `plan --max-ttft 0.(322 zeros)5s`,
    args: ['plan', '--ctx', '1M', '--max-ttft', `0.${'0'.repeat(322)}5s`],
    stderrMatch: /^cp-plan: --max-ttft: '0\.0+\.\.\.' is shorter than a nanosecond/,
  },
  {
    name: 'plan --max-ttit 0.0000000001s',
    args: ['plan', '--ctx', '1M', '--max-ttit', '0.0000000001s'],
    stderrMatch: /^cp-plan: --max-ttit: '0\.0000000001s' is shorter than a nanosecond/,
  },
  {
    name: 'check: maxTtft 5e-324 (a bare number)',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ slo: '{ maxTtft: 5e-324 }' }) },
    stderrMatch: /^cp-plan: s\.yaml:\d+:\d+: scenarios\.0\.slo\.maxTtft: 5e-324 has no unit; write 5e-324ms or 5e-324s$/m,
  },
  // A duration needs its unit in YAML as on the command line (issue 16): 40 could be 40 ms or 40 s.
  {
    name: 'check: maxTtit 40 (a bare number)',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ slo: '{ maxTtit: 40 }' }) },
    stderrMatch: /^cp-plan: s\.yaml:\d+:\d+: scenarios\.0\.slo\.maxTtit: 40 has no unit; write 40ms or 40s$/m,
  },
  {
    name: 'check: maxTtft 90 (a bare number)',
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ slo: '{ maxTtft: 90 }' }) },
    stderrMatch: /scenarios\.0\.slo\.maxTtft: 90 has no unit; write 90ms or 90s$/m,
  },
  {
    name: 'serve: think 30 (a bare number)',
    args: ['serve', '--workload', 'w.yaml'],
    files: { 'w.yaml': 'rate: 1/s\nclasses:\n  - { inputTokens: 1K, outputTokens: 100, turns: 2, think: 30 }\n' },
    stderrMatch: /^cp-plan: w\.yaml:\d+:\d+: classes\.0\.think: 30 has no unit; write 30ms or 30s$/m,
  },
  {
    name: "check: maxTtit '1e-12s'",
    args: ['check', 's.yaml'],
    files: { 's.yaml': scen({ slo: "{ maxTtit: '0.000000000001s' }" }) },
    stderrMatch: /^cp-plan: s\.yaml:\d+:\d+: scenarios\.0\.slo\.maxTtit: .*shorter than a nanosecond/,
  },
  ...unitCases,
];

describe('bad-input corpus: exit 2, one stderr line naming the input, nothing on stdout', () => {
  const base = mkdtempSync(join(tmpdir(), 'cp-plan-corpus-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  test('the corpus has at least 60 distinct cases and runs every command', () => {
    assert.ok(cases.length >= 60, `${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
    for (const command of COMMANDS)
      assert.ok(
        cases.some((c) => c.args[0] === command),
        `no case runs '${command}'`,
      );
  });

  for (const c of cases) {
    test(c.name, { todo: c.todo }, () => {
      const cwd = mkdtempSync(join(base, 'case-'));
      for (const [name, content] of Object.entries(c.files ?? {})) {
        mkdirSync(dirname(join(cwd, name)), { recursive: true });
        writeFileSync(join(cwd, name), content);
      }
      for (const name of c.fifos ?? []) execFileSync('mkfifo', [join(cwd, name)]);
      for (const [link, target] of Object.entries(c.symlinks ?? {})) symlinkSync(target, join(cwd, link));
      for (const [link, target] of Object.entries(c.hardlinks ?? {})) linkSync(join(cwd, target), join(cwd, link));
      const r = runCli(c.args, { cwd });
      const line = assertOneLineError(r);
      if (c.stderrMatch) assert.match(line, c.stderrMatch);
    });
  }
});
