import { Option, type Command } from 'commander';
import type { CommandContext, CommandResult } from './commands/result.js';
import { duration, exitCodesHelp, positive, prefillChunk, withPrecision, sharedOption } from './program-options.js';

/**
 * cp-plan sweep: a grid of one or two varied quantities. Its module is imported when it runs.
 */
export function defineSweepCommand(program: Command, defines: (name: string) => boolean, ctx: CommandContext, emit: (result: CommandResult) => void): void {
  if (!defines('sweep')) return;
  const sweepCommand = program.command('sweep');
  sweepCommand
    .description('Evaluate a grid of one or two varied quantities (nodes or GPUs, ctx, miss rate, batch, TP) as a table, CSV, JSON, markdown or chart.')
    .requiredOption('--ctx <values>', 'context lengths: 128K, a list 8K,128K,1M, or a range 128K..1M:128K')
    .option('--nodes <values>', 'node counts: 4, a list 1,2,4 or a range 1..32 (step 1) or 1..32:4 (default 1)')
    .option('--gpus <values>', 'GPU counts instead of nodes (e.g. 1,2,4,8 to include layouts smaller than a node)')
    .option('--miss-rate <values>', 'miss rates: 5%, a list 1%,5% or a range 1%..50% (step 1%)', '100%')
    .option('--batch <values>', 'batch sizes: a value, list or range', '1')
    .option('--prefill-chunk <tokens>', "most new tokens per forward pass (chunked prefill), or none (default: the engine's, as estimate)", prefillChunk)
    .option('--tp <values>', 'TP sizes: a value, list or range (default: GPUs per node)')
    .option('--ep <n>', 'expert parallelism at every point (MoE models): routed experts spread whole over n GPUs', positive('--ep'), 1)
    .option('--pp <values>', 'pipeline stages: a value, list or range; the GPUs are split over them (engines with PP: vllm, sglang, trtllm)')
    .option('--cp-style <styles>', "CP styles to compare: ring, all-gather, ulysses, hierarchical or a list (default: the engine's first)")
    .addOption(sharedOption('model'))
    .addOption(sharedOption('cluster'))
    .addOption(sharedOption('engine'));
  withPrecision(sweepCommand)
    .addOption(new Option('--variant <variant>', 'ring attention variant').choices(['auto', 'pass-kv', 'pass-q']).default('auto'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json', 'markdown']).default('table'))
    .addOption(sharedOption('json', { help: 'the same as --format json' }))
    .option('--chart', 'draw a terminal chart of the metric under the table', false)
    .addOption(new Option('--chart-metric <metric>', 'what to chart').choices(['ttft', 'ttit', 'memory']).default('ttft'))
    .option('--chart-file <file.svg>', 'also write the chart as an SVG file')
    .option('--log-y', 'a log-scale y axis with decade ticks (curves orders of magnitude apart)', false)
    .option('--max-ttft <duration>', 'TTFT SLO: a line on the TTFT chart, points above it marked (90s, 500ms)', duration('--max-ttft'))
    .option('--max-ttit <duration>', 'TTIT SLO: a line on the TTIT chart, points above it marked (50ms)', duration('--max-ttit'))
    .addOption(sharedOption('report'))
    .addOption(sharedOption('noColor'))
    .addHelpText(
      'after',
      `
Examples:
  cp-plan sweep --nodes 1..32 --ctx 128K,512K,1M --format csv > scaling.csv
  cp-plan sweep --miss-rate 1%..50% --nodes 4 --ctx 128K --chart      # pass-KV vs pass-Q curves
  cp-plan sweep --nodes 1..16 --ctx 1M --chart --chart-file ttft.svg
  cp-plan sweep --nodes 1..32 --ctx 128K,1M --log-y --max-ttft 60s --chart-file ttft.svg
  cp-plan sweep --nodes 1..8 --ctx 1M --chart --chart-metric memory     # against the usable HBM
  cp-plan sweep --engine trtllm --cp-style ring,ulysses --nodes 1..8 --ctx 256K --chart
  cp-plan sweep --nodes 1..16 --ctx 128K,512K,1M --report scaling.html
${exitCodesHelp('the grid was evaluated (points that do not fit are marked, not errors)')}`,
    )
    .action(async (opts) => {
      const { runSweep } = await import('./commands/sweep.js');
      emit(await runSweep(opts, ctx));
    });
}
