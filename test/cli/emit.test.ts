// End to end on the built binary: --emit's launch commands run what was modelled (review of --emit: node
// counts with shared nodes, pasteable plan output, whole-prompt budgets, SGLang's TP x CP weight split,
// TensorRT-LLM's CpType spelling). Every flag emitted is checked against the pinned flag list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT, assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';

/** The pinned flag list of an engine (presets/engines/flags/ENGINE.yaml: one `  - --flag` a line). */
const flagList = (engine: string) =>
  new Set([...readFileSync(join(REPO_ROOT, 'presets', 'engines', 'flags', `${engine}.yaml`), 'utf8').matchAll(/^ {2}- (--[\w-]+)$/gm)].map((m) => m[1]));

interface Emit {
  engine: string;
  command: string;
  flags: string[];
  notes: string[];
  configFile?: { yaml: string };
}

/** `estimate … --emit ENGINE --json`'s emit, after checking every flag of the command is in the pinned list. */
function emitOf(engine: string, ...args: string[]): Emit {
  const r = runCli(['estimate', ...args, '--emit', engine, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const emit: Emit = parseJson(r.stdout).emit;
  const list = flagList(engine);
  const inCommand = emit.command.replace(/^(python -m sglang.launch_server|vllm serve|trtllm-serve serve)/, '').match(/(?<=\s)--[\w-]+/g) ?? [];
  for (const f of [...emit.flags, ...inCommand]) assert.ok(list.has(f), `${f} is not in ${engine}'s pinned flag list`);
  return emit;
}

/** The value a command gives a flag. */
const flagValue = (command: string, flag: string) => command.match(new RegExp(`(?:^|\\s)${flag} (\\S+)`))?.[1];

describe('--emit: nodes are the whole deployment (every stage), not one stage per node', () => {
  test('SGLang: 16 GPUs of TP4 x PP4 on 2 nodes launch with --nnodes 2', () => {
    const e = emitOf(
      'sglang',
      '--model',
      'llama3-70b',
      '--cluster',
      'h100-ib',
      '--ctx',
      '128K',
      '--nodes',
      '2',
      '--tp',
      '4',
      '--pp',
      '4',
      '--engine',
      'sglang',
    );
    assert.equal(flagValue(e.command, '--nnodes'), '2', e.command);
    assert.ok(
      e.notes.some((n) => n.startsWith('2 nodes: run the same command on the other node with --node-rank 1;')),
      e.notes.join('; '),
    );
  });

  test('vLLM: TP4 x PP2 on 8 GPUs is one node (no Ray cluster); 12 GPUs of TP4 x PP3 on 8-GPU nodes are 2', () => {
    const one = emitOf('vllm', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--ctx', '128K', '--gpus', '8', '--tp', '4', '--pp', '2');
    assert.ok(!one.notes.some((n) => /nodes|Ray/.test(n)), one.notes.join('; '));
    const two = emitOf('vllm', '--model', 'gemma3-27b', '--cluster', 'a100-ib', '--ctx', '128K', '--gpus', '12', '--tp', '4', '--pp', '3');
    assert.ok(
      two.notes.some((n) => n.startsWith('2 nodes: start a Ray cluster')),
      two.notes.join('; '),
    );
  });

  test('TensorRT-LLM: the same 12 GPUs are 2 nodes of 12 ranks', () => {
    const e = emitOf('trtllm', '--model', 'gemma3-27b', '--cluster', 'a100-ib', '--ctx', '128K', '--gpus', '12', '--tp', '4', '--pp', '3');
    assert.ok(
      e.notes.some((n) => n.startsWith('2 nodes: launch under MPI or Slurm with 12 ranks')),
      e.notes.join('; '),
    );
  });
});

describe('plan --emit: the launch command in the table can be pasted', () => {
  test('its lines are lines, not an escaped \\n', () => {
    for (const engine of ['vllm', 'sglang', 'trtllm']) {
      const r = runCli(['plan', '--model', 'llama3-70b', '--cluster', 'h100-ib', '--ctx', '128K', '--max-ttft', '60s', '--emit', engine]);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /\\n/, `${engine}: a literal \\n in the output`);
      assert.match(r.stdout, new RegExp(`^Launch \\(${engine} [0-9a-f]{40}\\):\\n  (vllm serve|python -m sglang\\.launch_server|trtllm-serve serve) `, 'm'));
    }
  });
});

describe('--emit: whole prompts get a step budget that holds them', () => {
  const llama = ['--model', 'llama3-70b', '--cluster', 'h100-ib', '--gpus', '8'];

  test("TensorRT-LLM (whole prompts by default): --max_num_tokens holds a prompt's tokens per CP rank", () => {
    const cp = emitOf('trtllm', ...llama, '--ctx', '128K', '--tp', '4', '--cp', '2');
    assert.equal(flagValue(cp.command, '--max_num_tokens'), '64000', cp.command);
    assert.ok(!cp.flags.includes('--enable_chunked_prefill'), cp.command);
    // A batch of whole prompts prefilled together; never below TensorRT-LLM's default of 8192.
    assert.equal(flagValue(emitOf('trtllm', ...llama, '--ctx', '32K', '--batch', '4').command, '--max_num_tokens'), '128000');
    assert.equal(flagValue(emitOf('trtllm', ...llama, '--ctx', '4K').command, '--max_num_tokens'), '8192');
    // A modelled chunk is enabled, and is the budget.
    const chunked = emitOf('trtllm', ...llama, '--ctx', '128K', '--prefill-chunk', '16K');
    assert.ok(chunked.flags.includes('--enable_chunked_prefill'), chunked.command);
    assert.equal(flagValue(chunked.command, '--max_num_tokens'), '16000');
  });

  test('vLLM with --prefill-chunk none: --max-num-batched-tokens of the whole prompt (V1 always chunks)', () => {
    const e = emitOf('vllm', ...llama, '--ctx', '128K', '--prefill-chunk', 'none');
    assert.equal(flagValue(e.command, '--max-num-batched-tokens'), '128000', e.command);
    assert.equal(flagValue(emitOf('vllm', ...llama, '--ctx', '128K').command, '--max-num-batched-tokens'), '8192');
  });

  test('SGLang with --prefill-chunk none: --chunked-prefill-size -1, and --max-prefill-tokens for a batch of them', () => {
    const e = emitOf('sglang', ...llama, '--ctx', '128K', '--prefill-chunk', 'none');
    assert.equal(flagValue(e.command, '--chunked-prefill-size'), '-1', e.command);
    assert.ok(!e.flags.includes('--max-prefill-tokens'), e.command);
    const batch = emitOf('sglang', ...llama, '--ctx', '32K', '--batch', '4', '--prefill-chunk', 'none');
    assert.equal(flagValue(batch.command, '--max-prefill-tokens'), '128000', batch.command);
  });
});

describe("--emit sglang: its TP x CP world must split the model's FFN weights", () => {
  test('TP16 x CP10 for llama3-405b (FFN 53248) is refused with one line naming a CP that splits it', () => {
    const line = assertOneLineError(
      runCli(['estimate', '--model', 'llama3-405b', '--cluster', 'h100-ib', '--ctx', '512K', '--gpus', '160', '--tp', '16', '--emit', 'sglang']),
    );
    assert.match(line, /^cp-plan: --emit sglang: .*--tp-size 160 \(TP16 x CP10\), which does not divide the FFN intermediate size 53248 of llama3-405b/);
    assert.match(line, /try --cp 8 on 128 GPUs/);
    // That suggestion launches.
    emitOf('sglang', '--model', 'llama3-405b', '--cluster', 'h100-ib', '--ctx', '512K', '--gpus', '128', '--tp', '16');
  });

  test('plan --emit sglang searches only layouts whose TP x CP splits the FFN', () => {
    const r = runCli([
      'plan',
      '--model',
      'llama3-405b',
      '--cluster',
      'h100-ib',
      '--ctx',
      '1M',
      '--max-ttft',
      '45s',
      '--emit',
      'sglang',
      '--top',
      '50',
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    const withCp = doc.candidates.filter((c: { layout: { cp: number } }) => c.layout.cp > 1);
    assert.ok(withCp.length > 0, 'CP layouts among the candidates');
    for (const { layout } of withCp) assert.equal(53248 % (layout.tp * layout.cp), 0, `TP${layout.tp} x CP${layout.cp}`);
    const { tp, cp } = doc.best.layout;
    assert.equal(flagValue(doc.emit.command, '--tp-size'), String(tp * cp));
  });
});

describe('--emit trtllm: the CP type is the CpType member as spelt', () => {
  test('cp_config.cp_type: RING (ULYSSES with --cp-style ulysses)', () => {
    const args = ['--model', 'llama3-70b', '--cluster', 'h100-ib', '--ctx', '128K', '--gpus', '16', '--tp', '8'];
    assert.match(emitOf('trtllm', ...args).configFile?.yaml ?? '', /^ {2}cp_type: RING$/m);
    assert.match(emitOf('trtllm', ...args, '--cp-style', 'ulysses').configFile?.yaml ?? '', /^ {2}cp_type: ULYSSES$/m);
  });
});
