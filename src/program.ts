import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Help, Option } from 'commander';
import type { CommandContext, CommandResult } from './commands/result.js';
import { CpPlanError, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, escapeControls, terminalSafe } from './errors.js';
import { DOCS_URL, ISSUES_URL } from './links.js';
import { PACKAGE_ROOT } from './root.js';
import { startRun, type InterruptGuard } from './run-files.js';
import { exitCodesHelp, positive, withWorkload, sharedOption } from './program-options.js';
import { defineMeasurementCommands } from './program-measure.js';
import { defineServeCommand } from './program-serve.js';
import { definePlanCommand } from './program-plan.js';
import { defineSweepCommand } from './program-sweep.js';
import { parsePositiveNumber } from './units.js';
import { CP_STYLES } from './model/cp-style.js';

/**
 * The whole CLI as a function of argv and an output sink, so that it can be
 * run in-process (tests, fuzzing). Only cli.ts connects it to the real process.
 * Commands are imported when they run, so --help and --version load nothing else.
 */
const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };

/** Where the CLI writes, and what it knows of the terminal. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (colour decisions). */
  isTTY: boolean;
  /** The width help wraps at when narrower than 80 columns (a narrow terminal); else undefined (80). */
  columns?: number | undefined;
  /** The terminal's width when stdout is a terminal (charts fill it); undefined elsewhere. */
  width?: number | undefined;
  env: Record<string, string | undefined>;
  /** The real stderr stream, for a spinner; absent in-process. */
  stderrStream?: NodeJS.WriteStream;
  /** Clean-ups to run if the process is interrupted (temporary files); absent in-process. */
  interruptGuard?: InterruptGuard;
}

/** Runs the CLI on argv (node-style: [node, script, ...args]) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  // --debug anywhere on the line shows stack traces of internal errors (also CP_PLAN_DEBUG=1).
  const debug = argv.includes('--debug') || Boolean(io.env.CP_PLAN_DEBUG);
  // Each run starts with no file read (outputs are checked against this run's inputs) and its own interrupt guard.
  startRun(io.interruptGuard);
  const args = argv.filter((a) => a !== '--debug');
  // A missing command is a usage error: one line, not a page of help on stderr.
  const COMMANDS = ['estimate', 'serve', 'plan', 'sweep', 'check', 'collective', 'validate', 'calibrate', 'schema', 'presets', 'completion', 'help'];
  const words = args.slice(2);
  if (words.length === 0) {
    io.stderr(`cp-plan: missing command: one of ${COMMANDS.slice(0, -1).join(', ')}; see cp-plan --help\n`);
    return EXIT_INPUT;
  }
  if (words.length === 1 && words[0] === 'presets') {
    io.stderr('cp-plan: presets needs a subcommand: list or show NAME; see cp-plan presets --help\n');
    return EXIT_INPUT;
  }
  if (words[0] === 'presets' && words[1] === 'help' && words[2] !== undefined && words[2] !== 'list' && words[2] !== 'show') {
    io.stderr(`cp-plan: unknown presets subcommand '${words[2]}'; use list or show NAME\n`);
    return EXIT_INPUT;
  }
  if (words[0] === 'help' && words[1] !== undefined && (!COMMANDS.includes(words[1]) || words[1] === 'help')) {
    io.stderr(`cp-plan: unknown command '${words[1]}'; commands: ${COMMANDS.slice(0, -1).join(', ')}\n`);
    return EXIT_INPUT;
  }

  const ctx: CommandContext = {
    version: pkg.version,
    // Asked only by a command that needs it (colour): finding out costs start-up time.
    get isTTY() {
      return io.isTTY;
    },
    get columns() {
      return io.width;
    },
    env: io.env,
    argv: words,
    // A spinner only on an interactive terminal outside CI; ora is loaded only then.
    progress: async (text) => {
      // Not on a pipe, in CI, with NO_COLOR, or on a terminal that reports no width (a spinner would loop there).
      if (!io.stderrStream?.isTTY || !(io.stderrStream.columns > 0) || io.env.CI || io.env.NO_COLOR) return { update: () => {}, stop: () => {} };
      const { startSpinner } = await import('./render/spinner.js');
      return startSpinner(text, io.stderrStream);
    },
  };

  let exitCode = EXIT_OK;
  function emit(result: CommandResult): void {
    io.stdout(terminalSafe(result.stdout));
    for (const line of result.stderr) io.stderr(`cp-plan: ${escapeControls(line)}\n`);
    exitCode = result.exitCode;
  }

  const program = new Command('cp-plan')
    .description('Capacity planner for long-context LLM inference with context parallelism (ring pass-KV / pass-Q).')
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Help wraps at 80 columns (commander's default when given undefined), or at a narrower terminal's width.
      getOutHelpWidth: () => io.columns as number,
      getErrHelpWidth: () => undefined as unknown as number,
      // Commander's usage errors: one line, our prefix, a pointer to --help.
      // Commander puts its suggestion on a line of its own; any other newline is the user's, shown as \n.
      outputError: (message, write) =>
        write(
          `cp-plan: ${escapeControls(
            message
              .replace(/^error: /, '')
              .replace(/\s*\n(?=\(Did you mean)/g, ' ')
              .replace(/\n$/, '')
              .trim()
              .replace(/\.$/, ''),
          )}; see --help\n`,
        ),
    })
    // A required option says so (commander marks only its missing-option error).
    .configureHelp({ optionDescription: (option) => requiredMark(option, new Help().optionDescription(option)) })
    .addHelpText('after', TOP_LEVEL_HELP);

  // Only the command being run is defined: commander builds every option object up front, which
  // costs start-up time. Without a known command word all are, for the help and the suggestions
  // (help lists them all; completion describes them all).
  const only = words[0] !== undefined && COMMANDS.includes(words[0]) && words[0] !== 'help' && words[0] !== 'completion' ? words[0] : undefined;
  const defines = (name: string) => only === undefined || only === name;

  if (defines('estimate')) {
    withWorkload(
      program
        .command('estimate')
        .description('Predict prefill (TTFT), decode (TTIT) and per-GPU memory for one model, cluster and CP x TP layout, and choose pass-KV or pass-Q.'),
    )
      .option('--nodes <n>', 'nodes to use, all their GPUs (default 1)', positive('--nodes'))
      .option('--gpus <n>', 'GPUs to use in total, numbered node by node (default: nodes x GPUs per node); e.g. 4 for TP4 on half a node', positive('--gpus'))
      .option('--tp <n>', 'tensor-parallel size (default: GPUs per node, or GPUs / --cp)', positive('--tp'))
      .option('--cp <n>', 'context-parallel ranks (default: GPUs / TP)', positive('--cp'))
      .option(
        '--dcp <n>',
        "decode context parallelism inside the TP group: shard each GPU's KV tokens over n ranks (needs TP > KV heads)",
        positive('--dcp'),
        1,
      )
      .option(
        '--ep <n>',
        'expert parallelism (MoE models): spread the routed experts whole over n GPUs, a multiple of TP (1: experts sliced by TP)',
        positive('--ep'),
        1,
      )
      .option(
        '--pp <n>',
        'pipeline parallelism: split the layers over n stages of GPUs / n each (the tables show one stage running the whole model; the pipeline line the pipelined times)',
        positive('--pp'),
        1,
      )
      .addOption(new Option('--variant <variant>', 'ring attention variant').choices(['auto', 'pass-kv', 'pass-q']).default('auto'))
      .addOption(
        new Option(
          '--cp-style <style>',
          "how CP splits the context: ring (the paper's), all-gather (vLLM/SGLang prefill CP), ulysses, hierarchical (Ulysses inside an NVLink domain, ring across) (default: the engine's first)",
        ).choices([...CP_STYLES]),
      )
      .addOption(sharedOption('json', { help: 'print one JSON document (schemaVersion 2) instead of tables' }))
      .option('--explain', 'also print every model term with its formula and value for this run (in JSON: an explain array)', false)
      .option('--price-per-gpu-hour <usd>', "USD per GPU-hour for cost (default: the cluster preset's, where it has one)", (v: string) =>
        parsePositiveNumber(v, '--price-per-gpu-hour'),
      )
      .addOption(
        new Option(
          '--emit <engine>',
          "also print the launch command for this layout (implies --engine; flags checked against the engine version's parser)",
        ).choices(['vllm', 'sglang', 'trtllm']),
      )
      .addOption(sharedOption('report'))
      .addOption(sharedOption('noColor'))
      .addHelpText(
        'after',
        `
Examples:
  cp-plan estimate --ctx 1M --nodes 16
  cp-plan estimate --ctx 1M --nodes 16 --report sizing.html      # a page to open and share
  cp-plan estimate --nodes 4 --ctx 128K --cached 124800          # 2.5% miss rate: pass-KV or pass-Q?
  cp-plan estimate --nodes 4 --ctx 128K --miss-rate 10% --variant pass-q --json
  cp-plan estimate --nodes 6 --ctx 128K --batch 8 --json | jq .decode
  cp-plan estimate --nodes 2 --tp 16 --ctx 128K --explain         # TP across nodes: which all-reduce NCCL runs
  cp-plan estimate --model llama3-70b --cluster h200-ib --gpus 4 --tp 4 --ctx 128K
  cp-plan estimate --model llama3-405b --cluster gb200-nvl72 --gpus 32 --tp 32 --ctx 128K
  cp-plan estimate --model llama3-70b --cluster h100-ib --nodes 2 --tp 16 --dcp 2 --ctx 1M
  cp-plan estimate --model llama3-70b --cluster h100-ib --nodes 2 --ctx 256K --json
  cp-plan estimate --model deepseek-v3 --cluster h200-ib --nodes 4 --ctx 128K
  cp-plan estimate --model kimi-k2 --cluster h200-ib --nodes 4 --ctx 256K --ep 32
  cp-plan estimate --model ./my-model.yaml --cluster ./my-cluster.yaml --nodes 4 --tp 8 --cp 4 --ctx 128K
  cp-plan estimate --model llama3-70b --cluster h200-ib --gpus 8 --ctx 128K --emit sglang --json | jq -r .emit.command
${exitCodesHelp('the workload fits in GPU memory', 'the workload does not fit in GPU memory (the report is still printed;\n     stderr names only remedies the model confirms fit: a larger --tp,\n     --ep, --kv-dtype fp8, --weights fp8, a smaller --batch on these GPUs, or\n     the smallest --nodes/--gpus that fits)')}`,
      )
      .action(async (opts) => {
        const { runEstimate } = await import('./commands/estimate.js');
        emit(await runEstimate(opts, ctx));
      });
  }

  defineServeCommand(program, defines, ctx, emit);

  definePlanCommand(program, defines, ctx, emit);

  defineMeasurementCommands(program, defines, ctx, emit);

  defineSweepCommand(program, defines, ctx, emit);
  if (defines('check')) {
    program
      .command('check')
      .description('Check named sizing scenarios against their SLOs: exit 0 if all pass, 1 if any fails (a CI gate).')
      .argument('<file>', 'scenarios YAML (schema: cp-plan schema check)')
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'markdown', 'json']).default('table'))
      .addOption(sharedOption('json', { help: 'the same as --format json' }))
      .addOption(sharedOption('report'))
      .addOption(sharedOption('noColor'))
      .addHelpText(
        'after',
        `
Examples:
  cp-plan check sizing.yaml
  cp-plan check sizing.yaml --report ci.html                       # a CI artifact to open
  cp-plan check sizing.yaml --format markdown >> "$GITHUB_STEP_SUMMARY"
${exitCodesHelp('every scenario meets its SLOs', 'a scenario misses an SLO')}`,
      )
      .action(async (file: string, opts) => {
        const { runCheck } = await import('./commands/check.js');
        emit(await runCheck(file, opts, ctx));
      });
  }

  if (defines('schema')) {
    program
      .command('schema')
      .description('Print the JSON Schema of a file cp-plan reads, for editor validation.')
      .argument('<kind>', 'model, cluster, measurements or check')
      .addHelpText(
        'after',
        `
Examples:
  cp-plan schema model > cp-plan-model.schema.json
  # In a preset file, for editors with the YAML language server:
  # yaml-language-server: $schema=./cp-plan-model.schema.json
${exitCodesHelp('the schema was printed')}`,
      )
      .action(async (kind: string) => {
        const { runSchema } = await import('./commands/schema.js');
        emit(await runSchema(kind));
      });
  }

  if (defines('completion')) {
    program
      .command('completion')
      .description('Print a shell completion script (commands, flags, preset names, choices).')
      .argument('<shell>', 'bash, zsh or fish')
      .addHelpText(
        'after',
        `
Examples:
  cp-plan completion bash > ~/.local/share/bash-completion/completions/cp-plan
  echo 'source <(cp-plan completion bash)' >> ~/.bashrc
  cp-plan completion zsh > "\${fpath[1]}/_cp-plan"
  cp-plan completion fish > ~/.config/fish/completions/cp-plan.fish
${exitCodesHelp('the script was printed')}`,
      )
      .action(async (shell: string) => {
        const { runCompletion } = await import('./commands/completion.js');
        emit(runCompletion(shell, program));
      });
  }

  if (defines('presets')) {
    const presets = program.command('presets').description('List and show the built-in presets: models, clusters, GPUs and engines.');
    presets
      .command('list')
      .description('List built-in models, clusters, GPUs and engines with their key figures.')
      .addOption(new Option('--kind <kind>', 'list one kind only').choices(['model', 'cluster', 'gpu', 'engine']))
      .addOption(sharedOption('json', { help: 'print JSON' }))
      .addOption(sharedOption('noColor'))
      .action(async (opts) => {
        const { runPresetsList } = await import('./commands/presets.js');
        emit(await runPresetsList(opts, ctx));
      });
    presets
      .command('show')
      .description('Print a preset file (with the source of every figure) after validating it.')
      .argument(
        '<name|file>',
        'preset name (llama3-405b, gtt, vllm, h100-sxm; KIND/NAME when two kinds share it: gpu/h100-sxm) or a YAML file to validate and print',
      )
      .addOption(sharedOption('json', { help: 'print the parsed preset as JSON' }))
      .addOption(sharedOption('noColor', { help: 'accepted for symmetry; the file is printed as is' }))
      .action(async (name: string, opts) => {
        const { runPresetsShow } = await import('./commands/presets.js');
        emit(await runPresetsShow(name, { ...opts, color: false }));
      });
  }

  try {
    await program.parseAsync(args);
  } catch (error) {
    exitCode = exitCodeFor(error, io, debug);
  }
  return exitCode;
}

/** The end of `cp-plan --help`: where to start, what the exit codes mean, where the documentation is. */
const TOP_LEVEL_HELP = `
Examples:
  cp-plan estimate --ctx 1M --nodes 16   # TTFT, TTIT, memory of one layout
  cp-plan plan --ctx 1M --max-ttft 90s   # the smallest layout that meets an SLO
  cp-plan serve --isl 8K --osl 1K --rate 2/s --gpus 16   # a fleet under traffic
  cp-plan presets list                   # the built-in models and clusters
  cp-plan help estimate                  # a command's flags and examples

Exit codes:
  0  success
  1  a check failed: the workload does not fit (estimate), no layout meets the
     SLOs (plan), an SLO is missed (serve, check), a validate gate fails
  2  bad usage or input (flag, unit, file, layout): one stderr line, no stdout
  3  internal error, a bug in cp-plan: please report it at
     ${ISSUES_URL}

Documentation: ${DOCS_URL}`;

/** A required option's description ends with "(required)". */
function requiredMark(option: Option, description: string): string {
  return option.mandatory ? `${description} (required)` : description;
}

function exitCodeFor(error: unknown, io: Io, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version, or a one-line usage error.
    return error.exitCode === 0 ? EXIT_OK : EXIT_INPUT;
  }
  if (error instanceof CpPlanError) {
    io.stderr(`cp-plan: ${escapeControls(error.message)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(
    `cp-plan: internal error: ${escapeControls(message.split('\n')[0]!)}; please report it at ${ISSUES_URL} with the command you ran (add --debug for the stack trace)\n`,
  );
  if (debug && error instanceof Error) io.stderr(`${error.stack}\n`);
  return EXIT_INTERNAL;
}
