// scripts/run-tests.mjs (what `npm test` runs): the spec reporter for people, TAP when CI is set, and
// a summary .ci/run can count in either (it fails when no test ran).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cp-plan-run-tests-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'some', 'nested'), { recursive: true });
writeFileSync(join(dir, 'some', 'nested', 'a.test.ts'), "import { test } from 'node:test';\ntest('first', () => {});\ntest('second', () => {});\n");
mkdirSync(join(dir, 'empty'));

function runTests(testDir: string, env: Record<string, string> = {}) {
  // Without NODE_TEST_CONTEXT: this runner's own context would make the child report to it instead.
  const { NODE_TEST_CONTEXT: _, CI: __, ...base } = process.env;
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'run-tests.mjs')], {
    env: { ...base, CP_PLAN_TEST_DIR: testDir, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The test count as .ci/run reads it: its own grep pattern, applied to the output. */
function ciCount(output: string): number | undefined {
  const pattern = /grep -E '([^']+)' "\$log"/.exec(readFileSync(join(REPO, '.ci', 'run'), 'utf8'))?.[1];
  assert.ok(pattern, '.ci/run greps the summary with a pattern');
  const lines = output.split('\n').filter((l) => new RegExp(pattern).test(l));
  const last = lines.at(-1)?.match(/\d+/)?.[0];
  return last === undefined ? undefined : Number(last);
}

test('locally: the spec reporter, one line per test and a readable summary', () => {
  const r = runTests(join(dir, 'some'));
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /TAP version|^ok \d/m);
  assert.match(r.stdout, /✔ first/);
  assert.match(r.stdout, /^ℹ tests 2$/m);
  assert.equal(ciCount(r.stdout), 2);
});

test('with CI set: TAP, which .ci/run counts too', () => {
  const r = runTests(join(dir, 'some'), { CI: 'true' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^TAP version 13\n/);
  assert.match(r.stdout, /^# tests 2$/m);
  assert.equal(ciCount(r.stdout), 2);
});

test('no test files is a failure, not a pass', () => {
  const r = runTests(join(dir, 'empty'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no test files found/);
  assert.equal(ciCount(r.stdout), undefined);
});
