import { Option, type Command } from 'commander';
import type { CommandContext, CommandResult } from './commands/result.js';
import { exitCodesHelp, duration, positive, requestRate, tokens, withWorkload, sharedOption } from './program-options.js';
import { parsePositiveNumber } from './units.js';

/**
 * cp-plan plan: the smallest (or fastest, or cheapest) layout that meets the SLOs, or a fleet for a request
 * stream. Its module is imported when it runs.
 */
export function definePlanCommand(program: Command, defines: (name: string) => boolean, ctx: CommandContext, emit: (result: CommandResult) => void): void {
  if (!defines('plan')) return;
  withWorkload(
    program
      .command('plan')
      .description(
        'Find the smallest layout (nodes, TP, CP and its style, DCP, EP for MoE models, PP stages, ring variant) that fits and meets the SLOs; with --isl, --osl and --rate, the smallest fleet (replicas, or disaggregated prefill and decode pools).',
      ),
    false,
  )
    .option('--max-ttft <duration>', 'time to first token SLO, e.g. 60s', duration('--max-ttft'))
    .option('--max-ttit <duration>', 'time per output token SLO, e.g. 80ms', duration('--max-ttit'))
    .option('--min-throughput <tokens/s>', 'minimum aggregate decode tokens per second', (v: string) => parsePositiveNumber(v, '--min-throughput'))
    .option('--max-nodes <n>', "largest node count to consider (default: the cluster's maxNodes)", positive('--max-nodes'))
    .option('--max-gpus <n>', 'largest GPU count to consider', positive('--max-gpus'))
    .addOption(
      new Option(
        '--objective <what>',
        'what to minimise among layouts that meet the limits: gpus (the smallest), ttft, ttit, cost (GPU-seconds per prefill; fleets: $/hour, needs a price)',
      )
        .choices(['gpus', 'ttft', 'ttit', 'cost'])
        .default('gpus'),
    )
    .option('--isl <tokens>', 'fleet mode: input tokens per request (instead of --ctx)', tokens('--isl'))
    .option('--osl <tokens>', 'fleet mode: output tokens per request', tokens('--osl'))
    .option('--rate <rate>', 'fleet mode: requests per unit of time, 2/s, 120/min', requestRate('--rate'))
    .option('--disaggregated', 'fleet mode: size separate prefill and decode pools (and show the co-located fleet beside)', false)
    .addOption(new Option('--emit <engine>', 'also print the launch command for the chosen layout (implies --engine)').choices(['vllm', 'sglang', 'trtllm']))
    .option('--price-per-gpu-hour <usd>', "USD per GPU-hour for cost (default: the cluster preset's, where it has one)", (v: string) =>
      parsePositiveNumber(v, '--price-per-gpu-hour'),
    )
    .addOption(new Option('--variant <variant>', 'ring attention variant to consider').choices(['auto', 'pass-kv', 'pass-q']).default('auto'))
    .option('--no-dcp', 'leave DCP out of the search')
    .option('--top <n>', 'how many of the best layouts to list', positive('--top'), 5)
    .addOption(
      new Option('--format <format>', 'output format (csv and markdown: the qualifying layouts)')
        .choices(['table', 'json', 'markdown', 'csv'])
        .default('table'),
    )
    .addOption(sharedOption('json', { help: 'the same as --format json' }))
    .option('--verbose', 'also list every smaller size, the layout families that fail and the Pareto frontier', false)
    .option('--quiet', 'no warnings on stderr (errors and a failed check still)', false)
    .addOption(sharedOption('report'))
    .addOption(sharedOption('noColor'))
    .addHelpText(
      'after',
      `
Examples:
cp-plan plan --ctx 1M --max-ttft 90s
cp-plan plan --ctx 1M --max-ttft 60s --max-ttit 80ms --cluster h100-ib --max-nodes 32
cp-plan plan --ctx 1M --max-ttft 60s --max-ttit 100ms --report plan.html
cp-plan plan --model llama3-70b --ctx 512K --miss-rate 5% --max-ttft 5s --json
cp-plan plan --model llama3-405b --cluster h100-ib --isl 1M --osl 2K --rate 0.05/s --max-ttft 60s --max-ttit 100ms --disaggregated
cp-plan plan --model llama3-70b --cluster h100-ib --isl 8K --osl 1K --rate 4/s --max-ttft 2s --max-ttit 50ms --price-per-gpu-hour 2.50 --objective cost
${exitCodesHelp('a layout (or fleet) meets every SLO and fits', 'no layout meets the SLOs (the report names the binding constraint)')}`,
    )
    .action(async (opts) => {
      const { runPlan } = await import('./commands/plan.js');
      emit(await runPlan(opts, ctx));
    });
}
