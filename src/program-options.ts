import { Option, type Command } from 'commander';
import { ISSUES_URL } from './links.js';
import { parseDuration, parsePositiveInt, parseRate, parseRequestRate, parseTokenCount, parseTokenCountOrZero } from './units.js';

/**
 * The exit codes a command's --help ends with: what 0 and 1 mean for that command (no 1 line when it
 * has no check that can fail), then the codes every command shares.
 */
export function exitCodesHelp(ok: string, failed?: string): string {
  return `
Exit codes:
  0  ${ok}${
    failed === undefined
      ? ''
      : `
  1  ${failed}`
  }
  2  bad usage or input (flag, unit, file, layout): one stderr line, no stdout
  3  internal error, a bug in cp-plan: please report it at
     ${ISSUES_URL}`;
}

/** commander argument parsers that name their flag in errors. */
export const tokens = (flag: string) => (value: string) => parseTokenCount(value, flag);
export const positive = (flag: string) => (value: string) => parsePositiveInt(value, flag);

/** The model, cluster and workload flags that estimate, plan and sweep share. */
export function withWorkload(command: Command, ctxRequired = true): Command {
  const ctxFlag = '--ctx <tokens>';
  const ctxHelp = 'context length: 128000, 128K, 1M, 1.5M (K/M/G = 10^3/10^6/10^9) or 128Ki, 1Mi (binary)';
  ctxRequired ? command.requiredOption(ctxFlag, ctxHelp, tokens('--ctx')) : command.option(ctxFlag, ctxHelp, tokens('--ctx'));
  command
    .addOption(sharedOption('model'))
    .addOption(sharedOption('cluster'))
    .option('--cached <tokens>', 'tokens already in the persistent KV cache (partial prefill; default 0)', (v: string) => parseTokenCountOrZero(v, '--cached'))
    .option('--miss-rate <rate>', 'share of the context that is new, T/(T+P): 10% or 0.1 (instead of --cached)', (v: string) => parseRate(v, '--miss-rate'))
    .option('--hit-rate <rate>', 'share of the context already cached, P/(T+P) (instead of --cached)', (v: string) => parseRate(v, '--hit-rate'))
    .option(
      '--batch <n>',
      'co-batched prompts: sequences prefilled together, then decoded together (concurrent requests under load: cp-plan serve)',
      positive('--batch'),
      1,
    )
    .option(
      '--prefill-chunk <tokens>',
      "most new tokens per forward pass (chunked prefill), or none (default: the engine's: vLLM 8192, SGLang 8192 or 16384 by GPU memory; meta-cp and TRT-LLM none)",
      prefillChunk,
    )
    .addOption(sharedOption('engine'));
  return withPrecision(command);
}

/** --weights, --kv-dtype, --attention-dtype: shared by every command that evaluates the model. */
export function withPrecision(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--weights <recipe>',
        "weight precision: bf16, fp8, fp8-ffn (FFN only), nvfp4, mxfp4 (FFN only), int4 (W4A16) (default: the model preset's)",
      ).choices([...WEIGHT_RECIPES]),
    )
    .addOption(new Option('--kv-dtype <dtype>', "KV-cache element type (default: the model preset's)").choices(['bf16', 'fp8']))
    .addOption(
      new Option('--attention-dtype <dtype>', 'dtype attention computes in (fp8: FP8 attention kernels, needs --kv-dtype fp8)').choices(['bf16', 'fp8']),
    );
}
/** --prefill-chunk: a token count, or none (whole prompts): 0 (commander stores a parser's null as ''). */
export const prefillChunk = (value: string): number => (value.trim().toLowerCase() === 'none' ? 0 : parseTokenCount(value, '--prefill-chunk'));
export const WEIGHT_RECIPES = ['bf16', 'fp8', 'fp8-ffn', 'nvfp4', 'mxfp4', 'int4'] as const;
export const rate = (flag: string) => (value: string) => parseRate(value, flag);
/** A request rate: 2/s, 120/min, 7200/h. */
export const requestRate = (flag: string) => (value: string) => parseRequestRate(value, flag);
export const duration = (flag: string) => (value: string) => parseDuration(value, flag);

/** The help of --report, the same on every command that writes one. */
export const REPORT_HELP = 'also write a self-contained HTML report (the answer, charts, provenance) to this file';

/**
 * Options several commands share, declared once as data: the flag, what its value is, its default and
 * its help. Commands add them with sharedOption (help and completion come from commander, which gets
 * them from here), and the README's table of shared options is derived from this list by a test.
 */
export interface SharedOption {
  flags: string;
  /** What the value is, with its unit (none for a switch). */
  value: string;
  default?: string | boolean;
  help: string;
  /** The commands that take it. */
  commands: readonly string[];
}

export const SHARED_OPTIONS = {
  model: {
    flags: '--model <name|file>',
    value: 'a model preset name or a YAML file',
    default: 'llama3-405b',
    help: 'model preset name or path to a model YAML file',
    commands: ['estimate', 'plan', 'sweep', 'serve'],
  },
  cluster: {
    flags: '--cluster <name|file>',
    value: 'a cluster preset name or a YAML file',
    default: 'gtt',
    help: 'cluster preset name or path to a cluster YAML file',
    commands: ['estimate', 'plan', 'sweep', 'serve', 'collective'],
  },
  engine: {
    flags: '--engine <name|file>',
    value: 'meta-cp, vllm, sglang, trtllm or a YAML file',
    help: "inference engine: meta-cp, vllm, sglang, trtllm or a YAML file (default: the cluster's)",
    commands: ['estimate', 'plan', 'sweep', 'serve'],
  },
  json: {
    flags: '--json',
    value: '',
    default: false,
    help: 'print one JSON document (schemaVersion 2)',
    commands: ['estimate', 'plan', 'sweep', 'serve', 'check', 'collective', 'validate', 'calibrate', 'presets'],
  },
  noColor: {
    flags: '--no-color',
    value: '',
    help: 'disable colour (also: NO_COLOR=1)',
    commands: ['estimate', 'plan', 'sweep', 'serve', 'check', 'collective', 'validate', 'calibrate'],
  },
  report: { flags: '--report <file.html>', value: 'an .html or .htm file', help: REPORT_HELP, commands: ['estimate', 'plan', 'sweep', 'check'] },
} as const satisfies Record<string, SharedOption>;

/** A shared option for commander, with a command's own default or help where it differs. */
export function sharedOption(name: keyof typeof SHARED_OPTIONS, own: { default?: string | boolean; help?: string } = {}): Option {
  const o: SharedOption = SHARED_OPTIONS[name];
  const option = new Option(o.flags, own.help ?? o.help);
  const def = 'default' in own ? own.default : o.default;
  return def === undefined ? option : option.default(def);
}

/** The README's table of shared options, from SHARED_OPTIONS. Pure. */
export function sharedOptionsMarkdown(): string {
  const rows = Object.values(SHARED_OPTIONS as Record<string, SharedOption>).map(
    (o) =>
      `| \`${o.flags}\` | ${o.value || 'a switch'} | ${o.default === undefined || o.default === false ? '–' : `\`${o.default}\``} | ${o.commands.join(', ')} | ${o.help} |`,
  );
  return ['| option | value | default | commands | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}
