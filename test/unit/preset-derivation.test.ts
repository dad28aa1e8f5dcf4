// The shipped presets are what their derivation scripts compute: every value whose comment says
// "fit: scripts/fit-collectives.ts" or "fit ... scripts/fit-gtt.ts" is recomputed from the fit rows and
// compared, and every value "transferred from" (or "shared with") another preset equals that preset's.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import { deriveCollectivePresets } from '../../scripts/fit-collectives.js';
import { deriveEnginePresets } from '../../scripts/fit-engines.js';
import { deriveGttPreset } from '../../scripts/fit-gtt.js';
import { PACKAGE_ROOT } from '../../src/root.js';

interface PresetValue {
  value: number;
  comment: string;
}

const dir = join(PACKAGE_ROOT, 'presets', 'clusters');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -5))
  .sort();

/** Every numeric value of a cluster preset's sections, keyed "section.key", with its line comment. */
function presetValues(name: string): Map<string, PresetValue> {
  const doc = parseDocument(readFileSync(join(dir, `${name}.yaml`), 'utf8'));
  const out = new Map<string, PresetValue>();
  if (!isMap(doc.contents)) return out;
  for (const section of doc.contents.items) {
    if (!isScalar(section.key) || !isMap(section.value)) continue;
    for (const pair of section.value.items) {
      const v = pair.value as Scalar | null;
      if (!isScalar(pair.key) || !isScalar(v) || typeof v.value !== 'number') continue;
      out.set(`${section.key.value}.${pair.key.value}`, { value: v.value, comment: v.comment ?? '' });
    }
  }
  return out;
}

const presets = new Map(names.map((n) => [n, presetValues(n)]));

/** Written with three significant figures: within 1%, or within the parameter's resolution near zero. */
function close(actual: number, expected: number, resolution = 0): boolean {
  return Math.abs(actual - expected) <= Math.max(0.01 * Math.abs(expected), resolution);
}

describe('presets follow from their derivation scripts', () => {
  test('scripts/fit-collectives.ts: every "fit: scripts/fit-collectives.ts" value is the joint fit of its cluster', () => {
    const derived = deriveCollectivePresets();
    assert.ok(derived.length >= 5, 'fit series for at least five clusters');
    for (const d of derived) {
      const preset = presets.get(d.cluster)!;
      const marked = [...preset].filter(([, v]) => v.comment.includes('fit: scripts/fit-collectives.ts')).map(([k]) => k);
      // Values the data pins down (a standard error below the value, or pressed against a bound) must be in the preset.
      const pinned = d.values.filter((v) => v.atBound || (v.stdError !== null && v.stdError < Math.abs(v.value)));
      for (const v of pinned) {
        const key = v.presetPath.join('.');
        assert.ok(marked.includes(key), `${d.cluster}: ${key} is fitted (${v.value.toPrecision(3)}) but not marked as such in the preset`);
      }
      for (const key of marked) {
        const v = d.values.find((x) => x.presetPath.join('.') === key);
        assert.ok(v, `${d.cluster}: ${key} says it is fitted by scripts/fit-collectives.ts, which no longer fits it`);
        const actual = preset.get(key)!.value;
        assert.ok(close(actual, v.value, v.resolution), `${d.cluster}: ${key} is ${actual} in the preset, the fit gives ${v.value.toPrecision(3)}`);
      }
    }
  });

  test('scripts/fit-gtt.ts: gtt and the meta-cp engine hold the fitted values', () => {
    const derived = deriveGttPreset();
    assert.ok(derived.length >= 8);
    for (const d of derived) {
      const doc = parseDocument(readFileSync(join(PACKAGE_ROOT, d.file), 'utf8'));
      const key = d.presetPath.join('.');
      const node = doc.getIn(d.presetPath, true) as Scalar | undefined;
      assert.ok(isScalar(node) && typeof node.value === 'number', `${d.file} has no ${key}`);
      if (d.file.includes('/engines/')) {
        const parent = doc.getIn(d.presetPath.slice(0, -1)) as { get(k: string): unknown };
        assert.equal(parent.get('provenance'), 'fitted', `${d.file} ${key} should say it is fitted`);
      } else {
        assert.match(node.comment ?? '', /fit/, `${d.file} ${key} should say it is fitted`);
      }
      const unitless = !key.includes('Us');
      assert.ok(
        close(node.value as number, d.value, unitless ? 0 : 0.05),
        `${d.file} ${key} is ${node.value}, scripts/fit-gtt.ts gives ${d.value.toPrecision(3)}`,
      );
    }
  });

  test('scripts/fit-engines.ts: the engines fitted on validation/external.yaml hold the fitted values', () => {
    const derived = deriveEnginePresets();
    assert.ok(derived.length >= 1);
    for (const d of derived) {
      const doc = parseDocument(readFileSync(join(PACKAGE_ROOT, d.file), 'utf8'));
      const value = doc.getIn(d.presetPath) as number;
      assert.equal(doc.getIn([...d.presetPath.slice(0, -1), 'provenance']), 'fitted', `${d.file} ${d.presetPath.join('.')}`);
      assert.ok(close(value, d.value, 0.5), `${d.file} ${d.presetPath.join('.')} is ${value}, scripts/fit-engines.ts gives ${d.value.toPrecision(3)}`);
    }
  });

  test("engine constants transferred from the paper's stack equal meta-cp's", () => {
    const meta = parseDocument(readFileSync(join(PACKAGE_ROOT, 'presets', 'engines', 'meta-cp.yaml'), 'utf8'));
    let checked = 0;
    for (const file of readdirSync(join(PACKAGE_ROOT, 'presets', 'engines')).filter((f) => f.endsWith('.yaml'))) {
      const doc = parseDocument(readFileSync(join(PACKAGE_ROOT, 'presets', 'engines', file), 'utf8'));
      const overhead = doc.get('overhead') as { items: { key: Scalar; value: { get(k: string): unknown } }[] };
      for (const item of overhead.items) {
        const source = String(item.value.get('source'));
        if (item.value.get('provenance') !== 'transferred' || !source.includes('meta-cp')) continue;
        assert.equal(item.value.get('value'), meta.getIn(['overhead', item.key.value as string, 'value']), `${file} overhead.${item.key.value}`);
        checked++;
      }
    }
    assert.ok(checked >= 6, `${checked} transferred engine constants`);
  });

  test('"transferred from X" and "shared with X" values equal X\'s', () => {
    let checked = 0;
    for (const [name, values] of presets) {
      for (const [key, v] of values) {
        const m = /(?:transferred from|shared with) ([a-z0-9][a-z0-9-]*)/.exec(v.comment);
        if (!m || !presets.has(m[1]!)) continue;
        const source = presets.get(m[1]!)!.get(key);
        assert.ok(source, `${name}: ${key} is transferred from ${m[1]}, which has no ${key}`);
        assert.equal(v.value, source.value, `${name}: ${key} is ${v.value}, but ${m[1]}'s is ${source.value}`);
        checked++;
      }
    }
    assert.ok(checked > 50, `only ${checked} transferred values found`);
  });
});
