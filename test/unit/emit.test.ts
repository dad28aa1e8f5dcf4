// --emit (issue 15): launch commands whose every flag is in the pinned engine version's parser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { launchCommand, launchInputOf } from '../../src/emit/launch.js';
import { estimate } from '../../src/model/estimate.js';
import { builtinModel } from '../../src/presets/catalog.js';
import { loadFlagList } from '../../src/presets/flag-list.js';
import { shipped } from './specs.js';

const cases = [
  { model: 'llama3-70b', cluster: 'h200-ib', layout: { gpus: 8 }, ctx: 128_000, weights: 'fp8' as const, kv: 'fp8' as const },
  { model: 'llama3-8b', cluster: 'h100-ib', layout: { gpus: 1, tp: 1 }, ctx: 32_000, weights: 'bf16' as const, kv: 'bf16' as const },
  { model: 'deepseek-v3', cluster: 'h200-ib', layout: { gpus: 8, ep: 8 }, ctx: 64_000, weights: 'fp8' as const, kv: 'bf16' as const },
  { model: 'llama3-70b', cluster: 'h100-ib', layout: { gpus: 16, tp: 16, dcp: 2 }, ctx: 256_000, weights: 'fp8' as const, kv: 'bf16' as const },
  { model: 'llama3-70b', cluster: 'h100-ib', layout: { gpus: 16 }, ctx: 512_000, weights: 'fp8' as const, kv: 'bf16' as const },
];

describe('launch commands', () => {
  for (const engine of ['vllm', 'sglang', 'trtllm'] as const) {
    const list = loadFlagList(engine);
    test(`${engine}: every emitted flag is in the flag list of ${list.version.slice(0, 12)}`, () => {
      let emitted = 0;
      for (const c of cases) {
        const r = estimate({
          model: builtinModel(c.model).spec,
          cluster: shipped(c.cluster, engine),
          precision: { weights: c.weights, kvDtype: c.kv },
          layout: c.layout,
          workload: { contextTokens: c.ctx, cachedTokens: 0, batch: 1 },
          variant: 'auto',
        });
        let cmd: ReturnType<typeof launchCommand>;
        try {
          cmd = launchCommand(engine, launchInputOf(r), list);
        } catch (error) {
          // Only a flag the version lacks may stop it, and it must be named.
          assert.match((error as Error).message, /has no|runs prefill CP as|decodes with Helix/);
          continue;
        }
        emitted++;
        for (const f of cmd.flags) assert.ok(list.flags.includes(f), `${f} not in ${engine}'s list`);
        for (const f of cmd.command.replace(/^(python -m sglang.launch_server|vllm serve|trtllm-serve serve)/, '').match(/(?<=\s)--?[\w-]+/g) ?? [])
          assert.ok(list.flags.includes(f), `${f} in the command but not in ${engine}'s list`);
        for (const k of cmd.configFile?.keys ?? []) assert.ok(list.configKeys?.includes(k), `config key ${k} not in ${engine}'s list`);
        assert.ok(cmd.command.includes(String(r.layout.tp)));
      }
      assert.ok(emitted >= 3, `${emitted} commands`);
    });
  }

  test('vLLM at the pinned commit has no prefill-CP flag: a CP layout is refused, naming the flag', () => {
    const r = estimate({
      model: builtinModel('llama3-70b').spec,
      cluster: shipped('h100-ib', 'vllm'),
      precision: { weights: 'fp8', kvDtype: 'bf16' },
      layout: { gpus: 16 },
      workload: { contextTokens: 512_000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    assert.throws(
      () => launchCommand('vllm', { ...launchInputOf(r), layout: { ...r.layout, cpStyle: 'all-gather' } }, loadFlagList('vllm')),
      /has no --prefill-context-parallel-size/,
    );
  });

  test('a flag missing from the list is never emitted', () => {
    const r = estimate({
      model: builtinModel('llama3-8b').spec,
      cluster: shipped('h100-ib', 'sglang'),
      precision: { weights: 'bf16', kvDtype: 'bf16' },
      layout: { gpus: 1, tp: 1 },
      workload: { contextTokens: 8000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    const list = loadFlagList('sglang');
    assert.throws(
      () => launchCommand('sglang', launchInputOf(r), { ...list, flags: list.flags.filter((f) => f !== '--context-length') }),
      /has no --context-length/,
    );
  });

  test("pipeline stages become each engine's PP flag, and its nodes count every stage", () => {
    const r = estimate({
      model: builtinModel('llama3-70b').spec,
      cluster: shipped('h100-ib', 'sglang'),
      precision: { weights: 'fp8', kvDtype: 'bf16' },
      layout: { gpus: 8 },
      workload: { contextTokens: 128_000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    const flags = { vllm: '--pipeline-parallel-size 4', sglang: '--pp-size 4', trtllm: '--pp_size 4' } as const;
    for (const engine of ['vllm', 'sglang', 'trtllm'] as const) {
      const cmd = launchCommand(engine, launchInputOf(r, 4), loadFlagList(engine));
      assert.ok(cmd.command.includes(flags[engine]), cmd.command);
      assert.ok(
        cmd.notes.some((n) => n.startsWith('4 nodes')),
        cmd.notes.join('; '),
      );
    }
    assert.ok(!launchCommand('vllm', launchInputOf(r, 1), loadFlagList('vllm')).command.includes('pipeline'));
  });

  test("TensorRT-LLM: the CP type and FP8 KV go in the --config YAML, whose keys are in the version's list", () => {
    const r = estimate({
      model: builtinModel('llama3-70b').spec,
      cluster: shipped('h100-ib', 'trtllm'),
      precision: { weights: 'bf16', kvDtype: 'fp8' },
      layout: { gpus: 16, tp: 8, cpStyle: 'ring' },
      workload: { contextTokens: 256_000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    const list = loadFlagList('trtllm');
    const cmd = launchCommand('trtllm', launchInputOf(r), list);
    assert.match(cmd.command, /^trtllm-serve serve \S+ --tp_size 8 --cp_size 2 .*--config cp-plan-trtllm\.yaml$/);
    assert.equal(cmd.configFile?.yaml, 'cp_config:\n  cp_type: RING\nkv_cache_config:\n  dtype: fp8\n');
    assert.throws(() => launchCommand('trtllm', launchInputOf(r), { ...list, configKeys: ['kv_cache_config.dtype'] }), /has no config key cp_config.cp_type/);
    assert.throws(() => launchCommand('trtllm', { ...launchInputOf(r), layout: { ...r.layout, cpStyle: 'all-gather' } }, list), /no all-gather CP/);
  });

  test('SGLang: attention CP is carved out of its TP world (--tp-size TP x CP), and is not emitted with PP', () => {
    const r = estimate({
      model: builtinModel('llama3-70b').spec,
      cluster: shipped('h100-ib', 'sglang'),
      precision: { weights: 'fp8', kvDtype: 'bf16' },
      layout: { gpus: 32, tp: 8 },
      workload: { contextTokens: 512_000, cachedTokens: 0, batch: 1 },
      variant: 'auto',
    });
    const list = loadFlagList('sglang');
    const cmd = launchCommand('sglang', launchInputOf(r), list);
    assert.match(cmd.command, /--tp-size 32 --enable-prefill-cp --attn-cp-size 4 /);
    assert.throws(() => launchCommand('sglang', launchInputOf(r, 2), list), /pp_size == 1/);
  });
});
