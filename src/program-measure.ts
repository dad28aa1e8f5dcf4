import { Option, type Command } from 'commander';
import type { CommandContext, CommandResult } from './commands/result.js';
import { InputError } from './errors.js';
import { exitCodesHelp, positive, rate, sharedOption } from './program-options.js';

/**
 * The commands that hold the model against measurements: collective (one NCCL collective, as
 * nccl-tests prints it), validate and calibrate. Each command's module is imported when it runs.
 */
export function defineMeasurementCommands(
  program: Command,
  defines: (name: string) => boolean,
  ctx: CommandContext,
  emit: (result: CommandResult) => void,
): void {
  if (defines('collective')) {
    program
      .command('collective')
      .description("Predict one NCCL collective's time, algorithm, protocol and bus bandwidth for a size or a range, in nccl-tests' columns.")
      .argument('<op>', 'all-reduce, all-gather, reduce-scatter, all-to-all or sendrecv (or nccl-tests names: all_reduce_perf)')
      .requiredOption(
        '--bytes <sizes>',
        'message size, K/M/G in powers of 1024 as nccl-tests -b/-e: 256M, a list 1K,1M, or a range 8..1G (doubling, as nccl-tests -f 2) or 8..1G:4',
      )
      .addOption(sharedOption('cluster'))
      .option('--gpus <n>', 'ranks, one per GPU, numbered node by node (default: one node)', positive('--gpus'))
      .option('--nodes <n>', 'nodes, all their GPUs (instead of --gpus)', positive('--nodes'))
      .option(
        '--ranks-per-node <n>',
        'ranks on each node when fewer than its GPUs, as mpirun -npernode (--nodes N: N x R ranks; --gpus G: G ranks on ceil(G/R) nodes)',
        positive('--ranks-per-node'),
      )
      .option('--algorithm <list>', 'restrict the choice, as NCCL_ALGO: ring, tree, nvls, nvls-tree, hierarchical, hierarchical-sharp')
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
      .addOption(sharedOption('json', { help: 'the same as --format json' }))
      .addOption(sharedOption('noColor'))
      .addHelpText(
        'after',
        `
Examples:
  cp-plan collective all-reduce --cluster h100-ib --gpus 16 --bytes 256MiB
  cp-plan collective all-reduce --cluster h100-ib --gpus 16 --bytes 8..1GiB --format csv
  cp-plan collective all_reduce_perf --cluster h100-ib --gpus 8 --bytes 8..8GiB --algorithm ring
  cp-plan collective sendrecv --cluster gb200-nvl72 --gpus 72 --bytes 64MiB --json
${exitCodesHelp('the predictions were printed')}`,
      )
      .action(async (op: string, opts) => {
        const { runCollective } = await import('./commands/collective.js');
        emit(await runCollective(op, opts, ctx));
      });
  }

  if (defines('validate')) {
    program
      .command('validate')
      .description("Compare cp-plan's predictions with measured times: the paper's (shipped) or your own.")
      .option('--data <file>', "a measurements file, or a file of nccl-tests series (default: the paper's measurements and the shipped nccl-tests results)")
      .addOption(sharedOption('cluster', { default: undefined, help: 'cluster preset (default: the one the measurements file names)' }))
      .addOption(sharedOption('engine', { help: "engine preset (default: the one the measurements file names, else the cluster's)" }))
      .option('--max-mape <rate>', 'exit 1 if the overall mean absolute error exceeds this (8% or 0.08)', rate('--max-mape'))
      .option('--max-error <rate>', 'exit 1 if any single case is off by more than this', rate('--max-error'))
      .addOption(sharedOption('json', { help: 'print one JSON document' }))
      .addOption(sharedOption('noColor'))
      .addHelpText(
        'after',
        `
Examples:
  cp-plan validate
  cp-plan validate --json --max-mape 8% --max-error 15%
  cp-plan validate --data my-runs.yaml --cluster ./h100-ib-calibrated.yaml
${exitCodesHelp('the report was printed (and any --max-mape or --max-error gate passed)', 'a --max-mape or --max-error gate failed (the report is still printed)')}`,
      )
      .action(async (opts) => {
        const { runValidate } = await import('./commands/validate.js');
        emit(await runValidate(opts, ctx));
      });
  }

  if (defines('calibrate')) {
    program
      .command('calibrate')
      .description(
        "Fit a cluster's efficiency and overhead parameters to your measured TTFT/TTIT, or its network to your nccl-tests output, and write a calibrated preset.",
      )
      .argument('[file]', 'measurements YAML (schema: README "Calibrating on your own runs"; cp-plan schema measurements)')
      .option(
        '--nccl-tests <files...>',
        "nccl-tests text output (all_reduce_perf, alltoall_perf, sendrecv_perf, ...) to fit the cluster's interconnect to, instead of a measurements file",
      )
      .addOption(
        sharedOption('cluster', { default: undefined, help: 'base cluster preset (default: the one the measurements file names; required with --nccl-tests)' }),
      )
      .addOption(
        sharedOption('engine', { help: "the engine the runs used (default: the measurements file's, else the cluster's); the calibration is kept for it" }),
      )
      .option('--params <list>', 'comma-separated parameters to fit (default: what the data can determine; see README "Calibrating on your own runs")')
      .option('-o, --output <file>', 'write the calibrated cluster preset here (written whole or not at all)')
      .addOption(sharedOption('json', { help: 'print one JSON document' }))
      .addOption(sharedOption('noColor'))
      .addHelpText(
        'after',
        `
Examples:
  cp-plan calibrate my-runs.yaml --cluster h100-ib -o h100-ib-calibrated.yaml
  cp-plan calibrate my-runs.yaml --cluster h100-ib --params gemm,gemm-bandwidth,attention -o h100-ib-calibrated.yaml
  cp-plan calibrate --nccl-tests all_reduce_perf.txt --cluster h100-ib -o my-cluster.yaml
  cp-plan estimate --model llama3-70b --cluster ./h100-ib-calibrated.yaml --nodes 8 --ctx 512K
${exitCodesHelp('the fit was printed (and written with -o); data that cannot determine\n     the parameters, or times in the wrong unit, are input errors (2)')}`,
      )
      .action(async (file: string | undefined, opts) => {
        if (opts.ncclTests !== undefined && file !== undefined) throw new InputError(`calibrate: give a measurements file or --nccl-tests files, not both`);
        if (opts.ncclTests !== undefined) {
          const { runCalibrateNccl } = await import('./commands/calibrate-nccl.js');
          emit(await runCalibrateNccl(opts.ncclTests, opts, ctx));
          return;
        }
        if (file === undefined) throw new InputError('calibrate: give a measurements file (my-runs.yaml) or --nccl-tests FILE...');
        const { runCalibrate } = await import('./commands/calibrate.js');
        emit(await runCalibrate(file, opts, ctx));
      });
  }
}
