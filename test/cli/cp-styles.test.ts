// The CP styles through the CLI: what estimate prints for all-gather, Ulysses and hierarchical.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, parseJson, runCli } from '../helpers/run-cli.js';

let dir = '';
/** vLLM's preset with every CP style allowed. */
let anyStyle = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cp-plan-styles-'));
  anyStyle = join(dir, 'any-style.yaml');
  const vllm = readFileSync(join(REPO_ROOT, 'presets', 'engines', 'vllm.yaml'), 'utf8');
  writeFileSync(anyStyle, vllm.replace(/cpStyles: \[[^\]]*\]/, 'cpStyles: [ring, all-gather, ulysses, hierarchical]'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const SGLANG_AG = ['estimate', '--nodes', '4', '--cp', '4', '--cp-style', 'all-gather', '--engine', 'sglang', '--ctx', '128K'];

describe('estimate --cp-style all-gather: the KV capacity of a context is one GPU', () => {
  test('--json: kvCapacityContextTokens is the per-GPU capacity; the text says so', () => {
    const doc = parseJson(runCli([...SGLANG_AG, '--json']).stdout);
    assert.equal(doc.memory.kvCapacityContextTokens, doc.memory.kvCapacityTokens);
    assert.ok(doc.memory.maxContextTokens <= doc.memory.kvCapacityContextTokens);
    const text = runCli(SGLANG_AG).stdout;
    const n = doc.memory.kvCapacityTokens.toLocaleString('en-US');
    assert.match(text, new RegExp(`KV capacity: ${n} tokens per GPU .*, ${n} tokens of context over CP4 \\(all-gather: every rank holds the whole context\\)`));
  });
});

describe('estimate --cp-style hierarchical: with TP8 filling each node it is the ring across nodes', () => {
  test('--json: the TTFT and every prefill part equal the ring pass-KV, the merge included', () => {
    const args = ['estimate', '--nodes', '4', '--ctx', '128K', '--engine', anyStyle, '--prefill-chunk', 'none', '--variant', 'pass-kv', '--json'];
    const h = parseJson(runCli([...args, '--cp-style', 'hierarchical']).stdout);
    const ring = parseJson(runCli([...args, '--cp-style', 'ring']).stdout);
    assert.ok(h.prefill.breakdownMs.merge > 0);
    assert.deepEqual(h.prefill.breakdownMs, ring.prefill.breakdownMs);
    assert.equal(h.prefill.ttftMs, ring.prefill.ttftMs);
    assert.equal(h.decode.ttitMs, ring.decode.ttitMs);
  });

  test('the verdict does not send the reader to another --engine when no shipped engine runs the faster style', () => {
    const r = runCli(['estimate', '--gpus', '16', '--tp', '4', '--engine', 'trtllm', '--ctx', '32K', '--model', 'llama3-70b', '--cluster', 'h100-ib']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Why: hierarchical would be [\d.]+% faster, but trtllm does not run it \(no shipped engine profile runs it\)/);
    assert.doesNotMatch(r.stdout, /another --engine/);
  });
});

describe('estimate: decode follows the CP style', () => {
  test('Ulysses with replicated heads (1 KV head per GPU over CP2): no ring pass-Q, no messages, the whole context read locally', () => {
    const args = ['estimate', '--nodes', '2', '--engine', 'trtllm', '--ctx', '128K', '--json'];
    const ul = parseJson(runCli([...args, '--cp-style', 'ulysses']).stdout);
    const ring = parseJson(runCli([...args, '--cp-style', 'ring']).stdout);
    assert.equal(ul.memory.tokensPerGpu, 128_000);
    assert.equal(ul.decode.breakdownMs.cpComm, 0);
    assert.ok(ul.decode.ttitMs < ring.decode.ttitMs, `${ul.decode.ttitMs} vs ${ring.decode.ttitMs}`);
    const text = runCli(['estimate', '--nodes', '2', '--engine', 'trtllm', '--ctx', '128K', '--cp-style', 'ulysses']).stdout;
    assert.match(text, /CP \(none: heads replicated, each rank has the whole KV\)/);
    assert.doesNotMatch(text, /CP ring pass-Q/);
  });

  test('all-gather: no CP decode row, no "CP also speeds decode", no ring-decode extrapolation warning', () => {
    const r = runCli(SGLANG_AG);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /CP ring pass-Q|here CP also speeds decode/);
    assert.match(r.stdout, /All-gather CP leaves the whole KV on every rank: a sequence decodes on one TP8 group/);
    assert.doesNotMatch(r.stderr, /decode under CP4 is extrapolated/);
    // The ring on the same GPUs is warned about.
    const ring = runCli(['estimate', '--nodes', '4', '--ctx', '128K', '--engine', anyStyle, '--cp-style', 'ring']);
    assert.match(ring.stderr, /decode under CP4 is extrapolated/);
  });
});

describe('estimate --explain follows the CP style', () => {
  test("all-gather (sglang, chunked): its all-gather terms, no ring's, KV slots of the whole context", () => {
    const r = runCli([...SGLANG_AG, '--explain']);
    assert.equal(r.status, 0, r.stderr);
    const terms = r.stdout.slice(r.stdout.indexOf('Model terms'));
    assert.match(terms, /K, V all-gather per layer .* nothing overlaps it \(the last of 16 chunks/);
    assert.match(terms, /CP comm exposed +292 ms {2}= Σ over the 16 chunks of L·K, V all-gather per layer = 126·2\.32 ms/);
    assert.match(terms, /KV token slots per GPU +128,000 tokens {2}= P\+T \(all-gather: the whole context on every rank\) = 128,000/);
    assert.doesNotMatch(terms, /ring message|ring step|exposed SendRecv|CP ring pass-Q|Algorithm 5/);
  });

  test('Ulysses with replicated heads: its All2Alls, no ring; decode one kernel over the whole context; 2x CP KV replicas', () => {
    const r = runCli(['estimate', '--nodes', '2', '--engine', 'trtllm', '--cp-style', 'ulysses', '--ctx', '128K', '--explain']);
    assert.equal(r.status, 0, r.stderr);
    const terms = r.stdout.slice(r.stdout.indexOf('Model terms'));
    assert.match(terms, /Ulysses All2Alls per layer/);
    assert.match(terms, /CP KV replicas +2x/);
    assert.match(terms, /attention kernel .*n = ⌈ctx\/DCP⌉ = 128,000 tokens/);
    assert.doesNotMatch(terms, /ring message|exposed SendRecv|CP ring pass-Q/);
  });
});
