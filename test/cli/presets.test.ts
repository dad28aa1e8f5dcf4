import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { REPO_ROOT, assertOneLineError, parseJson, runCli } from '../helpers/run-cli.js';
import { SCHEMA_BASE_URL, portableModeline } from '../../src/links.js';

const PRESETS = join(REPO_ROOT, 'presets');
const names = (folder: string) =>
  readdirSync(join(PRESETS, folder))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
const MODELS = names('models');
const CLUSTERS = names('clusters');

describe('presets list', () => {
  test('table: every built-in model and cluster, golden', () => {
    assert.ok(MODELS.length > 0 && CLUSTERS.length > 0);
    const r = runCli(['presets', 'list']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    for (const name of [...MODELS, ...CLUSTERS]) {
      assert.match(r.stdout, new RegExp(`│ ${name.replace(/\./g, '\\.')} +│`), `lists ${name}`);
    }
    assert.ok(!r.stdout.includes('\x1b['), 'no colour with NO_COLOR=1');
    assertGolden('presets-list.txt', r.stdout);
  });

  test('--json: models and clusters arrays with every name', () => {
    const r = runCli(['presets', 'list', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.schemaVersion, 2);
    assert.ok(Array.isArray(doc.models) && Array.isArray(doc.clusters));
    assert.deepEqual(doc.models.map((m: { name: string }) => m.name).sort(), MODELS);
    assert.deepEqual(doc.clusters.map((c: { name: string }) => c.name).sort(), CLUSTERS);
  });
});

describe('presets show', () => {
  test('gtt: prints the preset file exactly, comments included', () => {
    const r = runCli(['presets', 'show', 'gtt']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, portableModeline(readFileSync(join(PRESETS, 'clusters', 'gtt.yaml'), 'utf8')));
  });

  test('every built-in preset shows as its file', () => {
    for (const [folder, list] of [
      ['models', MODELS],
      ['clusters', CLUSTERS],
    ] as const) {
      for (const name of list) {
        const r = runCli(['presets', 'show', name]);
        assert.equal(r.status, 0, `${name}: ${r.stderr}`);
        assert.equal(r.stdout, portableModeline(readFileSync(join(PRESETS, folder, `${name}.yaml`), 'utf8')), name);
      }
    }
  });

  test('llama3-405b --json: the parsed preset', () => {
    const r = runCli(['presets', 'show', 'llama3-405b', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseJson(r.stdout);
    assert.equal(doc.kind, 'model');
    assert.equal(doc.preset.name, 'llama3-405b');
    assert.equal(doc.preset.layers, 126);
    assert.equal(doc.file, 'presets/models/llama3-405b.yaml');
  });

  test("gtx: exit 2, one line, suggests 'gtt'", () => {
    assert.match(assertOneLineError(runCli(['presets', 'show', 'gtx'])), /'gtt'/);
  });

  test('no name: exit 2, one line', () => {
    assert.match(assertOneLineError(runCli(['presets', 'show'])), /name/);
  });
});

describe('schema modelines: shipped presets, and copies made with presets show', () => {
  const MODELINE = /^# yaml-language-server: \$schema=(\S+)\n/;
  test('every shipped preset that has a modeline points at an existing schema file', () => {
    for (const folder of readdirSync(PRESETS, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const file of readdirSync(join(PRESETS, folder.name)).filter((f) => f.endsWith('.yaml'))) {
        const m = MODELINE.exec(readFileSync(join(PRESETS, folder.name, file), 'utf8'));
        if (m) assert.ok(existsSync(join(PRESETS, folder.name, m[1]!)), `${folder.name}/${file}: ${m[1]} does not exist`);
      }
    }
  });

  test('presets show > mine.yaml: the modeline is the absolute URL of the schema, which ships under schema/', () => {
    for (const [name, kind] of [
      ['h100-ib', 'cluster'],
      ['llama3-70b', 'model'],
      ['engine/vllm', 'engine'],
      ['gpu/h100-sxm', 'gpu'],
    ]) {
      const r = runCli(['presets', 'show', name!]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(MODELINE.exec(r.stdout)?.[1], `${SCHEMA_BASE_URL}${kind}.json`, name);
      assert.ok(existsSync(join(REPO_ROOT, 'schema', `${kind}.json`)));
    }
    assert.match(SCHEMA_BASE_URL, /^https:\/\/raw\.githubusercontent\.com\/cp-plan\/cp-plan\/main\/schema\/$/);
  });
});

describe('presets show FILE and name mix-ups', () => {
  test('a user file is validated and printed; an invalid one is a one-line error naming its line', () => {
    const ok = runCli(['presets', 'show', 'presets/clusters/h100-ib.yaml']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, portableModeline(readFileSync(join(REPO_ROOT, 'presets', 'clusters', 'h100-ib.yaml'), 'utf8')));
    const dir = mkdtempSync(join(tmpdir(), 'cp-plan-show-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(join(REPO_ROOT, 'presets', 'models', 'llama3-8b.yaml'), 'utf8').replace(/^layers:/m, 'layerz:'));
    const r = runCli(['presets', 'show', bad]);
    assertOneLineError(r);
    assert.match(r.stderr, /bad\.yaml:\d+:\d+: unknown key 'layerz'/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a cluster name given as --model says which flag it belongs to', () => {
    const r = runCli(['estimate', '--ctx', '128K', '--model', 'gtt']);
    assertOneLineError(r);
    assert.match(r.stderr, /'gtt' is a cluster preset.*--cluster gtt/);
  });

  test('when the batch, not the weights, is what does not fit, stderr says so', () => {
    const r = runCli(['estimate', '--ctx', '1', '--batch', '1000000']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not even one token per sequence fits at batch 1000000; lower --batch/);
    assert.doesNotMatch(r.stderr, /weights and runtime reserve alone/);
  });
});

describe('presets show: kernel tables, and a name under the wrong kind (review 13, P3.13)', () => {
  const table = readFileSync(join(PRESETS, 'kernels', 'h100-sxm.yaml'), 'utf8');

  test('a kernel table file is recognised as one (not as a model) and printed', () => {
    const r = runCli(['presets', 'show', 'presets/kernels/h100-sxm.yaml']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, table);
    const doc = parseJson(runCli(['presets', 'show', 'presets/kernels/h100-sxm.yaml', '--json']).stdout);
    assert.equal(doc.kind, 'kernels');
    assert.equal(doc.preset.measuredOn, 'NVIDIA H100 80GB HBM3');
  });

  test('kernels/NAME shows a built-in kernel table, in text and JSON', () => {
    const r = runCli(['presets', 'show', 'kernels/h100-sxm']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, table);
    const doc = parseJson(runCli(['presets', 'show', 'kernels/h100-sxm', '--json']).stdout);
    assert.deepEqual([doc.kind, doc.name, doc.file], ['kernels', 'h100-sxm', 'presets/kernels/h100-sxm.yaml']);
  });

  test('KIND/NAME of the wrong kind names the right one', () => {
    assert.equal(assertOneLineError(runCli(['presets', 'show', 'gpu/vllm'])), "cp-plan: 'vllm' is an engine, not a GPU: presets show engine/vllm");
    assert.equal(assertOneLineError(runCli(['presets', 'show', 'engine/h100-sxm'])), "cp-plan: 'h100-sxm' is a GPU, not an engine: presets show gpu/h100-sxm");
    assert.equal(assertOneLineError(runCli(['presets', 'show', 'model/gtt'])), "cp-plan: 'gtt' is a cluster, not a model: presets show cluster/gtt");
  });
});
