// validate --data: times in the wrong unit get calibrate's hint; empty groups print '–', not 0.0% (0).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UNITS_QUESTION, wrongUnitsHint } from '../../src/validation/units-hint.js';
import { REPO_ROOT, assertOneLineError, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-plan-validate-hints-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const paper = readFileSync(join(REPO_ROOT, 'validation', 'paper-measurements.yaml'), 'utf8');
/** The paper's measurements with every time multiplied by `factor` (1e-3: seconds in a milliseconds column). */
function scaled(name: string, factor: number): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    paper.replace(/(ttftMs|ttitMs): ([\d.]+)/g, (_, key, v) => `${key}: ${Number((Number(v) * factor).toPrecision(6))}`),
  );
  return file;
}

describe('validate --data: times in the wrong unit', () => {
  for (const [what, factor, direction] of [
    ['seconds', 1e-3, 'below'],
    ['microseconds', 1e3, 'above'],
  ] as const) {
    test(`in ${what}: the report, exit 0, and calibrate's units hint on stderr`, () => {
      const r = runCli(['validate', '--data', scaled(`${what}.yaml`, factor)]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^cp-plan validate: 25 measured times/);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0]!,
        new RegExp(`^cp-plan: warning: .*${what}\\.yaml: every measured time is more than 10x \\(median [\\d.]+x\\) ${direction} cp-plan's prediction: `),
      );
      assert.ok(lines[0]!.endsWith(UNITS_QUESTION), lines[0]);
    });
  }

  test('the hint comes before a gate that fails, and the gate still decides the exit code', () => {
    const r = runCli(['validate', '--data', scaled('gate.yaml', 1e-3), '--max-mape', '10%']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^cp-plan: warning: [^\n]*milliseconds[^\n]*\ncp-plan: check failed: overall MAPE/);
  });

  test('times in milliseconds get no hint', () => {
    const r = runCli(['validate', '--data', scaled('ms.yaml', 1)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  test('calibrate refuses the same data with the same question', () => {
    const r = runCli(['calibrate', scaled('x100.yaml', 100), '--cluster', 'gtt']);
    assert.ok(assertOneLineError(r).includes(`(${UNITS_QUESTION})`), r.stderr);
  });

  test('wrongUnitsHint: only when every point is off by more than 10x the same way', () => {
    assert.equal(wrongUnitsHint([]), undefined);
    assert.equal(
      wrongUnitsHint([
        { measured: 1, predicted: 1000 },
        { measured: 1000, predicted: 1 },
      ]),
      undefined,
    );
    assert.equal(
      wrongUnitsHint([
        { measured: 2, predicted: 1000 },
        { measured: 500, predicted: 1000 },
      ]),
      undefined,
    );
    assert.match(wrongUnitsHint([{ measured: 1, predicted: 1000 }])!, /^the measured time is 1000x below/);
    assert.match(
      wrongUnitsHint([
        { measured: 1, predicted: 1000 },
        { measured: 2, predicted: 1000 },
        { measured: 3, predicted: 1000 },
      ])!,
      /median 500x\) below/,
    );
  });
});

describe('validate --data: an empty group prints –', () => {
  test('a measurements file without held-out rows', () => {
    const file = join(dir, 'fit-only.yaml');
    writeFileSync(
      file,
      'model: llama3-405b\ncluster: gtt\nmeasurements:\n  - { nodes: 1, contextTokens: 8000, ttftMs: 1740 }\n  - { nodes: 1, contextTokens: 32000, ttftMs: 7658 }\n',
    );
    const r = runCli(['validate', '--data', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\n {10}fit [\d.]+% \(2\), held-out –\n/);
    assert.doesNotMatch(r.stdout, /\(0\)/);
  });

  for (const [kind, file, from, to] of [
    ['external', 'external.yaml', /role: "held-out"/g, 'role: "fit"'],
    ['serving', 'serving.yaml', /role: held-out/g, 'role: fit'],
  ] as const) {
    test(`${kind} rows all fit: held-out MAPE, worst and groups are –`, () => {
      const copy = join(dir, `all-fit-${file}`);
      writeFileSync(copy, readFileSync(join(REPO_ROOT, 'validation', file), 'utf8').replace(from, to));
      const r = runCli(['validate', '--data', copy]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /held-out –; held-out worst –\n/);
      assert.match(r.stdout, /held-out {2}by GPU: –/);
      assert.doesNotMatch(r.stdout, /\(0\)|: ;|: $/m);
    });
  }
});
