import { Option, type Command } from 'commander';
import type { CommandContext, CommandResult } from './commands/result.js';
import { exitCodesHelp, duration, positive, prefillChunk, rate, requestRate, tokens, withPrecision, sharedOption } from './program-options.js';
import { parseNonNegativeInt, parsePositiveNumber } from './units.js';

/**
 * cp-plan serve: one deployment under traffic (issue 14). Its module is imported when it runs.
 */
export function defineServeCommand(program: Command, defines: (name: string) => boolean, ctx: CommandContext, emit: (result: CommandResult) => void): void {
  if (!defines('serve')) return;
  withPrecision(
    program
      .command('serve')
      .description(
        'Simulate a deployment serving traffic (continuous batching, chunked prefill, KV admission, queueing): throughput, TTFT/TTIT percentiles, goodput, saturation, cost.',
      )
      .addOption(sharedOption('model', { default: 'llama3-70b' }))
      .addOption(sharedOption('cluster', { default: 'h100-ib' }))
      .addOption(sharedOption('engine', { help: "inference engine: vllm, sglang, trtllm, meta-cp or a YAML file (default: the cluster's)" })),
  )
    .option('--gpus <n>', 'GPUs of the fleet (default: one node); replicas = GPUs / TP', positive('--gpus'))
    .option('--nodes <n>', 'nodes of the fleet, all their GPUs (instead of --gpus)', positive('--nodes'))
    .option('--tp <n>', 'tensor parallelism of one replica (default: GPUs per node, at most the fleet)', positive('--tp'))
    .option('--dcp <n>', 'decode context parallelism inside a replica', positive('--dcp'), 1)
    .option('--ep <n>', 'expert parallelism inside a replica (MoE)', positive('--ep'), 1)
    .option('--isl <tokens>', 'input (prompt) tokens per request: 8K, 128K', tokens('--isl'))
    .option('--osl <tokens>', 'output tokens per request', tokens('--osl'))
    .option('--rate <rate>', 'open loop: requests per unit of time, 2/s, 120/min, 7200/h', requestRate('--rate'))
    .option('--concurrency <n>', 'closed loop: clients, each sending its next request when its last one finishes', positive('--concurrency'))
    .addOption(new Option('--arrival <process>', 'open-loop arrivals: exponential gaps or even ones').choices(['poisson', 'constant']).default('poisson'))
    .option('--hit-rate <rate>', 'share of each prompt found in the prefix cache: 50% or 0.5', rate('--hit-rate'))
    .option('--requests <n>', "requests to simulate (default 1000, or the workload file's)", positive('--requests'))
    .option('--seed <n>', 'seed of the request generator (default 1)', (v: string) => parseNonNegativeInt(v, '--seed'))
    .option('--workload <file>', 'a request mix, its arrivals and count (schema: cp-plan schema workload)')
    .option('--trace <file.jsonl>', 'replay requests, one JSON object per line: {"arrival": s, "input": tokens, "cached": tokens, "output": tokens}')
    .option('--prefill-chunk <tokens>', "most tokens per step (chunked prefill), or none (default: the engine's)", prefillChunk)
    .option('--max-running <n>', "most sequences running at once per replica (default: the engine's)", positive('--max-running'))
    .option('--max-ttft <duration>', 'TTFT SLO for goodput, e.g. 2s', duration('--max-ttft'))
    .option('--max-ttit <duration>', 'TTIT SLO for goodput, e.g. 50ms', duration('--max-ttit'))
    .option('--price-per-gpu-hour <usd>', "USD per GPU-hour (default: the cluster preset's, where it has one)", (v: string) =>
      parsePositiveNumber(v, '--price-per-gpu-hour'),
    )
    .addOption(sharedOption('json', { help: 'print one JSON document' }))
    .addOption(sharedOption('noColor'))
    .addHelpText(
      'after',
      `
Examples:
  cp-plan serve --model llama3-70b --cluster h100-ib --isl 128K --osl 1K --rate 2/s --gpus 16
  cp-plan serve --model llama3-70b --cluster h100-ib --isl 2K --osl 512 --concurrency 64 --gpus 8 --json | jq .results.ttft
  cp-plan serve --workload traffic.yaml --gpus 16 --max-ttft 2s --max-ttit 50ms --price-per-gpu-hour 2.50
  cp-plan serve --trace requests.jsonl --model llama3-8b --gpus 8 --tp 1
${exitCodesHelp('every request meets the SLOs and the fleet keeps up', 'a request misses an SLO, or the fleet saturates')}`,
    )
    .action(async (opts) => {
      const { runServe } = await import('./commands/serve.js');
      emit(await runServe(opts, ctx));
    });
}
