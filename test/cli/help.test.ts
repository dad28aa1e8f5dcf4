import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { REPO_ROOT, assertOneLineError, runCli } from '../helpers/run-cli.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

for (const [args, golden] of [
  [['--help'], 'help.txt'],
  [['estimate', '--help'], 'help-estimate.txt'],
  [['presets', '--help'], 'help-presets.txt'],
] as const) {
  test(`${args.join(' ')}: exit 0, help on stdout, golden ${golden}`, () => {
    const r = runCli([...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: cp-plan/);
    assertGolden(golden, r.stdout);
  });
}

test('-h is --help', () => {
  assert.equal(runCli(['-h']).stdout, runCli(['--help']).stdout);
});

test('--version prints the package.json version', () => {
  for (const flag of ['--version', '-V']) {
    const r = runCli([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
    assert.equal(r.stderr, '');
  }
});

test('no arguments: exit 2 with one line naming the commands', () => {
  const r = runCli([]);
  assert.match(assertOneLineError(r), /missing command: one of estimate, serve, plan/);
});

test('unknown command: exit 2, one line', () => {
  assert.match(assertOneLineError(runCli(['frobnicate'])), /frobnicate/);
});
